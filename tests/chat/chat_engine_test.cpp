// The library side of chat: template rendering from a GGUF, the conversation, and the engine
// (prefix reuse, think budget, interruption, context shift) on a small random-weight model
// that has the real R1 tokenizer and chat template.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "chat/chat_engine.h"
#include "chat/chat_test_model.h"
#include "chat/render_diff.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "test_support.h"

namespace edgeseek {
namespace {

using ojson = nlohmann::ordered_json;

constexpr TokenId kBos = 151646, kUser = 151644, kAssistant = 151645, kThink = 151648, kEndThink = 151649;

TEST(ChatFormat, RendersEveryFixtureConversationFromTheGgufTemplate) {
    const std::string renders = test::fixture("templates/renders.json");
    EDGESEEK_REQUIRE_FIXTURE(renders);
    EDGESEEK_REQUIRE_FIXTURE(test::r1_vocab());
    auto vocab = GgufFile::open(test::r1_vocab());
    const ChatFormat r1 = ChatFormat::from_gguf(*vocab);
    EXPECT_EQ(r1.bos_text(), "<｜begin▁of▁sentence｜>");
    EXPECT_EQ(r1.eos_text(), "<｜end▁of▁sentence｜>");
    const ChatFormat qwen3 =
        ChatFormat::from_gguf(*vocab, test::read_text_file(test::fixture("templates/qwen3.jinja")));
    const auto entries = ojson::parse(test::read_text_file(renders));
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        SCOPED_TRACE("renders.json entry " + std::to_string(i));
        const bool is_r1 = e["template"] == "deepseek-r1-distill.jinja";
        const std::string got = (is_r1 ? r1 : qwen3).render(e["messages"], e["add_generation_prompt"].get<bool>(), e["extra"]);
        const std::string diff = test::first_difference(e["expected"].get<std::string>(), got);
        EXPECT_TRUE(diff.empty()) << diff;
    }
}

TEST(ChatFormat, MissingTemplateAndBadVarsAreClearErrors) {
    EDGESEEK_REQUIRE_FIXTURE(test::fixture("models/tiny-qwen2-f32.gguf"));
    auto file = GgufFile::open(test::fixture("models/tiny-qwen2-f32.gguf"));
    try {
        ChatFormat::from_gguf(*file);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--chat-template"), std::string::npos) << e.what();
    }
    ojson vars = ojson::object();
    add_template_var(vars, "enable_thinking=false");
    add_template_var(vars, "name=\"x=y\"");
    EXPECT_EQ(vars.dump(), R"({"enable_thinking":false,"name":"x=y"})");
    EXPECT_THROW(add_template_var(vars, "novalue"), Error);
    EXPECT_THROW(add_template_var(vars, "x=not json"), Error);
}

TEST(ChatConversation, SystemPromptTurnsAndDropping) {
    Conversation c;
    c.set_system("be brief");
    c.add_user("one");
    c.add_assistant("1", "thinking about one");
    c.add_user("two");
    c.add_assistant("2");
    c.add_user("three");
    EXPECT_EQ(c.user_turns(), 3u);
    EXPECT_EQ(c.messages()[2]["reasoning_content"], "thinking about one");
    EXPECT_FALSE(c.messages()[4].contains("reasoning_content"));
    ASSERT_TRUE(c.drop_oldest_turn());
    EXPECT_EQ(c.system(), "be brief");
    EXPECT_EQ(c.messages()[1]["content"], "two");
    ASSERT_TRUE(c.drop_oldest_turn());
    EXPECT_EQ(c.size(), 2u);
    EXPECT_FALSE(c.drop_oldest_turn());  // the turn in progress stays
    c.set_system("changed");
    EXPECT_EQ(c.messages()[0]["content"], "changed");
    c.clear();
    EXPECT_EQ(c.size(), 1u);
    c.set_system("");
    EXPECT_TRUE(c.empty());
}

TEST(ChatConversation, SaveLoadRoundTripAndValidation) {
    test::TempDir dir;
    Conversation c;
    c.set_system("sys");
    c.add_user("解释量子计算原理 {{ not a template }}");
    c.add_assistant("answer", "thought");
    c.save(dir.file("conv.json"));
    const Conversation back = Conversation::load(dir.file("conv.json"));
    EXPECT_EQ(back.messages(), c.messages());
    EXPECT_EQ(Conversation::from_json(ojson{{"messages", c.messages()}}).messages(), c.messages());
    EXPECT_THROW(Conversation::from_json(ojson::parse(R"([{"content": "no role"}])")), Error);
    EXPECT_THROW(Conversation::from_json(ojson::parse(R"({"role": "user"})")), Error);
    EXPECT_THROW(Conversation::load(dir.file("missing.json")), Error);
}

class ChatEngineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (test::chat_test_model().empty()) return;
        model_ = Model::load(test::chat_test_model()).release();
        tok_ = Tokenizer::from_gguf(model_->file()).release();
    }
    static void TearDownTestSuite() {
        delete tok_;
        delete model_;
        tok_ = nullptr;
        model_ = nullptr;
    }
    void SetUp() override {
        if (!model_) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    }

    // Random tied-embedding weights mostly repeat the last token (often whitespace): flat,
    // hot sampling gives text on every machine.
    ChatEngine engine(Session& s, ChatOptions o) const {
        o.sampling.seed = 42;
        o.sampling.temperature = 5.0f;
        o.sampling.top_k = 1000;
        o.sampling.top_p = 1.0f;
        o.sampling.min_p = 0.0f;
        return ChatEngine(s, *tok_, ChatFormat::from_gguf(model_->file()), o);
    }

    static Model* model_;
    static Tokenizer* tok_;
};
Model* ChatEngineTest::model_ = nullptr;
Tokenizer* ChatEngineTest::tok_ = nullptr;

