#include "partial_output_guard.h"

#include <unistd.h>

#include <cstring>

#include "core/error.h"

namespace edgeseek::cli {
namespace {

// What the signal handler needs, in storage it can read without allocating.
constexpr size_t kMaxPath = 4096;
std::array<std::array<char, kMaxPath>, PartialOutputGuard::kMaxFiles> g_paths{};
volatile sig_atomic_t g_count = 0;

void remove_partials_and_exit(int sig) {
    for (sig_atomic_t k = 0; k < g_count; ++k) ::unlink(g_paths[static_cast<size_t>(k)].data());
    static const char msg[] = "\nedgeseek: interrupted; the partial output was removed\n";
    const ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(128 + sig);
}

}  // namespace

PartialOutputGuard::PartialOutputGuard(const std::vector<std::string>& paths) {
    if (paths.size() > kMaxFiles) throw Error("too many temporary outputs to guard", paths.front());
    for (size_t k = 0; k < paths.size(); ++k) {
        if (paths[k].size() >= kMaxPath) throw Error("the output path is too long", paths[k], "use a shorter path");
        std::memcpy(g_paths[k].data(), paths[k].c_str(), paths[k].size() + 1);
    }
    g_count = static_cast<sig_atomic_t>(paths.size());
    struct sigaction sa{};
    sa.sa_handler = remove_partials_and_exit;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < kSignals.size(); ++k) {
        ::sigaction(kSignals[k], nullptr, &old_[k]);
        // A signal ignored at startup (nohup, background jobs) stays ignored.
        if (kSignals[k] != SIGTERM && old_[k].sa_handler == SIG_IGN) continue;
        ::sigaction(kSignals[k], &sa, nullptr);
    }
    struct sigaction ign{};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ::sigaction(SIGXFSZ, &ign, &old_xfsz_);
    ::sigaction(SIGPIPE, &ign, &old_pipe_);
}

PartialOutputGuard::~PartialOutputGuard() {
    g_count = 0;
    for (size_t k = 0; k < kSignals.size(); ++k) ::sigaction(kSignals[k], &old_[k], nullptr);
    ::sigaction(SIGXFSZ, &old_xfsz_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
}

}  // namespace edgeseek::cli
