// Streaming UTF-8 for token-by-token output: a character split across tokens (byte-fallback
// tokens, or BPE tokens that end mid-character) is held back until it is complete.
#include <string_view>

#include "tokenizer/tokenizer.h"

namespace edgeseek {
namespace {

enum class Seq { Complete, Truncated, Invalid };

// Classifies the sequence at s[i] against the well-formed byte ranges of the Unicode standard
// (Table 3-7). len: bytes of a complete sequence, or of the maximal invalid subpart (>= 1),
// which becomes one U+FFFD as WHATWG and Python decoders do.
Seq classify(std::string_view s, size_t i, size_t& len) {
    const auto b = static_cast<unsigned char>(s[i]);
    len = 1;
    if (b < 0x80) return Seq::Complete;
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b == 0xE0) { n = 3; lo = 0xA0; }
    else if (b == 0xED) { n = 3; hi = 0x9F; }  // no UTF-16 surrogates
    else if (b >= 0xE1 && b <= 0xEF) n = 3;
    else if (b == 0xF0) { n = 4; lo = 0x90; }
    else if (b >= 0xF1 && b <= 0xF3) n = 4;
    else if (b == 0xF4) { n = 4; hi = 0x8F; }  // nothing past U+10FFFF
    if (n == 0) return Seq::Invalid;
    for (size_t k = 1; k < n; ++k) {
        if (i + k >= s.size()) return Seq::Truncated;
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) {
            len = k;
            return Seq::Invalid;
        }
    }
    len = n;
    return Seq::Complete;
}

constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

}  // namespace

std::string Utf8StreamDecoder::push(const std::string& piece) {
    pending_ += piece;
    std::string out;
    size_t i = 0;
    while (i < pending_.size()) {
        size_t len = 0;
        const Seq kind = classify(pending_, i, len);
        if (kind == Seq::Truncated) break;  // at most 3 bytes wait for the next piece
        if (kind == Seq::Complete) out.append(pending_, i, len);
        else out += kReplacementUtf8;
        i += len;
    }
    pending_.erase(0, i);
    return out;
}

std::string Utf8StreamDecoder::flush() {
    std::string out = push(std::string());
    if (!pending_.empty()) out += kReplacementUtf8;  // a sequence the stream never finished
    pending_.clear();
    return out;
}

}  // namespace edgeseek