TEST_F(ChatEngineTest, PromptIsTokenizedWithSpecialTokensAndOneBos) {
    Session session(*model_, 512, 2);
    ChatEngine e = engine(session, {});
    Conversation c;
    c.add_user("What is 17 * 23?");
    const std::string prompt = e.render_prompt(c);
    EXPECT_EQ(prompt, "<｜begin▁of▁sentence｜><｜User｜>What is 17 * 23?<｜Assistant｜><think>\n");
    const std::vector<TokenId> ids = e.tokenize(prompt);
    ASSERT_GE(ids.size(), 6u);
    EXPECT_EQ(ids[0], kBos);
    EXPECT_NE(ids[1], kBos);
    EXPECT_EQ(ids[1], kUser);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), kBos), 1);
    EXPECT_EQ(ids[ids.size() - 3], kAssistant);
    EXPECT_EQ(ids[ids.size() - 2], kThink);
}

TEST_F(ChatEngineTest, ThinkBudgetClosesTheThoughtAndAnAnswerFollows) {
    Session session(*model_, 1024, 2);
    ChatOptions o;
    o.think_budget = 5;
    o.max_tokens = 20;
    ChatEngine e = engine(session, o);
    Conversation c;
    std::string streamed_reasoning, streamed_content;
    int64_t thought_tokens = -1;
    TurnEvents ev;
    ev.reasoning = [&](const std::string& s) { streamed_reasoning += s; };
    ev.content = [&](const std::string& s) { streamed_content += s; };
    ev.thought_done = [&](int64_t n, double) { thought_tokens = n; };
    const TurnResult r = e.respond(c, "hello", ev);
    EXPECT_EQ(r.stats.reasoning_tokens, 5);
    EXPECT_EQ(thought_tokens, 5);
    EXPECT_EQ(r.stop, StopReason::TokenLimit);
    EXPECT_EQ(r.stats.completion_tokens, 20);
    EXPECT_FALSE(r.content.empty());
    EXPECT_NE(streamed_content.find(r.content), std::string::npos);
    // In the cache: prompt, 5 thought tokens, then the engine's "\n</think>\n\n".
    const std::vector<TokenId> close = tok_->encode("\n</think>\n\n", false, true);
    ASSERT_NE(std::find(close.begin(), close.end(), kEndThink), close.end());
    const auto& cached = session.tokens();
    const size_t at = static_cast<size_t>(r.stats.prompt_tokens) + 5;
    ASSERT_GE(cached.size(), at + close.size());
    EXPECT_EQ(std::vector<TokenId>(cached.begin() + static_cast<std::ptrdiff_t>(at),
                                   cached.begin() + static_cast<std::ptrdiff_t>(at + close.size())),
              close);
    // History keeps the answer as content, the thought apart.
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c.messages()[1]["content"], r.content);
    EXPECT_EQ(c.messages()[1].value("reasoning_content", std::string()), r.reasoning);
}

TEST_F(ChatEngineTest, BudgetZeroAnswersDirectly) {
    Session session(*model_, 1024, 2);
    ChatOptions o;
    o.think_budget = 0;
    o.max_tokens = 8;
    ChatEngine e = engine(session, o);
    Conversation c;
    const TurnResult r = e.respond(c, "hello");
    EXPECT_EQ(r.stats.reasoning_tokens, 0);
    EXPECT_EQ(r.reasoning, "");
    EXPECT_FALSE(r.content.empty());
    const std::vector<TokenId> close = tok_->encode("\n</think>\n\n", false, true);
    EXPECT_EQ(r.stats.inserted_tokens, static_cast<int64_t>(close.size()));
}

