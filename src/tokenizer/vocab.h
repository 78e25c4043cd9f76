// The vocabulary part of GGUF tokenizer metadata that SentencePiece and BPE share: token
// strings, scores and types, special token ids, and splitting text at special tokens.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tokenizer/token_index.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

// tokenizer.ggml.token_type values (llama.cpp's LLAMA_TOKEN_TYPE_*).
enum class TokenType : uint8_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };
// The value stored in the GGUF array (the converters write int32).
constexpr int32_t gguf_value(TokenType t) { return static_cast<int32_t>(t); }

// A piece of the input: raw text to tokenize, or a special token found in it.
struct Fragment {
    TokenId token = -1;  // -1: raw text [begin, begin + size)
    size_t begin = 0;
    size_t size = 0;
};

// The byte a "<0xXX>" token stands for, or -1 when text is not of that form.
int byte_token_value(std::string_view text);

class Vocab {
public:
    // Model-specific defaults applied before the metadata keys override them.
    struct Defaults {
        TokenId bos = -1, eos = -1, unk = -1;
        bool add_bos = false;
    };

    Vocab() = default;
    Vocab(const Vocab&) = delete;  // the index points into text_
    Vocab& operator=(const Vocab&) = delete;

    // Reads tokens, scores, token types and special ids. Throws Error naming the key.
    void load(const GgufFile& file, const Defaults& defaults);

    int32_t size() const { return static_cast<int32_t>(text_.size()); }
    const std::string& text(TokenId id) const { return text_[static_cast<size_t>(id)]; }
    float score(TokenId id) const { return score_[static_cast<size_t>(id)]; }
    TokenType type(TokenId id) const { return type_[static_cast<size_t>(id)]; }
    bool valid(TokenId id) const { return id >= 0 && id < size(); }
    TokenId find(std::string_view s) const { return index_.find(s); }

    TokenId bos() const { return bos_; }
    TokenId eos() const { return eos_; }
    TokenId unk() const { return unk_; }
    bool add_bos() const { return add_bos_; }
    bool add_eos() const { return add_eos_; }
    bool is_eog(TokenId id) const { return eog_.count(id) != 0; }
    bool is_special(TokenId id) const;  // control, user-defined or unknown

    // Cuts text at special tokens written in it (only when parse_special), longest token
    // first, as llama.cpp's tokenizer_st_partition does. Without parse_special the whole text
    // is one raw fragment.
    std::vector<Fragment> split_special(std::string_view text, bool parse_special) const;

private:
    void read_tokens(const GgufFile& file);
    void read_special_ids(const GgufFile& file, const Defaults& defaults);
    void find_end_of_generation();

    std::vector<std::string> text_;
    std::vector<float> score_;
    std::vector<TokenType> type_;
    TokenIndex index_;                                    // text -> id, over text_
    std::vector<TokenId> specials_by_length_;             // longest first
    std::unordered_set<TokenId> eog_;
    TokenId bos_ = -1, eos_ = -1, eot_ = -1, eom_ = -1, unk_ = -1;
    bool add_bos_ = false, add_eos_ = false;
};

}  // namespace edgeseek
