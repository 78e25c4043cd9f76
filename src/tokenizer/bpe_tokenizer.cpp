// Byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp's llm_tokenizer_bpe runs it:
// the pre-tokenizer cuts text into words, each word's bytes are spelled with GPT-2's
// byte-to-unicode alphabet, then merges apply lowest rank first within the word.
#include <array>
#include <queue>

#include "gguf/gguf_file.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab_tokenizer.h"

namespace edgeseek {
namespace {

// GPT-2's byte -> code point map (openai/gpt-2 encoder.py bytes_to_unicode): printable
// Latin-1 bytes stand for themselves, the other 68 bytes take code points 256, 257, ...
struct ByteAlphabet {
    std::array<char32_t, 256> cp_of_byte{};
    std::array<int16_t, 256 + 68> byte_of_cp{};  // -1: not a byte's code point

    ByteAlphabet() {
        byte_of_cp.fill(-1);
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            const char32_t cp = printable ? static_cast<char32_t>(b) : next++;
            cp_of_byte[static_cast<size_t>(b)] = cp;
            byte_of_cp[cp] = static_cast<int16_t>(b);
        }
    }
};

const ByteAlphabet& byte_alphabet() {
    static const ByteAlphabet a;
    return a;
}

uint64_t pair_key(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

struct Merge {
    int32_t rank;
    TokenId result;
};

// (left id, right id) -> merge, in one flat open-addressing array (see token_index.h for why
// not std::unordered_map). Sized for its final count before the first insert.
class MergeTable {
public:
    void reserve(size_t n) {
        size_t cap = 16;
        while (cap < n * 2) cap *= 2;
        slots_.assign(cap, Slot{kEmpty, {}});
        mask_ = cap - 1;
    }
    void insert(uint64_t key, Merge m) {  // an existing key keeps its (lower) rank
        for (size_t s = mix(key) & mask_;; s = (s + 1) & mask_) {
            if (slots_[s].key == key) return;
            if (slots_[s].key == kEmpty) {
                slots_[s] = Slot{key, m};
                return;
            }
        }
    }
    const Merge* find(uint64_t key) const {
        for (size_t s = mix(key) & mask_; slots_[s].key != kEmpty; s = (s + 1) & mask_) {
            if (slots_[s].key == key) return &slots_[s].merge;
        }
        return nullptr;
    }

private:
    static constexpr uint64_t kEmpty = ~uint64_t{0};  // the pair (-1, -1), never looked up
    static uint64_t mix(uint64_t k) {                 // murmur3's finalizer
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDull;
        k ^= k >> 33;
        return k;
    }
    struct Slot {
        uint64_t key;
        Merge merge;
    };
    std::vector<Slot> slots_;
    size_t mask_ = 0;
};

class BpeTokenizer final : public VocabTokenizer {
public:
    explicit BpeTokenizer(const GgufFile& file);

    std::string normal_piece(const std::string& text) const override;
    std::string model_name() const override { return "gpt2"; }
    std::string pre_name() const override { return pre_.name; }

protected:
    void encode_fragment(std::string_view text, bool at_boundary, std::vector<TokenId>& out) const override;
    bool clean_up_spaces() const override { return pre_.clean_spaces; }

private:
    void load_merges(const GgufFile& file);
    void encode_word(std::string_view bytes, std::vector<TokenId>& out) const;
    const Merge* find_merge(TokenId left, TokenId right) const {
        return left < 0 || right < 0 ? nullptr : merges_.find(pair_key(left, right));
    }

    PreTokenizerSpec pre_;
    std::array<TokenId, 256> byte_tokens_{};     // the token spelling each single byte
    MergeTable merges_;
};

BpeTokenizer::BpeTokenizer(const GgufFile& file) {
    pre_ = resolve_pre_tokenizer(file.get_string("tokenizer.ggml.pre").value_or(""));
    Vocab::Defaults d;
    d.add_bos = pre_.add_bos;
    vocab_.load(file, d);
    for (int b = 0; b < 256; ++b) {
        std::string s;
        append_utf8(s, byte_alphabet().cp_of_byte[static_cast<size_t>(b)]);
        byte_tokens_[static_cast<size_t>(b)] = vocab_.find(s);
    }
    load_merges(file);
}

// Merges are kept by token id. A merge whose parts or result are not tokens can never fire
// on a well-formed vocabulary (every word starts as byte tokens); it is skipped.
void BpeTokenizer::load_merges(const GgufFile& file) {
    const GgufValue& merges = file.require_array("tokenizer.ggml.merges", GgufType::STRING);
    merges_.reserve(merges.strings.size());
    std::string joined;
    for (size_t rank = 0; rank < merges.strings.size(); ++rank) {
        const std::string_view m = merges.strings[rank];
        const size_t space = m.find(' ', 1);  // from 1: a part may itself be a space
        if (space == std::string_view::npos) continue;
        const std::string_view a = m.substr(0, space), b = m.substr(space + 1);
        joined.assign(a);
        joined.append(b);
        const TokenId ia = vocab_.find(a), ib = vocab_.find(b), ir = vocab_.find(joined);
        if (ia < 0 || ib < 0 || ir < 0) continue;
        merges_.insert(pair_key(ia, ib), Merge{static_cast<int32_t>(rank), ir});
    }
}

void BpeTokenizer::encode_fragment(std::string_view text, bool, std::vector<TokenId>& out) const {
    // Malformed UTF-8 becomes U+FFFD here, as in llama.cpp, so words are valid UTF-8.
    const std::vector<char32_t> cps = to_code_points(text);
    std::string word;
    size_t begin = 0;
    for (size_t len : pre_tokenize(pre_.kind, cps)) {
        word.clear();
        for (size_t i = begin; i < begin + len; ++i) append_utf8(word, cps[i]);
        encode_word(word, out);
        begin += len;
    }
}

struct Symbol {
    TokenId id;  // -1: a byte with no token (dropped, as llama.cpp drops it)
    int prev, next;
    bool alive;
};

struct Pair {
    int32_t rank;
    int left, right;
    TokenId left_id, right_id;  // the ids when queued; a change later means it is stale
};

// Lowest rank first; on a tie the leftmost pair.
struct PairOrder {
    bool operator()(const Pair& a, const Pair& b) const {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};

void BpeTokenizer::encode_word(std::string_view bytes, std::vector<TokenId>& out) const {
    if (pre_.ignore_merges) {  // llama3: a word that is a token is taken whole
        std::string spelled;
        for (char c : bytes) append_utf8(spelled, byte_alphabet().cp_of_byte[static_cast<unsigned char>(c)]);
        if (const TokenId id = vocab_.find(spelled); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    const int n = static_cast<int>(bytes.size());
    std::vector<Symbol> sym(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) sym[i] = {byte_tokens_[static_cast<unsigned char>(bytes[i])], i - 1, i + 1 < n ? i + 1 : -1, true};

    std::priority_queue<Pair, std::vector<Pair>, PairOrder> queue;
    auto try_add = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        if (const Merge* m = find_merge(sym[left].id, sym[right].id))
            queue.push({m->rank, left, right, sym[left].id, sym[right].id});
    };
    for (int i = 1; i < n; ++i) try_add(i - 1, i);

    while (!queue.empty()) {
        const Pair p = queue.top();
        queue.pop();
        Symbol& l = sym[p.left];
        Symbol& r = sym[p.right];
        if (!l.alive || !r.alive || l.id != p.left_id || r.id != p.right_id) continue;
        l.id = find_merge(l.id, r.id)->result;
        r.alive = false;
        l.next = r.next;
        if (r.next >= 0) sym[r.next].prev = p.left;
        try_add(l.prev, p.left);
        try_add(p.left, l.next);
    }
    for (int i = n > 0 ? 0 : -1; i != -1; i = sym[i].next) {
        if (sym[i].id >= 0) out.push_back(sym[i].id);
    }
}

std::string BpeTokenizer::normal_piece(const std::string& text) const {
    std::string piece;
    const ByteAlphabet& alphabet = byte_alphabet();
    for (size_t pos = 0; pos < text.size();) {
        const char32_t cp = decode_utf8(text, pos);
        const int b = cp < alphabet.byte_of_cp.size() ? alphabet.byte_of_cp[cp] : -1;
        if (b >= 0) piece += static_cast<char>(b);
        else append_utf8(piece, cp);  // not in the alphabet: keep the character
    }
    return piece;
}

}  // namespace

std::unique_ptr<Tokenizer> make_bpe_tokenizer(const GgufFile& file) { return std::make_unique<BpeTokenizer>(file); }

}  // namespace edgeseek
