// Pre-tokenizers of byte-level BPE vocabularies: the regexes llama.cpp selects by
// tokenizer.ggml.pre, implemented as hand-written matchers over code points.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace edgeseek {

enum class PreTokenizerKind {
    Gpt2,     // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    Llama3,   // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    Qwen2,    // the Llama3 regex with \p{N} instead of \p{N}{1,3}
    Default,  // llama.cpp's "default": [\p{P}\$\+<=>\^~\|]+, then Gpt2, then \p{N}+, then [0-9][0-9][0-9]
};

struct PreTokenizerSpec {
    PreTokenizerKind kind = PreTokenizerKind::Default;
    std::string name = "default";  // the name in use (after any fallback)
    bool ignore_merges = false;    // a word that is already a token is emitted without merging
    bool add_bos = false;          // llama.cpp's add_bos default for this family
    bool clean_spaces = true;      // decode() drops spaces before punctuation (" ," -> ",")
};

// Resolves tokenizer.ggml.pre ("" when the key is absent). Absent or unknown names print a
// warning on stderr and fall back to "default"; they never fail.
PreTokenizerSpec resolve_pre_tokenizer(const std::string& name);

// Splits text (as code points) into words; returns each word's length in code points.
std::vector<size_t> pre_tokenize(PreTokenizerKind kind, const std::vector<char32_t>& cps);

}  // namespace edgeseek
