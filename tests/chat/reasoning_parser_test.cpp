// The streaming split of generated text into thought and answer.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chat/reasoning_display.h"
#include "chat/reasoning_parser.h"

namespace edgeseek {
namespace {

struct Split {
    std::string reasoning, content;
};

// Feeds the pieces one push() each, then flush(); checks the streamed deltas add up to
// what the parser accumulated.
Split feed(ReasoningParser& p, const std::vector<std::string>& pieces) {
    Split s;
    for (const auto& piece : pieces) {
        const ReasoningDelta d = p.push(piece);
        s.reasoning += d.reasoning;
        s.content += d.content;
    }
    const ReasoningDelta d = p.flush();
    s.reasoning += d.reasoning;
    s.content += d.content;
    EXPECT_EQ(s.reasoning, p.reasoning());
    EXPECT_EQ(s.content, p.content());
    return s;
}

// Every way of cutting text into two pieces gives the same split as one piece.
void expect_same_for_every_cut(bool open, const std::string& text, const Split& want) {
    for (size_t cut = 0; cut <= text.size(); ++cut) {
        ReasoningParser p(open);
        const Split got = feed(p, {text.substr(0, cut), text.substr(cut)});
        EXPECT_EQ(got.reasoning, want.reasoning) << "cut at " << cut << " of " << text;
        EXPECT_EQ(got.content, want.content) << "cut at " << cut << " of " << text;
    }
}

TEST(ReasoningParser, PromptOpenedThoughtThenAnswer) {
    ReasoningParser p(true);  // the R1 prompt ends with <think>\n
    EXPECT_TRUE(p.in_reasoning());
    const Split s = feed(p, {"Let me think.", " 17*23=391", "\n</think>\n\n", "The answer is 391."});
    EXPECT_EQ(s.reasoning, "Let me think. 17*23=391\n");
    EXPECT_EQ(s.content, "\n\nThe answer is 391.");
    EXPECT_TRUE(p.thought_closed());
    EXPECT_EQ(p.state(), ReasoningParser::State::Content);
}

TEST(ReasoningParser, ClosingTagSplitAcrossTokensIsHeldBack) {
    ReasoningParser p(true);
    EXPECT_EQ(p.push("abc<").reasoning, "abc");  // "<" may start </think>
    ReasoningDelta d = p.push("/thi");
    EXPECT_TRUE(d.empty()) << d.reasoning;
    d = p.push("nk>ok");
    EXPECT_EQ(d.reasoning, "");
    EXPECT_EQ(d.content, "ok");
    EXPECT_EQ(p.reasoning(), "abc");
    expect_same_for_every_cut(true, "abc</think>\n\nanswer", {"abc", "\n\nanswer"});
}

TEST(ReasoningParser, ByteByByteStreamGivesTheSameSplit) {
    const std::string text = "a < b, </th is not a tag; x</think>\nans <think> stays";
    ReasoningParser p(true);
    std::vector<std::string> bytes;
    for (char c : text) bytes.emplace_back(1, c);
    const Split s = feed(p, bytes);
    EXPECT_EQ(s.reasoning, "a < b, </th is not a tag; x");
    EXPECT_EQ(s.content, "\nans <think> stays");  // a tag inside the answer is just text
}

TEST(ReasoningParser, PartialTagThatIsNotATagIsReleased) {
    ReasoningParser p(true);
    EXPECT_EQ(p.push("x </thi").reasoning, "x ");
    EXPECT_EQ(p.push("ng").reasoning, "</thing");
    EXPECT_TRUE(p.in_reasoning());
}

TEST(ReasoningParser, MissingCloseMeansAllReasoning) {
    ReasoningParser p(true);
    const Split s = feed(p, {"thinking and thinking", " and never done </thi"});
    EXPECT_EQ(s.reasoning, "thinking and thinking and never done </thi");  // flush releases the held prefix
    EXPECT_EQ(s.content, "");
    EXPECT_FALSE(p.thought_closed());
}

TEST(ReasoningParser, ModelEmittedOpenTag) {
    ReasoningParser p(false);  // the prompt did not open a thought
    EXPECT_EQ(p.state(), ReasoningParser::State::Start);
    const Split s = feed(p, {"\n<th", "ink>", "hmm", "</think>", "\n\nHi"});
    EXPECT_EQ(s.reasoning, "hmm");
    EXPECT_EQ(s.content, "\n\nHi");
    expect_same_for_every_cut(false, "<think>\nhmm\n</think>\n\nHi", {"\nhmm\n", "\n\nHi"});
}

TEST(ReasoningParser, ModelRepeatingTheOpenTagThePromptWrote) {
    ReasoningParser p(true);
    const Split s = feed(p, {"<think>", "\nhmm", "</think>", "Hi"});
    EXPECT_EQ(s.reasoning, "\nhmm");
    EXPECT_EQ(s.content, "Hi");
    expect_same_for_every_cut(true, "<think>\nhmm</think>Hi", {"\nhmm", "Hi"});
}

TEST(ReasoningParser, NoThoughtAtAllIsAllContent) {
    ReasoningParser p(false);
    const Split s = feed(p, {"Hello", " </think> world"});
    EXPECT_EQ(s.reasoning, "");
    EXPECT_EQ(s.content, "Hello </think> world");
    expect_same_for_every_cut(false, "Hello <think> x", {"", "Hello <think> x"});
}

TEST(ReasoningParser, OpenTagPrefixAtStartThatIsNotATag) {
    ReasoningParser p(false);
    EXPECT_TRUE(p.push("<thi").empty());  // could still be <think>
    const ReasoningDelta d = p.push("s is html");
    EXPECT_EQ(d.content, "<this is html");
    EXPECT_EQ(p.state(), ReasoningParser::State::Content);
}

TEST(ReasoningParser, EmptyThoughtFromZeroBudget) {
    ReasoningParser p(true);
    const Split s = feed(p, {"\n</think>\n\n", "Answer."});
    EXPECT_EQ(s.reasoning, "\n");
    EXPECT_EQ(s.content, "\n\nAnswer.");
}

TEST(ReasoningParser, MultibyteTextAroundTags) {
    expect_same_for_every_cut(true, "量子</think>\n\n计算", {"量子", "\n\n计算"});
}

TEST(ReasoningParser, PromptOpensReasoning) {
    EXPECT_TRUE(prompt_opens_reasoning("<｜User｜>hi<｜Assistant｜><think>\n"));
    EXPECT_TRUE(prompt_opens_reasoning("<|im_start|>assistant\n<think>"));
    EXPECT_FALSE(prompt_opens_reasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n"));  // enable_thinking=false
    EXPECT_FALSE(prompt_opens_reasoning("<｜User｜>hi<｜Assistant｜>"));
    EXPECT_FALSE(prompt_opens_reasoning(""));
}

// The terminal printer: what each display mode writes for the same turn.
std::string print_turn(ReasoningDisplay mode, bool ansi) {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* f = open_memstream(&buf, &len);
    {
        ReasoningPrinter p(f, mode, ansi);
        p.reasoning("Let me ");
        p.reasoning("think.\n");
        p.thought_done(3, 0.25);
        p.content("\n\n");
        p.content("Answer.");
        p.finish(3, 0.25);
    }
    std::fclose(f);
    std::string s(buf, len);
    std::free(buf);
    return s;
}

TEST(ReasoningDisplay, EachModeWritesTheTurnAsDocumented) {
    EXPECT_EQ(print_turn(ReasoningDisplay::Show, false), "<think>\nLet me think.\n</think>\n\nAnswer.\n");
    EXPECT_EQ(print_turn(ReasoningDisplay::Dim, false), "<think>\nLet me think.\n</think>\n\nAnswer.\n");
    EXPECT_EQ(print_turn(ReasoningDisplay::Dim, true), "\x1b[2mLet me think.\x1b[0m\n\nAnswer.\n");
    EXPECT_EQ(print_turn(ReasoningDisplay::Hide, false), "[thought for 3 tokens, 0.2 s]\nAnswer.\n");
    EXPECT_EQ(print_turn(ReasoningDisplay::Hide, true),
              "\x1b[2mthinking...\x1b[0m\r\x1b[K[thought for 3 tokens, 0.2 s]\nAnswer.\n");
    EXPECT_EQ(parse_reasoning_display("dim"), ReasoningDisplay::Dim);
    EXPECT_FALSE(parse_reasoning_display("loud").has_value());
}

}  // namespace
}  // namespace edgeseek
