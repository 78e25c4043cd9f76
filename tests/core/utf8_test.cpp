// core/utf8: the one UTF-8 decoder and encoder of the tokenizers and the template engine.
// Expected values follow RFC 3629's byte patterns; malformed input as Python's
// bytes.decode("utf-8", "replace") reads it where the two agree (one U+FFFD per bad byte).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/utf8.h"

namespace edgeseek {
namespace {

using Cps = std::vector<char32_t>;

TEST(Utf8, DecodesEveryLengthAndAdvancesPastIt) {
    const std::string s = "a\xC3\xA9\xE4\xBD\xA0\xF0\x9F\xA6\x80";  // a é 你 🦀
    size_t pos = 0;
    EXPECT_EQ(decode_utf8(s, pos), U'a');
    EXPECT_EQ(pos, 1u);
    EXPECT_EQ(decode_utf8(s, pos), char32_t{0xE9});
    EXPECT_EQ(pos, 3u);
    EXPECT_EQ(decode_utf8(s, pos), char32_t{0x4F60});
    EXPECT_EQ(pos, 6u);
    EXPECT_EQ(decode_utf8(s, pos), char32_t{0x1F980});
    EXPECT_EQ(pos, s.size());
}

TEST(Utf8, MalformedBytesGiveOneReplacementEachAndNeverSkipAValidCharacter) {
    // A stray continuation byte, a bad lead, a sequence cut short by the end, one cut short by
    // an ASCII byte (which must survive), and a four-byte form above U+10FFFF.
    EXPECT_EQ(to_code_points("\x80"), (Cps{0xFFFD}));
    EXPECT_EQ(to_code_points("\xFF" "b"), (Cps{0xFFFD, 'b'}));
    EXPECT_EQ(to_code_points("x\xE4\xBD"), (Cps{'x', 0xFFFD, 0xFFFD}));
    EXPECT_EQ(to_code_points("\xE4" "A\xBD"), (Cps{0xFFFD, 'A', 0xFFFD}));
    EXPECT_EQ(to_code_points("\xF4\x90\x80\x80"), (Cps{0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}));
    EXPECT_EQ(to_code_points("\xF4\x8F\xBF\xBF"), (Cps{0x10FFFF}));
}

TEST(Utf8, EncodesAndRoundTripsTheBytesTheTokenizersMustKeep) {
    std::string out;
    append_utf8(out, 0x7F);
    append_utf8(out, 0x80);
    append_utf8(out, 0x7FF);
    append_utf8(out, 0x800);
    append_utf8(out, 0xFFFF);
    append_utf8(out, 0x10000);
    append_utf8(out, 0x10FFFF);
    EXPECT_EQ(out, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
    // An encoded surrogate decodes and re-encodes to its own bytes (llama.cpp's tokenizers
    // read it as a code point too).
    const std::string surrogate = "\xED\xA0\x80";
    std::string back;
    for (char32_t cp : to_code_points(surrogate)) append_utf8(back, cp);
    EXPECT_EQ(back, surrogate);
    std::string big;
    append_utf8(big, 0x110000);
    EXPECT_EQ(big, "\xEF\xBF\xBD");
}

TEST(Utf8, SequenceLengthFromTheLeadByteAlone) {
    EXPECT_EQ(utf8_sequence_length('a'), 1u);
    EXPECT_EQ(utf8_sequence_length(0x80), 1u);
    EXPECT_EQ(utf8_sequence_length(0xC3), 2u);
    EXPECT_EQ(utf8_sequence_length(0xE4), 3u);
    EXPECT_EQ(utf8_sequence_length(0xF0), 4u);
}

}  // namespace
}  // namespace edgeseek
