// Shared by the tests: where the fixtures are, how to run the real binary.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace edgeseek::test {

// ../shared/fixtures beside the repository, or $EDGESEEK_FIXTURES.
inline std::string fixtures_dir() {
    if (const char* e = std::getenv("EDGESEEK_FIXTURES")) return e;
    return EDGESEEK_DEFAULT_FIXTURES;
}

inline std::string fixture(const std::string& rel) { return fixtures_dir() + "/" + rel; }

inline std::string edgeseek_binary() { return EDGESEEK_BINARY; }

// One shell word: single-quoted, with any single quote in it escaped.
inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Skips the current test with a clear message when a fixture is absent.
#define EDGESEEK_REQUIRE_FIXTURE(path)                                                   \
    do {                                                                                \
        if (!std::filesystem::exists(path))                                             \
            GTEST_SKIP() << "fixture not found: " << (path)                             \
                         << " (put ../shared/fixtures beside the repo or set EDGESEEK_FIXTURES)"; \
    } while (0)

// Runs a shell command, returns exit status; stdout+stderr captured into *out.
int run_command(const std::string& cmd, std::string* out);

// A fresh temporary directory, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

}  // namespace edgeseek::test