TEST_F(ChatEngineTest, SecondTurnReusesTheFirstTurnsPrefix) {
    Session session(*model_, 1024, 2);
    ChatOptions o;
    o.think_budget = 3;
    o.max_tokens = 10;
    ChatEngine e = engine(session, o);
    Conversation c;
    const TurnResult first = e.respond(c, "first question");
    EXPECT_EQ(first.stats.reused_tokens, 0);
    EXPECT_EQ(first.stats.evaluated_tokens, first.stats.prompt_tokens);
    const TurnResult second = e.respond(c, "second question");
    // Everything up to the first reply's <｜Assistant｜> is shared (the template drops the thought).
    EXPECT_GE(second.stats.reused_tokens, first.stats.prompt_tokens - 2);
    EXPECT_EQ(second.stats.evaluated_tokens, second.stats.prompt_tokens - second.stats.reused_tokens);
    EXPECT_LT(second.stats.evaluated_tokens, second.stats.prompt_tokens);
    EXPECT_EQ(e.totals().turns, 2);
    if (!first.reasoning.empty()) {
        EXPECT_EQ(e.render_prompt(c).find(first.reasoning), std::string::npos);
    }
}

TEST_F(ChatEngineTest, StopRequestInterruptsAndKeepsThePartialReply) {
    Session session(*model_, 1024, 2);
    ChatEngine e = engine(session, {});
    Conversation c;
    int polls = 0;
    TurnEvents ev;
    ev.stop_requested = [&] { return ++polls > 4; };
    const TurnResult r2 = e.respond(c, "tell me a long story", ev);
    EXPECT_EQ(r2.stop, StopReason::Interrupted);
    EXPECT_EQ(r2.stats.completion_tokens, 4);
    EXPECT_EQ(c.messages().back()["role"], "assistant");
}

TEST_F(ChatEngineTest, ContextShiftDropsOldestTurnsAndKeepsTheSystemPrompt) {
    Session session(*model_, 96, 2);
    ChatOptions o;
    o.think_budget = 2;
    o.max_tokens = 12;
    ChatEngine e = engine(session, o);
    Conversation c;
    c.set_system("You are terse.");
    std::vector<std::string> notices;
    TurnEvents ev;
    ev.notice = [&](const std::string& s) { notices.push_back(s); };
    for (int i = 0; i < 8; ++i) e.respond(c, "question number " + std::to_string(i) + " about something", ev);
    EXPECT_GT(e.totals().dropped_turns, 0);
    EXPECT_FALSE(notices.empty());
    EXPECT_EQ(c.system(), "You are terse.");
    EXPECT_LT(c.user_turns(), 8u);
    EXPECT_LE(session.n_past(), 96);
}

TEST_F(ChatEngineTest, ContextFillingDuringAReplyDropsOldTurnsThenStops) {
    Session session(*model_, 128, 2);
    ChatOptions o;
    o.think_budget = 2;
    ChatEngine e = engine(session, o);
    Conversation c;
    c.set_system("sys");
    for (int i = 0; i < 3; ++i) {
        c.add_user("old question " + std::to_string(i));
        c.add_assistant("old answer " + std::to_string(i));
    }
    std::vector<std::string> notices;
    TurnEvents ev;
    ev.notice = [&](const std::string& s) { notices.push_back(s); };
    // No token limit: the reply runs until the context is full with nothing left to drop.
    const TurnResult r = e.respond(c, "new question", ev);
    EXPECT_EQ(r.stop, StopReason::ContextFull);
    EXPECT_GE(r.stats.dropped_turns, 1);
    ASSERT_FALSE(notices.empty());
    EXPECT_NE(notices.back().find("context full"), std::string::npos) << notices.back();
    EXPECT_EQ(c.system(), "sys");
    EXPECT_EQ(c.user_turns(), 1u);
    EXPECT_EQ(c.messages()[1]["content"], "new question");
    EXPECT_LE(session.n_past(), 128);
    EXPECT_GT(r.stats.completion_tokens, 128 - r.stats.prompt_tokens);  // it went on after the shift
}

TEST_F(ChatEngineTest, WithoutContextShiftAFullContextIsAClearStop) {
    Session session(*model_, 64, 2);
    ChatOptions o;
    o.context_shift = false;
    ChatEngine e = engine(session, o);
    Conversation c;
    const TurnResult r = e.respond(c, "hi");
    EXPECT_EQ(r.stop, StopReason::ContextFull);
    EXPECT_EQ(session.n_past(), 64);
    std::string long_message;
    for (int i = 0; i < 80; ++i) long_message += "word ";
    try {
        e.respond(c, long_message);
        FAIL() << "expected an error";
    } catch (const Error& err) {
        EXPECT_NE(std::string(err.what()).find("does not fit"), std::string::npos) << err.what();
    }
    EXPECT_EQ(c.user_turns(), 1u);  // the failed message was not kept
}

}  // namespace
}  // namespace edgeseek
