// `edgeseek synth` stopped by SIGTERM or SIGINT part way through a real-shape model leaves neither
// OUT nor OUT.partial behind (the guard shared with quantize and convert), and exits 128 + signal.
#include <gtest/gtest.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "test_support.h"

namespace edgeseek {
namespace {

void interrupt_synth(int sig) {
    const std::string vocab = test::fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(vocab);
    test::TempDir dir;
    const std::string out = dir.file("synth.gguf"), partial = out + ".partial";
    const std::string bin = test::edgeseek_binary();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) {
            ::dup2(null, 1);
            ::dup2(null, 2);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGINT, SIG_DFL);
        ::execl(bin.c_str(), bin.c_str(), "synth", "--shape", "r1-distill-qwen-1.5b", "--type", "q8_0", "-o", out.c_str(),
                "--vocab", vocab.c_str(), "-t", "1", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ASSERT_GT(pid, 0);
    // Wait for data in OUT.partial: the 1.8 GB file takes far longer than this to finish.
    bool writing = false;
    for (int k = 0; k < 1200 && !writing; ++k) {
        struct stat st {};
        writing = ::stat(partial.c_str(), &st) == 0 && st.st_size > (1 << 20);
        if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_TRUE(writing) << "synth never started writing " << partial;
    ASSERT_EQ(::kill(pid, sig), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of handling it";
    EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
    EXPECT_FALSE(std::filesystem::exists(partial)) << "OUT.partial left behind";
    EXPECT_FALSE(std::filesystem::exists(out)) << "an incomplete OUT was published";
}

TEST(CliSynth, SigtermRemovesThePartialOutput) { interrupt_synth(SIGTERM); }
TEST(CliSynth, SigintRemovesThePartialOutput) { interrupt_synth(SIGINT); }

}  // namespace
}  // namespace edgeseek
