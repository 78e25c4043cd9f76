// `edgeseek chat` in a real terminal: tmux runs it, send-keys types, capture-pane reads the
// screen. Two turns with KV-cache reuse, multi-line input, /save /reset /load, Ctrl-C during
// a reply and at the prompt, Ctrl-D to leave.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "chat/chat_test_model.h"
#include "chat/render_diff.h"
#include "test_support.h"

namespace edgeseek {
namespace {

// One tmux server of our own (unique socket), killed when the test ends.
class Tmux {
public:
    explicit Tmux(const std::string& command) : socket_("edgeseek-chat-" + std::to_string(::getpid())) {
        std::string out;
        ok_ = tmux("-f /dev/null new-session -d -s chat -x 160 -y 50 " +
                       test::shell_quote(command + "; echo EXITED $?; sleep 120"),
                   &out) == 0;
        if (!ok_) error_ = out;
    }
    ~Tmux() {
        std::string out;
        tmux("kill-server", &out);
    }
    bool ok() const { return ok_; }
    const std::string& error() const { return error_; }

    void type(const std::string& text) {
        std::string out;
        tmux("send-keys -t chat -l " + test::shell_quote(text), &out);
        tmux("send-keys -t chat Enter", &out);
    }
    void key(const std::string& k) {
        std::string out;
        tmux("send-keys -t chat " + k, &out);
    }
    std::string screen() {
        std::string out;
        tmux("capture-pane -p -J -S - -t chat", &out);
        return out;
    }
    // Polls the screen until pred holds (true) or the time runs out (false).
    bool wait_for(const std::function<bool(const std::string&)>& pred, double seconds = 60) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < end) {
            if (pred(screen())) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }
    bool wait_for_text(const std::string& text, size_t times = 1, double seconds = 60) {
        return wait_for([&](const std::string& s) { return count(s, text) >= times; }, seconds);
    }
    // The message was typed and the reply is over: the last line is an empty prompt.
    bool wait_for_idle_after(const std::string& text, double seconds = 60) {
        return wait_for([&](const std::string& s) { return s.find(text) != std::string::npos && last_line(s) == ">"; },
                        seconds);
    }

