#include "test_support.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace edgeseek::test {

int run_command(const std::string& cmd, std::string* out) {
    // Parenthesised so redirections inside cmd (e.g. 2>/dev/null) take precedence.
    std::string full = "(" + cmd + ") 2>&1";
    FILE* p = ::popen(full.c_str(), "r");
    if (!p) return -1;
    std::array<char, 4096> buf{};
    out->clear();
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out->append(buf.data(), n);
    int st = ::pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "edgeseek-test-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
}

TempDir::~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace edgeseek::test

namespace {

// Every model the tests load (in this process or in the CLI they run) keeps its repacked-weight
// cache in a directory of the test run's own, not in the user's ~/.cache; later loads of the
// same fixture then map that cache, so the suite exercises both paths.
class PackedCacheDirEnvironment : public ::testing::Environment {
public:
    void SetUp() override {
        if (const char* d = std::getenv("EDGESEEK_REPACK_CACHE_DIR"); d && *d) return;  // the caller chose one
        dir_ = std::make_unique<edgeseek::test::TempDir>();
        ::setenv("EDGESEEK_REPACK_CACHE_DIR", dir_->path().c_str(), 1);
    }
    void TearDown() override {
        if (!dir_) return;
        ::unsetenv("EDGESEEK_REPACK_CACHE_DIR");
        dir_.reset();
    }

private:
    std::unique_ptr<edgeseek::test::TempDir> dir_;
};

[[maybe_unused]] ::testing::Environment* const packed_cache_env =
    ::testing::AddGlobalTestEnvironment(new PackedCacheDirEnvironment);

}  // namespace
