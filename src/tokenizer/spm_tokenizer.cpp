// SentencePiece-style tokenizer (tokenizer.ggml.model = "llama"), as llama.cpp's
// llm_tokenizer_spm runs it: spaces become U+2581, then adjacent pieces are merged greedily,
// highest-scoring vocabulary entry first; what never forms a token falls back to <0xXX> bytes.
#include <array>
#include <cstdio>
#include <queue>

#include "gguf/gguf_file.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab_tokenizer.h"

namespace edgeseek {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

class SpmTokenizer final : public VocabTokenizer {
public:
    explicit SpmTokenizer(const GgufFile& file);

    std::string normal_piece(const std::string& text) const override;
    std::string model_name() const override { return "llama"; }
    std::string pre_name() const override { return "default"; }

protected:
    void encode_fragment(std::string_view text, bool at_boundary, std::vector<TokenId>& out) const override;
    bool strip_first_space() const override { return add_space_prefix_; }

private:
    void emit_piece(std::string_view piece, std::vector<TokenId>& out) const;

    bool add_space_prefix_ = true;
    std::array<TokenId, 256> byte_tokens_{};  // <0xXX> token of each byte, -1 when absent
};

struct SpmSymbol {
    int prev, next;
    size_t begin, size;  // bytes of the escaped text; size 0 once merged into its left neighbour
};

struct Bigram {
    float score;
    int left, right;
    size_t size;  // left.size + right.size when queued; a mismatch later means it is stale
};

// Highest score first; on a tie the leftmost pair, as llama.cpp orders its queue.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

SpmTokenizer::SpmTokenizer(const GgufFile& file) {
    Vocab::Defaults d;
    d.unk = 0;  // llama.cpp's SentencePiece defaults
    d.bos = 1;
    d.eos = 2;
    d.add_bos = true;
    vocab_.load(file, d);
    add_space_prefix_ = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        const std::string name = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
        TokenId id = vocab_.find(name);
        if (id < 0) id = vocab_.find(std::string(1, static_cast<char>(b)));  // vocabularies without byte tokens
        byte_tokens_[static_cast<size_t>(b)] = id;
    }
}

void SpmTokenizer::encode_fragment(std::string_view raw, bool at_boundary, std::vector<TokenId>& out) const {
    std::string text;
    text.reserve(raw.size() * 2 + kSpaceMark.size());
    if (add_space_prefix_ && at_boundary) text += kSpaceMark;
    for (char c : raw) {
        if (c == ' ') text += kSpaceMark;
        else text += c;
    }

    std::vector<SpmSymbol> sym;
    for (size_t pos = 0; pos < text.size();) {
        const size_t n = std::min(utf8_sequence_length(static_cast<unsigned char>(text[pos])), text.size() - pos);
        const int idx = static_cast<int>(sym.size());
        sym.push_back({idx - 1, pos + n == text.size() ? -1 : idx + 1, pos, n});
        pos += n;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto try_add = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const size_t size = sym[left].size + sym[right].size;
        const TokenId id = vocab_.find(std::string_view(text).substr(sym[left].begin, size));
        if (id >= 0) queue.push({vocab_.score(id), left, right, size});
    };
    for (int i = 1; i < static_cast<int>(sym.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
        const Bigram bg = queue.top();
        queue.pop();
        SpmSymbol& l = sym[bg.left];
        SpmSymbol& r = sym[bg.right];
        if (l.size == 0 || r.size == 0 || l.size + r.size != bg.size) continue;  // stale
        l.size += r.size;
        r.size = 0;
        l.next = r.next;
        if (r.next >= 0) sym[r.next].prev = bg.left;
        try_add(l.prev, bg.left);
        try_add(bg.left, l.next);
    }

    for (int i = sym.empty() ? -1 : 0; i != -1; i = sym[i].next) {
        emit_piece(std::string_view(text).substr(sym[i].begin, sym[i].size), out);
    }
}

// A final piece that is not a token is spelled out byte by byte.
void SpmTokenizer::emit_piece(std::string_view piece, std::vector<TokenId>& out) const {
    const TokenId id = vocab_.find(piece);
    if (id >= 0) {
        out.push_back(id);
        return;
    }
    for (char c : piece) {
        const TokenId b = byte_tokens_[static_cast<unsigned char>(c)];
        if (b >= 0) out.push_back(b);
        else if (vocab_.unk() >= 0) out.push_back(vocab_.unk());
    }
}

std::string SpmTokenizer::normal_piece(const std::string& text) const {
    std::string piece;
    for (size_t pos = 0; pos < text.size();) {
        if (text.compare(pos, kSpaceMark.size(), kSpaceMark) == 0) {
            piece += ' ';
            pos += kSpaceMark.size();
        } else {
            piece += text[pos++];
        }
    }
    return piece;
}

}  // namespace

std::unique_ptr<Tokenizer> make_spm_tokenizer(const GgufFile& file) { return std::make_unique<SpmTokenizer>(file); }

}  // namespace edgeseek
