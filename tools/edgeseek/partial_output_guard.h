// While alive, SIGINT / SIGTERM / SIGHUP remove the given temporary output files before the
// process exits (status 128 + signal), so an interrupted quantize / convert / synth leaves
// nothing half-written behind. SIGXFSZ is ignored so that a file-size limit fails the write
// (reported, files removed) instead of killing the process with them left behind; SIGPIPE
// (stdout piped into `head`) is ignored so the work still completes. After SIGKILL the next
// run removes the stale files (prepare_output_path).
#pragma once
#include <signal.h>

#include <array>
#include <string>
#include <vector>

namespace edgeseek::cli {

class PartialOutputGuard {
public:
    // At most kMaxFiles paths; throws Error when one is too long to keep for the handler.
    explicit PartialOutputGuard(const std::vector<std::string>& paths);
    ~PartialOutputGuard();
    PartialOutputGuard(const PartialOutputGuard&) = delete;
    PartialOutputGuard& operator=(const PartialOutputGuard&) = delete;

    static constexpr size_t kMaxFiles = 4;

private:
    static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
    std::array<struct sigaction, 3> old_{};
    struct sigaction old_xfsz_{};
    struct sigaction old_pipe_{};
};

}  // namespace edgeseek::cli
