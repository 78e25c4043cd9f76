// UTF-8 decoding and encoding, one implementation for the tokenizers and the template engine.
// Malformed input never stops or desynchronises a loop: a bad sequence decodes to U+FFFD and
// advances one byte, as llama.cpp's tokenizers and Python's errors="replace" both do.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace edgeseek {

constexpr char32_t kReplacementChar = 0xFFFD;

// Length of the sequence a lead byte announces (1 for ASCII and stray continuation bytes; not
// validated), as llama.cpp's SPM tokenizer cuts text into characters.
size_t utf8_sequence_length(unsigned char lead);

// The code point at s[pos] (pos < s.size()), pos advanced past it. Overlong forms and encoded
// surrogates decode as they are (the tokenizers re-encode them byte for byte); a bad lead or
// continuation byte, a sequence cut short or a value above U+10FFFF give U+FFFD, one byte on.
char32_t decode_utf8(std::string_view s, size_t& pos);
std::vector<char32_t> to_code_points(std::string_view s);

// Appends cp's encoding (surrogates too, so decode + append gives the bytes back); a value
// above U+10FFFF appends U+FFFD.
void append_utf8(std::string& out, char32_t cp);

}  // namespace edgeseek
