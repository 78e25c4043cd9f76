#include "tokenizer/tokenizer.h"

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "tokenizer/vocab_tokenizer.h"

namespace edgeseek {
namespace {

// llama.cpp's clean_up_tokenization_spaces, pass by pass, compacting s in place. Each pass
// reads the character before i, which the compaction has not overwritten yet (out <= i).
void clean_up_spaces_in(std::string& s) {
    if (s.size() < 2) return;
    // 1: " ?", " !", " .", " ," lose the space.
    size_t out = 1;
    for (size_t i = 1; i < s.size(); ++i) {
        const char x = s[i];
        if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --out;
        s[out++] = x;
    }
    s.resize(out);
    // 2: a lone apostrophe between spaces, " ' ", loses both spaces.
    const size_t n2 = s.size();
    out = 1;
    for (size_t i = 1; i < n2; ++i) {
        const char x = s[i];
        if (x == '\'' && i + 1 < n2 && s[i - 1] == ' ' && s[i + 1] == ' ') {
            --out;
            s[++i] = '\0';  // skip the following space; llama.cpp also blanks it
        }
        s[out++] = x;
    }
    s.resize(out);
    // 3: " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
    const size_t n3 = s.size();
    out = 1;
    for (size_t i = 1; i < n3; ++i) {
        const char x = s[i];
        if (s[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
            const char x1 = s[i + 1];
            if (x1 == 's' || x1 == 'm') {
                --out;
            } else if (i + 2 < n3) {
                const char x2 = s[i + 2];
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --out;
            }
        }
        s[out++] = x;
    }
    s.resize(out);
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
    const std::string key = "tokenizer.ggml.model";
    const std::string model = file.require_string(key);
    if (model == "llama") return make_spm_tokenizer(file);
    if (model == "gpt2") return make_bpe_tokenizer(file);
    throw Error("unsupported tokenizer model '" + model + "'", file.where_key(key),
                "edgeseek reads 'llama' (SentencePiece) and 'gpt2' (byte-level BPE) vocabularies");
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids, bool render_special) const {
    std::string out;
    bool first = true;
    for (TokenId id : ids) {
        std::string piece = token_to_piece(id, render_special);
        // Only the very first token can carry the encoder's prefix space (llama.cpp drops
        // it even when that token renders as nothing, so later ones keep theirs).
        if (first && strip_first_space() && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
        first = false;
        out += piece;
    }
    if (clean_up_spaces()) clean_up_spaces_in(out);
    return out;
}

std::vector<TokenId> VocabTokenizer::encode(std::string_view text, bool add_bos, bool parse_special) const {
    std::vector<TokenId> out;
    bool at_boundary = true;
    for (const Fragment& f : vocab_.split_special(text, parse_special)) {
        if (f.token >= 0) {
            out.push_back(f.token);
            at_boundary = true;
            continue;
        }
        encode_fragment(text.substr(f.begin, f.size), at_boundary, out);
        at_boundary = false;
    }
    // A prompt that already starts with a literal BOS (chat templates write one) keeps just it.
    const TokenId bos = vocab_.bos();
    if (add_bos && vocab_.add_bos() && bos >= 0 && (out.empty() || out.front() != bos)) out.insert(out.begin(), bos);
    return out;
}

std::string VocabTokenizer::token_to_piece(TokenId id, bool render_special) const {
    if (!vocab_.valid(id)) return {};
    const std::string& text = vocab_.text(id);
    switch (vocab_.type(id)) {
        case TokenType::Control:
        case TokenType::Unknown: return render_special ? text : std::string();
        case TokenType::UserDefined: return text;  // such as <think>: always rendered, as llama.cpp does
        case TokenType::Unused:
        case TokenType::Undefined: return {};
        case TokenType::Byte: {
            const int b = byte_token_value(text);
            return b < 0 ? std::string() : std::string(1, static_cast<char>(b));
        }
        case TokenType::Normal: break;
    }
    return normal_piece(text);
}

}  // namespace edgeseek
