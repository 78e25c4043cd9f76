// The regexes are the ones llama.cpp's src/llama-vocab.cpp uses for each pre-tokenizer name.
// Each alternative is matched in order at the current position, leftmost-first, exactly as a
// backtracking regex engine would (the comments show which alternative a branch implements).
#include "tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "tokenizer/unicode.h"

namespace edgeseek {
namespace {

enum : uint8_t { kLetter = 1, kNumber = 2, kPunct = 4, kSpace = 8 };

struct Text {
    const std::vector<char32_t>& cps;
    std::vector<uint8_t> flags;  // class bits per code point, computed once

    explicit Text(const std::vector<char32_t>& c) : cps(c), flags(c.size()) {
        for (size_t i = 0; i < c.size(); ++i) {
            uint8_t f = unicode::is_whitespace(c[i]) ? kSpace : 0;
            switch (unicode::classify(c[i])) {
                case unicode::CpClass::Letter: f |= kLetter; break;
                case unicode::CpClass::Number: f |= kNumber; break;
                case unicode::CpClass::Punct: f |= kPunct; break;
                case unicode::CpClass::Other: break;
            }
            flags[i] = f;
        }
    }
    // [^\s\p{L}\p{N}]
    bool other(size_t i) const { return (flags[i] & (kLetter | kNumber | kSpace)) == 0; }
    bool newline(size_t i) const { return cps[i] == '\r' || cps[i] == '\n'; }
    size_t run(size_t pos, size_t end, uint8_t mask) const {
        size_t q = pos;
        while (q < end && (flags[q] & mask)) ++q;
        return q - pos;
    }
    size_t run_other(size_t pos, size_t end) const {
        size_t q = pos;
        while (q < end && other(q)) ++q;
        return q - pos;
    }
};

// Length of the match at pos (0: no match there). end bounds the current piece: lookaheads
// and runs never see past it.
using Matcher = size_t (*)(const Text&, size_t pos, size_t end);

// 's|'t|'re|'ve|'m|'ll|'d  (any_case: the (?i:...) form of the Llama3/Qwen2 regexes)
size_t match_contraction(const Text& t, size_t pos, size_t end, bool any_case) {
    if (t.cps[pos] != '\'' || pos + 1 >= end) return 0;
    auto at = [&](size_t i) -> char32_t {
        const char32_t c = t.cps[i];
        return any_case && c >= 'A' && c <= 'Z' ? c + 32 : c;
    };
    const char32_t a = at(pos + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 >= end) return 0;
    const char32_t b = at(pos + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// \s+(?!\S)|\s+ : a run of spaces gives back its last one when a non-space follows, so that
// space can start the next word (" world").
size_t match_space_run(const Text& t, size_t pos, size_t end) {
    const size_t n = t.run(pos, end, kSpace);
    if (n > 1 && pos + n < end) return n - 1;
    return n;
}

size_t match_gpt2(const Text& t, size_t pos, size_t end) {
    if (size_t n = match_contraction(t, pos, end, false)) return n;
    // " ?" before a letter/number/other run; a space followed by anything else matches none
    // of these (a space is not in any of the three classes), so checking pos+sp suffices.
    const size_t sp = (t.cps[pos] == ' ' && pos + 1 < end) ? 1 : 0;
    const size_t q = pos + sp;
    if (t.flags[q] & kLetter) return sp + t.run(q, end, kLetter);   //  ?\p{L}+
    if (t.flags[q] & kNumber) return sp + t.run(q, end, kNumber);   //  ?\p{N}+
    if (t.other(q)) return sp + t.run_other(q, end);                //  ?[^\s\p{L}\p{N}]+
    if (size_t n = match_space_run(t, pos, end)) return n;          // \s+(?!\S)|\s+
    return 1;
}

size_t match_llama3_like(const Text& t, size_t pos, size_t end, size_t max_digits) {
    if (size_t n = match_contraction(t, pos, end, true)) return n;
    const uint8_t f = t.flags[pos];
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (f & kLetter) return t.run(pos, end, kLetter);
    if (!t.newline(pos) && !(f & kNumber) && pos + 1 < end && (t.flags[pos + 1] & kLetter))
        return 1 + t.run(pos + 1, end, kLetter);
    // \p{N}{1,3} (Llama3) or \p{N} (Qwen2)
    if (f & kNumber) return std::min(t.run(pos, end, kNumber), max_digits);
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    const size_t sp = (t.cps[pos] == ' ' && pos + 1 < end) ? 1 : 0;
    if (t.other(pos + sp)) {
        size_t q = pos + sp;
        q += t.run_other(q, end);
        while (q < end && t.newline(q)) ++q;
        return q - pos;
    }
    if (!(f & kSpace)) return 1;
    // \s*[\r\n]+ : the space run up to and including its last line break
    const size_t n = t.run(pos, end, kSpace);
    for (size_t k = pos + n; k > pos; --k) {
        if (t.newline(k - 1)) return k - pos;
    }
    return match_space_run(t, pos, end);  // \s+(?!\S)|\s+
}

// [\p{P}\$\+<=>\^~\|]+
size_t match_punct_run(const Text& t, size_t pos, size_t end) {
    auto is_punct = [&](size_t i) {
        const char32_t c = t.cps[i];
        return (t.flags[i] & kPunct) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' ||
               c == '~' || c == '|';
    };
    size_t q = pos;
    while (q < end && is_punct(q)) ++q;
    return q - pos;
}

size_t match_number_run(const Text& t, size_t pos, size_t end) { return t.run(pos, end, kNumber); }

// [0-9][0-9][0-9]
size_t match_ascii_digit_triple(const Text& t, size_t pos, size_t end) {
    if (pos + 3 > end) return 0;
    for (size_t k = pos; k < pos + 3; ++k) {
        if (t.cps[k] < '0' || t.cps[k] > '9') return 0;
    }
    return 3;
}

// Applies one regex inside every current piece, as llama.cpp's unicode_regex_split does:
// matches become pieces and so does the unmatched text between them.
void split_pieces(const Text& t, Matcher match, std::vector<size_t>& pieces) {
    std::vector<size_t> out;
    out.reserve(pieces.size() * 2);
    size_t begin = 0;
    for (size_t len : pieces) {
        const size_t end = begin + len;
        size_t gap = begin, pos = begin;
        while (pos < end) {
            const size_t n = match(t, pos, end);
            if (n == 0) {
                ++pos;
                continue;
            }
            if (gap < pos) out.push_back(pos - gap);
            out.push_back(n);
            pos += n;
            gap = pos;
        }
        if (gap < end) out.push_back(end - gap);
        begin = end;
    }
    pieces.swap(out);
}

struct KnownPre {
    const char* name;
    PreTokenizerKind kind;
    bool ignore_merges, add_bos, clean_spaces;
};

// Names and flags as llama.cpp's llama_vocab::impl::load sets them.
constexpr KnownPre kKnownPre[] = {
    {"default", PreTokenizerKind::Default, false, false, true},
    {"gpt-2", PreTokenizerKind::Gpt2, false, false, true},
    {"phi-2", PreTokenizerKind::Gpt2, false, false, true},
    {"llama3", PreTokenizerKind::Llama3, true, true, true},
    {"llama-v3", PreTokenizerKind::Llama3, true, true, true},
    {"llama-bpe", PreTokenizerKind::Llama3, true, true, true},
    {"falcon3", PreTokenizerKind::Llama3, true, true, true},
    {"dbrx", PreTokenizerKind::Llama3, false, false, true},
    {"smaug-bpe", PreTokenizerKind::Llama3, false, false, true},
    {"qwen2", PreTokenizerKind::Qwen2, false, false, false},
    {"deepseek-r1-qwen", PreTokenizerKind::Qwen2, false, false, false},
    {"stablelm2", PreTokenizerKind::Qwen2, false, false, true},
    {"megrez", PreTokenizerKind::Qwen2, false, false, true},
};

}  // namespace

PreTokenizerSpec resolve_pre_tokenizer(const std::string& name) {
    for (const KnownPre& k : kKnownPre) {
        if (name == k.name) return {k.kind, k.name, k.ignore_merges, k.add_bos, k.clean_spaces};
    }
    if (name.empty()) {
        std::fprintf(stderr, "warning: tokenizer.ggml.pre is missing; using the 'default' pre-tokenizer "
                             "(tokenization may differ from the model's; consider re-converting it)\n");
    } else {
        std::fprintf(stderr, "warning: unknown pre-tokenizer '%s' (tokenizer.ggml.pre); falling back to "
                             "'default' (tokenization may differ from the model's)\n", name.c_str());
    }
    return PreTokenizerSpec{};
}

std::vector<size_t> pre_tokenize(PreTokenizerKind kind, const std::vector<char32_t>& cps) {
    std::vector<size_t> pieces;
    if (cps.empty()) return pieces;
    pieces.push_back(cps.size());
    const Text t(cps);
    switch (kind) {
        case PreTokenizerKind::Gpt2:
            split_pieces(t, match_gpt2, pieces);
            break;
        case PreTokenizerKind::Llama3:
            split_pieces(t, [](const Text& x, size_t p, size_t e) { return match_llama3_like(x, p, e, 3); }, pieces);
            break;
        case PreTokenizerKind::Qwen2:
            split_pieces(t, [](const Text& x, size_t p, size_t e) { return match_llama3_like(x, p, e, 1); }, pieces);
            break;
        case PreTokenizerKind::Default:
            split_pieces(t, match_punct_run, pieces);
            split_pieces(t, match_gpt2, pieces);
            split_pieces(t, match_number_run, pieces);
            split_pieces(t, match_ascii_digit_triple, pieces);
            break;
    }
    return pieces;
}

}  // namespace edgeseek
