// A quantize run killed part way leaves no OUT: SIGTERM and SIGINT also remove OUT.partial
// (exit 128 + signal); SIGKILL cannot be caught, so its OUT.partial is removed by the next run.
// EDGESEEK_TEST_SLOW_WRITE_MS slows the write down so the signal lands in the middle of it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "quantize/quantize_testing.h"

extern char** environ;

namespace edgeseek {
namespace {


// Starts `edgeseek quantize in out q8_0` with the slow-write hook; output discarded.
pid_t start_slow_quantize(const std::string& in, const std::string& out) {
    std::vector<std::string> args = {test::edgeseek_binary(), "quantize", in, out, "q8_0", "--threads", "2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = {"EDGESEEK_TEST_SLOW_WRITE_MS=150"};
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    // Default signal handling in the child even if this process ignores SIGINT (a background job).
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&defaults, sig);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
}

// Waits until the writer has put its header into OUT.partial (the empty probe file the
// output check creates and removes at once does not count).
bool wait_for_partial_data(const std::string& partial, pid_t pid) {
    for (int k = 0; k < 400; ++k) {
        struct stat st{};
        if (::stat(partial.c_str(), &st) == 0 && st.st_size > 0) return true;
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return false;  // finished or died early
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
}

int wait_status(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

void interrupt_and_check(int sig, int want_exit) {
    test::TempDir dir;
    const std::string out = dir.file("out.gguf");
    const pid_t pid = start_slow_quantize(test::tiny_qwen2(), out);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_partial_data(out + ".partial", pid)) << "the quantize run never started writing";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few tensors in
    ASSERT_EQ(::kill(pid, sig), 0);
    const int status = wait_status(pid);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    EXPECT_EQ(WEXITSTATUS(status), want_exit);
    EXPECT_FALSE(test::file_exists(out)) << "the output appeared although the run was interrupted";
    EXPECT_FALSE(test::file_exists(out + ".partial")) << "the partial output was left behind";
}

TEST(QuantizeInterrupt, SigtermRemovesThePartialOutput) {
    EDGESEEK_REQUIRE_FIXTURE(test::tiny_qwen2());
    interrupt_and_check(SIGTERM, 143);
}

TEST(QuantizeInterrupt, SigintRemovesThePartialOutput) {
    EDGESEEK_REQUIRE_FIXTURE(test::tiny_qwen2());
    interrupt_and_check(SIGINT, 130);
}

TEST(QuantizeInterrupt, SigkillLeavesNoOutputAndTheNextRunCleansUp) {
    EDGESEEK_REQUIRE_FIXTURE(test::tiny_qwen2());
    test::TempDir dir;
    const std::string out = dir.file("out.gguf");
    const pid_t pid = start_slow_quantize(test::tiny_qwen2(), out);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_partial_data(out + ".partial", pid)) << "the quantize run never started writing";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const int status = wait_status(pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_FALSE(test::file_exists(out));
    EXPECT_TRUE(test::file_exists(out + ".partial")) << "expected the stale partial file of a killed run";

    std::string log;
    ASSERT_EQ(test::run_quantize(test::tiny_qwen2(), out, "q8_0", "", &log), 0) << log;
    EXPECT_NE(log.find("left by an interrupted run"), std::string::npos) << log;
    EXPECT_TRUE(test::file_exists(out));
    EXPECT_FALSE(test::file_exists(out + ".partial"));
    EXPECT_NO_THROW(GgufFile::open(out));
}

}  // namespace
}  // namespace edgeseek
