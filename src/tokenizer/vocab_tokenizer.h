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
    // Control and unknown tokens render only with render_special, user-defined ones always,
    // unused ones never; byte tokens (<0x0A>) give their byte; normal ones normal_piece.
    std::string token_to_piece(TokenId id, bool render_special) const final;

protected:
    // Appends the tokens of one run of plain text. at_boundary: the run starts the text or
    // follows a special token (where SentencePiece puts its space prefix).
    virtual void encode_fragment(std::string_view text, bool at_boundary, std::vector<TokenId>& out) const = 0;

    // The bytes a normal token stands for, from its vocabulary text (BPE: the byte alphabet's
    // characters; SentencePiece: the space mark as a space).
    virtual std::string normal_piece(const std::string& text) const = 0;

    Vocab vocab_;
};

std::unique_ptr<Tokenizer> make_spm_tokenizer(const GgufFile& file);
std::unique_ptr<Tokenizer> make_bpe_tokenizer(const GgufFile& file);

}  // namespace edgeseek
