#include "tokenizer/vocab.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace edgeseek {
namespace {

constexpr const char* kTokensKey = "tokenizer.ggml.tokens";
constexpr const char* kScoresKey = "tokenizer.ggml.scores";
constexpr const char* kTypesKey = "tokenizer.ggml.token_type";

// Tokens that end a turn or a document in the vocabularies llama.cpp knows; llama.cpp stops
// generation on them even when the metadata names no eot/eom id (llama_vocab::impl::load).
constexpr const char* kEndOfGenerationText[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
    "<|eom_id|>", "<EOT>", "_<EOT>", "<end_of_utterance>", "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>",
};

bool is_integer_type(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16:
        case GgufType::U32: case GgufType::I32: case GgufType::U64: case GgufType::I64:
            return true;
        default:
            return false;
    }
}

// An optional numeric array with at least n elements, or nullptr when the key is absent.
const GgufValue* optional_numbers(const GgufFile& file, const char* key, size_t n, bool integers_only) {
    const GgufValue* v = file.find(key);
    if (!v) return nullptr;
    const bool ok_elem = is_integer_type(v->elem_type) ||
                         (!integers_only && (v->elem_type == GgufType::F32 || v->elem_type == GgufType::F64));
    if (v->type != GgufType::ARRAY || !ok_elem) {
        throw Error(std::string("expected an array of ") + (integers_only ? "integers" : "numbers") + ", found " +
                        v->to_display(),
                    file.where_key(key), "the file's tokenizer metadata is malformed; re-convert the model");
    }
    if (v->count < n) {
        throw Error("has " + std::to_string(v->count) + " entries for " + std::to_string(n) + " tokens",
                    file.where_key(key), "the file's tokenizer metadata is malformed; re-convert the model");
    }
    return v;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

int byte_token_value(std::string_view text) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
    const int hi = hex_digit(text[3]), lo = hex_digit(text[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void Vocab::load(const GgufFile& file, const Defaults& defaults) {
    read_tokens(file);
    read_special_ids(file, defaults);
    find_end_of_generation();

    for (TokenId id = 0; id < size(); ++id) {
        if (is_special(id)) specials_by_length_.push_back(id);
    }
    std::stable_sort(specials_by_length_.begin(), specials_by_length_.end(),
                     [&](TokenId a, TokenId b) { return text(a).size() > text(b).size(); });
}

void Vocab::read_tokens(const GgufFile& file) {
    const GgufValue& tokens = file.require_array(kTokensKey, GgufType::STRING);
    const size_t n = tokens.strings.size();
    if (n == 0 || n > static_cast<size_t>(INT32_MAX)) {
        throw Error("holds " + std::to_string(n) + " tokens", file.where_key(kTokensKey),
                    "the file has no usable vocabulary; re-convert the model");
    }
    text_ = tokens.strings;
    const GgufValue* scores = optional_numbers(file, kScoresKey, n, false);
    const GgufValue* types = optional_numbers(file, kTypesKey, n, true);
    score_.assign(n, 0.0f);
    type_.assign(n, TokenType::Normal);
    for (size_t i = 0; i < n; ++i) {
        // An empty token could never be matched and would make special-token search loop.
        if (text_[i].empty()) text_[i] = "[EMPTY_" + std::to_string(i) + "]";
        if (scores) score_[i] = static_cast<float>(scores->number_at(i));
        if (types) {
            const int64_t t = types->integer_at(i);
            type_[i] = (t >= 1 && t <= 6) ? static_cast<TokenType>(t) : TokenType::Undefined;
        }
    }
    index_.build(text_);  // after the loop above: it indexes text_'s final strings
}

void Vocab::read_special_ids(const GgufFile& file, const Defaults& d) {
    auto in_range = [&](TokenId id) { return valid(id) ? id : -1; };
    bos_ = in_range(d.bos);
    eos_ = in_range(d.eos);
    unk_ = in_range(d.unk);
    auto read_id = [&](const char* key, TokenId& id) {
        const std::optional<uint64_t> v = file.get_uint(key);
        if (!v) return;
        if (*v >= static_cast<uint64_t>(size())) {
            std::fprintf(stderr, "warning: %s: %llu is not a token id (vocabulary of %d); ignored\n", key,
                         static_cast<unsigned long long>(*v), size());
            return;
        }
        id = static_cast<TokenId>(*v);
    };
    read_id("tokenizer.ggml.bos_token_id", bos_);
    read_id("tokenizer.ggml.eos_token_id", eos_);
    read_id("tokenizer.ggml.eot_token_id", eot_);
    read_id("tokenizer.ggml.eom_token_id", eom_);
    read_id("tokenizer.ggml.unknown_token_id", unk_);

    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token").value_or(d.add_bos);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    if (add_bos_ && bos_ < 0) {
        throw Error("the vocabulary asks for a BOS token but names none", file.where_key("tokenizer.ggml.bos_token_id"),
                    "set tokenizer.ggml.bos_token_id or tokenizer.ggml.add_bos_token=false");
    }
    if (add_eos_ && eos_ < 0) {
        throw Error("the vocabulary asks for an EOS token but names none", file.where_key("tokenizer.ggml.eos_token_id"),
                    "set tokenizer.ggml.eos_token_id or tokenizer.ggml.add_eos_token=false");
    }
}

void Vocab::find_end_of_generation() {
    for (TokenId id : {eos_, eot_, eom_}) {
        if (id >= 0) eog_.insert(id);
    }
    for (const char* s : kEndOfGenerationText) {
        const TokenId id = find(s);
        if (id < 0) continue;
        eog_.insert(id);
        // Converters sometimes leave these typed normal; llama.cpp then treats them as
        // control tokens, so they are parsed and hidden like the others.
        if (!is_special(id)) type_[static_cast<size_t>(id)] = TokenType::Control;
    }
}

bool Vocab::is_special(TokenId id) const {
    if (!valid(id)) return false;
    const TokenType t = type(id);
    return t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown;
}

std::vector<Fragment> Vocab::split_special(std::string_view text, bool parse_special) const {
    std::vector<Fragment> frags;
    if (text.empty()) return frags;
    frags.push_back({-1, 0, text.size()});
    for (TokenId id : specials_by_length_) {
        // As llama.cpp: user-defined tokens (<think>, ...) are always matched; control and
        // unknown tokens only when the caller asks for special-token parsing.
        if (!parse_special && type(id) != TokenType::UserDefined) continue;
        const std::string& tok = this->text(id);
        if (text.find(tok) == std::string_view::npos) continue;  // most specials are absent
        std::vector<Fragment> next;
        next.reserve(frags.size() + 4);
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            const size_t end = f.begin + f.size;
            const std::string_view window = text.substr(0, end);
            size_t pos = f.begin;
            for (size_t m; (m = window.find(tok, pos)) != std::string_view::npos; pos = m + tok.size()) {
                if (m > pos) next.push_back({-1, pos, m - pos});
                next.push_back({id, m, tok.size()});
            }
            if (pos < end) next.push_back({-1, pos, end - pos});
        }
        frags.swap(next);
    }
    return frags;
}

}  // namespace edgeseek
