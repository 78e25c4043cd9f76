#include <gtest/gtest.h>

#include "test_support.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_fixtures.h"

namespace edgeseek::test {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8StreamDecoder, PassesCompleteText) {
    Utf8StreamDecoder d;
    EXPECT_EQ(d.push("Hello, "), "Hello, ");
    EXPECT_EQ(d.push("wörld ✅"), "wörld ✅");
    EXPECT_EQ(d.flush(), "");
}

TEST(Utf8StreamDecoder, HoldsBackSplitSequences) {
    Utf8StreamDecoder d;
    EXPECT_EQ(d.push("a\xC3"), "a");  // é = C3 A9
    EXPECT_EQ(d.push("\xA9"), "é");
    EXPECT_EQ(d.push("\xF0"), "");  // 🦙 = F0 9F A6 99, one byte at a time
    EXPECT_EQ(d.push("\x9F"), "");
    EXPECT_EQ(d.push("\xA6"), "");
    EXPECT_EQ(d.push("\x99!"), "\xF0\x9F\xA6\x99!");
    EXPECT_EQ(d.flush(), "");
}

TEST(Utf8StreamDecoder, InvalidBytesBecomeReplacementCharacters) {
    Utf8StreamDecoder d;
    EXPECT_EQ(d.push("\xFF" "a"), kFffd + "a");         // never valid
    EXPECT_EQ(d.push("\x80"), kFffd);                   // stray continuation byte
    EXPECT_EQ(d.push("\xC3"), "");
    EXPECT_EQ(d.push("b"), kFffd + "b");                // lead byte cut short by ASCII
    EXPECT_EQ(d.push("\xC0\x80"), kFffd + kFffd);       // overlong NUL
    EXPECT_EQ(d.push("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // UTF-16 surrogate
    EXPECT_EQ(d.push("\xE2\x82"), "");
    EXPECT_EQ(d.flush(), kFffd);                        // the stream ended mid-character
    EXPECT_EQ(d.push("x"), "x");                        // and the decoder is reusable
}

TEST(Utf8StreamDecoder, NeverStalls) {
    Utf8StreamDecoder d;
    std::string out;
    for (int i = 0; i < 1000; ++i) out += d.push("\x80");
    EXPECT_EQ(out.size(), 1000 * kFffd.size());
    EXPECT_EQ(d.push("\xF4\x8F\xBF"), "");        // at most the 3 bytes of an unfinished sequence wait
    EXPECT_EQ(d.push("\xBF"), "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

// Streaming a byte-fallback tokenization piece by piece gives the text back.
TEST(Utf8StreamDecoder, StreamsByteFallbackTokens) {
    const std::string path = fixture("tokenizer/vocab-llama-spm.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    auto tok = load_tokenizer(path);
    const std::string text = "🦙 and 🚀 (multiple emojis) ✅";
    const auto ids = tok->encode(text, false, false);
    Utf8StreamDecoder d;
    std::string streamed;
    for (TokenId id : ids) {
        const std::string part = d.push(tok->token_to_piece(id));
        EXPECT_EQ(part.find(kFffd), std::string::npos);
        streamed += part;
    }
    streamed += d.flush();
    EXPECT_EQ(streamed, " " + text);  // streaming keeps SentencePiece's prefix space
}

}  // namespace
}  // namespace edgeseek::test
