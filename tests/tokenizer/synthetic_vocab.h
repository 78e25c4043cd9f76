// Small vocabularies written to GGUF in memory, for behaviour the fixture vocabularies do not
// exercise (metadata fallbacks, errors, overlapping special tokens).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace edgeseek::test {

// GPT-2's byte -> code point alphabet, written out independently of the implementation:
// printable Latin-1 bytes map to themselves, the rest to U+0100, U+0101, ... in byte order.
inline std::string gpt2_byte_char(int b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    int cp = b;
    if (!printable) {
        cp = 256;
        for (int k = 0; k < b; ++k) {
            const bool p = (k >= 0x21 && k <= 0x7E) || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE;
            if (!p) ++cp;
        }
    }
    std::string s;
    if (cp < 0x80) s += static_cast<char>(cp);
    else {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// A GGUF held in memory together with the bytes it reads from.
struct MemoryGguf {
    std::vector<uint8_t> bytes;
    std::unique_ptr<GgufFile> file;
};

inline MemoryGguf to_gguf(const GgufWriter& w) {
    MemoryGguf m;
    m.bytes = w.to_bytes();
    m.file = GgufFile::parse(MappedFile::from_memory(m.bytes.data(), m.bytes.size()));
    return m;
}

// Byte-level BPE: the 256 byte tokens (token id = byte value), then extra normal tokens with their merges, then
// control tokens.
inline GgufWriter bpe_vocab_writer(const std::vector<std::string>& normal, const std::vector<std::string>& merges,
                                   const std::vector<std::string>& control) {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    for (int b = 0; b < 256; ++b) tokens.push_back(gpt2_byte_char(b));
    tokens.insert(tokens.end(), normal.begin(), normal.end());
    types.assign(tokens.size(), 1);
    for (const std::string& c : control) {
        tokens.push_back(c);
        types.push_back(3);
    }
    GgufWriter w;
    w.set_string("general.architecture", "qwen2");
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", "qwen2");
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    w.set_string_array("tokenizer.ggml.merges", merges);
    return w;
}

}  // namespace edgeseek::test
