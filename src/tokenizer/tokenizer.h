// Tokenizers built from GGUF metadata (tokenizer.ggml.*): SentencePiece-style ("llama") and
// byte-level BPE ("gpt2") with the pre-tokenizers R1 distills use.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace edgeseek {

class GgufFile;

using TokenId = int32_t;

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Builds the tokenizer the file's metadata describes. Throws Error naming the key on
    // missing/malformed metadata. Unknown pre-tokenizer names fall back with a warning on stderr.
    static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& file);

    // add_bos: prepend BOS when the vocabulary wants it (tokenizer.ggml.add_bos_token) and the
    // text does not already start with it. parse_special: recognise special/control tokens
    // written literally in the text (chat prompts need it).
    virtual std::vector<TokenId> encode(std::string_view text, bool add_bos, bool parse_special) const = 0;

    // Bytes of one token as it appears in text (byte tokens give their raw byte; special
    // tokens give their text only when render_special).
    virtual std::string token_to_piece(TokenId id, bool render_special = true) const = 0;
    std::string decode(const std::vector<TokenId>& ids, bool render_special = true) const;

    virtual int32_t n_vocab() const = 0;
    virtual TokenId bos() const = 0;            // -1 when none
    virtual TokenId eos() const = 0;            // -1 when none
    virtual bool add_bos_default() const = 0;   // tokenizer.ggml.add_bos_token (or model default)
    virtual bool add_eos_default() const = 0;
    virtual bool is_end_of_generation(TokenId id) const = 0;  // eos, eot, <|im_end|>, ...
    virtual bool is_special(TokenId id) const = 0;            // control / user-defined tokens
    virtual std::string model_name() const = 0;               // "llama" or "gpt2"
    virtual std::string pre_name() const = 0;                 // pre-tokenizer in use
    virtual std::string token_text(TokenId id) const = 0;     // the raw vocabulary string

protected:
    // What decode() does beyond concatenating pieces, as llama.cpp's detokenizer does it:
    // drop the space SentencePiece prefixed to the text, and (some BPE vocabularies) the
    // space before punctuation and contractions (" ," -> ",", " 's" -> "'s").
    virtual bool strip_first_space() const { return false; }
    virtual bool clean_up_spaces() const { return false; }
};

// Streaming detokenizer: feeds token pieces, returns only complete UTF-8 text, holding back a
// partial multi-byte sequence until the rest arrives (flush() returns what is left).
class Utf8StreamDecoder {
public:
    std::string push(const std::string& piece);
    std::string flush();

private:
    std::string pending_;
};

}  // namespace edgeseek
