// What the SentencePiece and BPE tokenizers share: the vocabulary, special-token splitting,
// BOS handling and the metadata accessors. Internal to src/tokenizer/.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace edgeseek {

class VocabTokenizer : public Tokenizer {
public:
    std::vector<TokenId> encode(std::string_view text, bool add_bos, bool parse_special) const override;

    int32_t n_vocab() const override { return vocab_.size(); }
    TokenId bos() const override { return vocab_.bos(); }
    TokenId eos() const override { return vocab_.eos(); }
    bool add_bos_default() const override { return vocab_.add_bos(); }
    bool add_eos_default() const override { return vocab_.add_eos(); }
    bool is_end_of_generation(TokenId id) const override { return vocab_.is_eog(id); }
    bool is_special(TokenId id) const override { return vocab_.is_special(id); }
    std::string token_text(TokenId id) const override { return vocab_.valid(id) ? vocab_.text(id) : std::string(); }

protected:
    // Appends the tokens of one run of plain text. at_boundary: the run starts the text or
    // follows a special token (where SentencePiece puts its space prefix).
    virtual void encode_fragment(std::string_view text, bool at_boundary, std::vector<TokenId>& out) const = 0;

    // The text of a control/unknown token when rendered, else "". User-defined tokens (such
    // as <think>) always render, as in llama.cpp; "" for unused/undefined types.
    // Returns false when the token is not one of these kinds (the caller decodes it).
    bool special_piece(TokenId id, bool render_special, std::string& piece) const;

    Vocab vocab_;
};

std::unique_ptr<Tokenizer> make_spm_tokenizer(const GgufFile& file);
std::unique_ptr<Tokenizer> make_bpe_tokenizer(const GgufFile& file);

}  // namespace edgeseek
