// The text pipeline of one reply: stop strings across token boundaries, UTF-8 characters split
// across tokens, thought/answer split and trimming that streams exactly like the whole.
#include <gtest/gtest.h>

#include "server/reply_text.h"

namespace edgeseek {
namespace {

// Feeds pieces; returns all reasoning and content delivered, and checks no delta splits a
// UTF-8 character (each delta is valid UTF-8 on its own).
std::pair<std::string, std::string> run(ReplyText& t, const std::vector<std::string>& pieces) {
    std::string r, c;
    auto valid = [](const std::string& s) {
        for (size_t i = 0; i < s.size();) {
            const auto b = static_cast<unsigned char>(s[i]);
            const size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
            if (i + n > s.size()) return false;
            for (size_t k = 1; k < n; ++k) {
                if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
            }
            i += n;
        }
        return true;
    };
    for (const std::string& p : pieces) {
        const ReasoningDelta d = t.push(p);
        EXPECT_TRUE(valid(d.reasoning) && valid(d.content)) << "piece " << p;
        r += d.reasoning;
        c += d.content;
        if (t.stopped()) break;
    }
    const ReasoningDelta d = t.finish();
    r += d.reasoning;
    c += d.content;
    EXPECT_EQ(r, t.reasoning());
    EXPECT_EQ(c, t.content());
    return {r, c};
}

TEST(ServeReplyText, ThoughtAndAnswerTrimmedAsAWhole) {
    ReplyText t(true, true, {});
    const auto [r, c] = run(t, {"\n", "Let", " me", " think", ".", "\n", "</th", "ink>", "\n\n", "391", " ", "\n"});
    EXPECT_EQ(r, "Let me think.");
    EXPECT_EQ(c, "391");
}

TEST(ServeReplyText, UnicodeSplitAcrossPiecesIsHeldBack) {
    ReplyText t(false, false, {});
    const std::string snow = "\xE2\x98\x83";  // U+2603
    const auto [r, c] = run(t, {"a", snow.substr(0, 1), snow.substr(1, 1), snow.substr(2), "b"});
    EXPECT_EQ(c, "a" + snow + "b");
    EXPECT_TRUE(r.empty());
}

TEST(ServeReplyText, StopStringAcrossPiecesCutsTheAnswerOnly) {
    ReplyText t(true, true, {"STOP"});
    const auto [r, c] = run(t, {"thinking STOP is not a stop here", "</think>", "ans", "wer ST", "OP after"});
    EXPECT_EQ(r, "thinking STOP is not a stop here");
    EXPECT_EQ(c, "answer");
    EXPECT_TRUE(t.stopped());
}

TEST(ServeReplyText, PartialStopReleasedAtTheEnd) {
    ReplyText t(false, false, {"</end>", "zz"});
    const auto [r, c] = run(t, {"a </en", "d"});
    EXPECT_FALSE(t.stopped());
    EXPECT_EQ(c, "a </end");
}

TEST(ServeReplyText, RawCompletionTextIsNotTrimmed) {
    ReplyText t(false, false, {});
    const auto [r, c] = run(t, {"  <think> x", "\n"});
    EXPECT_EQ(c, "  <think> x\n");
}

TEST(ServeStopMatcher, EarliestOfSeveralWins) {
    StopMatcher m({"cd", "b"});
    EXPECT_EQ(m.push("abcd"), "a");
    EXPECT_TRUE(m.matched());
    EXPECT_EQ(m.push("more"), "");
    EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace edgeseek
