// UTF-8 and code point classification helpers shared by the tokenizers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/unicode_tables.h"

namespace edgeseek::unicode {

constexpr char32_t kReplacement = 0xFFFD;

CpClass classify(char32_t cp);
bool is_whitespace(char32_t cp);  // \s in the tokenizer regexes (Unicode White_Space)

// Length of the UTF-8 sequence a lead byte announces (1 for stray continuation bytes), as
// llama.cpp's tokenizers use it to cut text into characters without validating it.
size_t utf8_len_from_lead(unsigned char lead);

// Decodes the code point at s[pos] and advances pos. A malformed sequence yields U+FFFD and
// advances one byte, so every input decodes (llama.cpp's BPE path does the same).
char32_t decode_one(std::string_view s, size_t& pos);
std::vector<char32_t> decode(std::string_view s);

void append_utf8(std::string& out, char32_t cp);

}  // namespace edgeseek::unicode