    static size_t count(const std::string& s, const std::string& what) {
        size_t n = 0;
        for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
        return n;
    }
    static std::string last_line(const std::string& s) {
        size_t end = s.find_last_not_of(" \n");
        if (end == std::string::npos) return {};
        const size_t begin = s.rfind('\n', end);
        return s.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
    }

private:
    int tmux(const std::string& args, std::string* out) const {
        return test::run_command("tmux -L " + socket_ + " " + args, out);
    }
    std::string socket_;
    bool ok_ = false;
    std::string error_;
};

// "last turn: prompt P tokens (R reused ..." -> {P, R} of the n-th /stats on screen.
std::pair<long, long> stats_line(const std::string& screen, size_t nth) {
    static const std::regex re(R"(last turn: prompt (\d+) tokens \((\d+) reused)");
    size_t i = 0;
    for (auto it = std::sregex_iterator(screen.begin(), screen.end(), re); it != std::sregex_iterator(); ++it, ++i) {
        if (i == nth) return {std::stol((*it)[1]), std::stol((*it)[2])};
    }
    return {-1, -1};
}

bool have_tmux() {
    std::string out;
    return test::run_command("tmux -V", &out) == 0;
}

std::string chat_command(const std::string& args) {
    // Hot sampling: random tied-embedding weights otherwise mostly repeat the last token.
    return test::edgeseek_binary() + " chat -m " + test::shell_quote(test::chat_test_model()) +
           " -t 2 --seed 3 --temp 5 --top-k 1000 --top-p 1 --min-p 0 " + args;
}

TEST(CliChat, TwoTurnsReuseTheCacheAndSaveResetLoad) {
    if (!have_tmux()) GTEST_SKIP() << "tmux is not installed";
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    test::TempDir dir;
    Tmux t(chat_command("-n 12 --think-budget 3 --reasoning show"));
    ASSERT_TRUE(t.ok()) << t.error();
    ASSERT_TRUE(t.wait_for([](const std::string& s) { return s.find("edgeseek chat:") != std::string::npos &&
                                                             Tmux::last_line(s) == ">"; }))
        << t.screen();

    t.type("hello there");
    ASSERT_TRUE(t.wait_for_idle_after("hello there")) << t.screen();
    EXPECT_NE(t.screen().find("</think>"), std::string::npos) << t.screen();
    t.type("tell me more");
    ASSERT_TRUE(t.wait_for_idle_after("tell me more")) << t.screen();
    t.type("/stats");
    ASSERT_TRUE(t.wait_for_text("last turn:")) << t.screen();
    const auto [prompt2, reused2] = stats_line(t.screen(), 0);
    EXPECT_GT(prompt2, 10) << t.screen();
    // Turn 1's prompt was BOS <｜User｜> hello there <｜Assistant｜> <think> \n: all but the
    // last two tokens are shared with turn 2's rendering.
    EXPECT_GE(reused2, 5) << t.screen();
    EXPECT_LT(reused2, prompt2);

    t.type("first line\\");  // continued on the next line
    t.type("second line");
    ASSERT_TRUE(t.wait_for_idle_after("second line")) << t.screen();

    const std::string saved = dir.file("conv.json");
    t.type("/save " + saved);
    ASSERT_TRUE(t.wait_for_text("[saved 6 messages")) << t.screen();
    const auto conv = nlohmann::json::parse(test::read_text_file(saved));
    ASSERT_EQ(conv.size(), 6u) << conv.dump(1);
    EXPECT_EQ(conv[0]["content"], "hello there");
    EXPECT_EQ(conv[4]["content"], "first line\nsecond line");
    EXPECT_EQ(conv[5]["role"], "assistant");

    t.type("/reset");
    ASSERT_TRUE(t.wait_for_text("[conversation cleared]")) << t.screen();
    t.type("/load " + saved);
    ASSERT_TRUE(t.wait_for_text("[loaded 6 messages")) << t.screen();
    t.type("one more question");
    ASSERT_TRUE(t.wait_for_idle_after("one more question")) << t.screen();
    t.type("/stats");
    ASSERT_TRUE(t.wait_for_text("last turn:", 2)) << t.screen();
    const auto [prompt4, reused4] = stats_line(t.screen(), 1);
    EXPECT_GT(reused4, prompt2 - 2) << "the loaded conversation shares its prefix with the cache\n" << t.screen();
    EXPECT_LT(reused4, prompt4);

    t.key("C-d");
    EXPECT_TRUE(t.wait_for_text("EXITED 0", 1, 30)) << t.screen();
}

TEST(CliChat, CtrlCStopsAReplyAndCtrlDExits) {
    if (!have_tmux()) GTEST_SKIP() << "tmux is not installed";
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    // No token limit and a long context: the reply would run for a long while.
    Tmux t(chat_command("-c 16384 --reasoning hide"));
    ASSERT_TRUE(t.ok()) << t.error();
    ASSERT_TRUE(t.wait_for([](const std::string& s) { return Tmux::last_line(s) == ">"; })) << t.screen();

    t.key("C-c");  // at the prompt: a fresh prompt, nothing else
    t.type("write a very long essay");
    ASSERT_TRUE(t.wait_for_text("thinking...")) << t.screen();
    const auto t0 = std::chrono::steady_clock::now();
    t.key("C-c");
    ASSERT_TRUE(t.wait_for_text("[interrupted]", 1, 20)) << t.screen();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
    ASSERT_TRUE(t.wait_for([](const std::string& s) { return Tmux::last_line(s) == ">"; }, 10)) << t.screen();

    t.type("/budget 2");
    ASSERT_TRUE(t.wait_for_text("[think budget: 2 tokens]")) << t.screen();
    t.type("/stats");
    ASSERT_TRUE(t.wait_for_text("last turn:")) << t.screen();
    EXPECT_EQ(t.screen().find("EXITED"), std::string::npos) << t.screen();

    t.key("C-d");
    EXPECT_TRUE(t.wait_for_text("EXITED 0", 1, 30)) << t.screen();
}

}  // namespace
}  // namespace edgeseek
