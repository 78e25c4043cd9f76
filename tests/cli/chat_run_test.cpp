// `edgeseek run --chat`: one templated turn, the thought shown, hidden or returned as JSON,
// and the think budget enforced by the engine.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chat/chat_test_model.h"
#include "chat/render_diff.h"
#include "test_support.h"

namespace edgeseek {
namespace {

#define REQUIRE_CHAT_MODEL()                                                          \
    do {                                                                              \
        if (test::chat_test_model().empty())                                          \
            GTEST_SKIP() << "fixture not found: " << test::r1_vocab();                \
    } while (0)

// Random tied-embedding weights mostly repeat the last token (often whitespace): flat, hot
// sampling gives text on every machine.
constexpr const char* kFlatSampling = "--temp 5 --top-k 1000 --top-p 1 --min-p 0";

// Runs `edgeseek run --chat ARGS`; stdout only (stderr into *log).
int run_chat(const std::string& args, std::string* out, std::string* log = nullptr) {
    test::TempDir dir;
    std::string ignored;
    const int rc = test::run_command(test::edgeseek_binary() + " run -m " + test::chat_test_model() +
                                         " --chat -t 2 --seed 5 " + kFlatSampling + " " + args + " > " + dir.file("out") + " 2> " +
                                         dir.file("err"),
                                     &ignored);
    *out = test::read_text_file(dir.file("out"));
    if (log) *log = test::read_text_file(dir.file("err"));
    return rc;
}

TEST(CliRunChat, ThinkBudgetOfFiveThenAnAnswerAsJson) {
    REQUIRE_CHAT_MODEL();
    std::string out, log;
    ASSERT_EQ(run_chat("-p 'What is 17 * 23?' --think-budget 5 -n 24 --json", &out, &log), 0) << out << log;
    const auto j = nlohmann::json::parse(out);
    ASSERT_TRUE(j.contains("reasoning") && j.contains("content") && j.contains("usage")) << out;
    const auto& u = j["usage"];
    EXPECT_GT(u["prompt_tokens"].get<int>(), 5);
    EXPECT_LE(u["reasoning_tokens"].get<int>(), 5);
    EXPECT_EQ(u["reasoning_tokens"].get<int>(), 5) << "random weights keep thinking until the budget closes it";
    EXPECT_EQ(u["completion_tokens"].get<int>(), 24);
    EXPECT_FALSE(j["content"].get<std::string>().empty()) << out;
    EXPECT_EQ(j["finish_reason"], "length");
    EXPECT_NE(log.find("[stopped: length]"), std::string::npos) << log;
}

TEST(CliRunChat, BudgetZeroAnswersDirectly) {
    REQUIRE_CHAT_MODEL();
    std::string out;
    ASSERT_EQ(run_chat("-p hello --think-budget 0 -n 6 --json", &out), 0) << out;
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["reasoning"], "");
    EXPECT_EQ(j["usage"]["reasoning_tokens"], 0);
    EXPECT_FALSE(j["content"].get<std::string>().empty()) << out;
}

TEST(CliRunChat, ShowDimAndHideWhenNotATerminal) {
    REQUIRE_CHAT_MODEL();
    std::string json, show, dim, hide;
    ASSERT_EQ(run_chat("-p hello --think-budget 4 -n 12 --json", &json), 0) << json;
    ASSERT_EQ(run_chat("-p hello --think-budget 4 -n 12 --reasoning show", &show), 0) << show;
    ASSERT_EQ(run_chat("-p hello --think-budget 4 -n 12", &dim), 0) << dim;
    ASSERT_EQ(run_chat("-p hello --think-budget 4 -n 12 --reasoning hide", &hide), 0) << hide;
    const auto j = nlohmann::json::parse(json);
    const std::string reasoning = j["reasoning"], content = j["content"];
    // Same seed, same reply; shown between tags (dim is plain text when stdout is not a tty).
    EXPECT_EQ(show, "<think>\n" + reasoning + "\n</think>\n\n" + content + "\n");
    EXPECT_EQ(dim, show);
    EXPECT_EQ(dim.find('\x1b'), std::string::npos);
    EXPECT_EQ(hide.rfind("[thought for 4 tokens, ", 0), 0u) << hide;
    EXPECT_NE(hide.find(" s]\n" + content + "\n"), std::string::npos) << hide;
    EXPECT_EQ(hide.find("<think>"), std::string::npos) << hide;
}

TEST(CliRunChat, PlainRunIsUnchangedAndJsonNeedsChat) {
    REQUIRE_CHAT_MODEL();
    std::string out;
    ASSERT_EQ(test::run_command(test::edgeseek_binary() + " run -m " + test::chat_test_model() +
                                    " -p 'plain text' -n 3 --temp 0 -t 2 2>/dev/null",
                                &out),
              0);
    EXPECT_EQ(out.rfind("plain text", 0), 0u) << out;
    EXPECT_EQ(test::run_command(test::edgeseek_binary() + " run -m " + test::chat_test_model() + " -p x --json", &out), 1);
    EXPECT_NE(out.find("--chat"), std::string::npos) << out;
}

}  // namespace
}  // namespace edgeseek
