// The model-loading flags every loading command shares (cli_common: --no-mmap, --no-repack,
// --no-repack-cache) and the repacked-weight cache seen from the command line: the first
// load writes the cache and says so, a later load maps it and prints the same numbers,
// --no-repack-cache writes nothing.
#include <gtest/gtest.h>

#include <filesystem>

#include "kernels/packed.h"
#include "test_support.h"

namespace edgeseek {
namespace {

size_t files_in(const std::string& dir) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator(); ++it) ++n;
    return n;
}

TEST(CliLoadFlags, EveryLoadingCommandTakesThem) {
    for (const char* cmd : {"run", "chat", "serve", "bench", "logits", "perplexity"}) {
        std::string out;
        ASSERT_EQ(test::run_command(test::edgeseek_binary() + " " + cmd + " --help", &out), 0) << out;
        for (const char* flag : {"--no-mmap", "--no-repack ", "--no-repack-cache"}) {
            EXPECT_NE(out.find(flag), std::string::npos) << cmd << " lacks " << flag;
        }
    }
}

TEST(CliLoadFlags, RepackCacheIsWrittenOnceThenMapped) {
    const std::string model = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    const test::TempDir dir;
    const std::string cache = dir.file("cache"), none = dir.file("none");
    // keep_free_mib: the disk space a cache must leave free (0: whatever this machine's disk has).
    auto logits = [&](const std::string& cache_dir, const std::string& flags, std::string* err,
                      const std::string& keep_free_mib = "0") {
        std::string out;
        const std::string err_file = dir.file("stderr.txt");
        const int rc = test::run_command("EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB=" + keep_free_mib +
                                             " EDGESEEK_REPACK_CACHE_DIR=" + cache_dir + " " + test::edgeseek_binary() +
                                             " logits -m " + model + " -p 'one two three' --top 4 " + flags + " 2>" +
                                             err_file,
                                         &out);
        EXPECT_EQ(rc, 0) << out;
        test::run_command("cat " + err_file, err);
        return out;
    };
    std::string err1, err2, err3;
    const std::string first = logits(cache, "", &err1);
    const std::string second = logits(cache, "", &err2);
    const std::string uncached = logits(none, "--no-repack-cache", &err3);
    ASSERT_NE(first.find("\"positions\""), std::string::npos) << first;
    EXPECT_EQ(second, first);
    EXPECT_EQ(uncached, first);
    EXPECT_EQ(files_in(none), 0u) << err3;
    // A disk that would be left with less than the space asked for: nothing written, same numbers.
    std::string err4, err5;
    const std::string full = dir.file("full");
    EXPECT_EQ(logits(full, "", &err4, "1000000000"), first);
    EXPECT_EQ(files_in(full), 0u) << err4;
    // A value that is not a number of MiB is named and the default (1 GiB) kept.
    EXPECT_EQ(logits(dir.file("other"), "", &err5, "lots"), first);
    if (packable(GgmlType::Q8_0)) {
        EXPECT_EQ(files_in(cache), 1u) << err1;
        EXPECT_NE(err1.find("cached in " + cache + "/"), std::string::npos) << err1;
        EXPECT_EQ(err2.find("cached in"), std::string::npos) << err2;
        EXPECT_NE(err4.find("leaves 1000000000 MiB free; EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB sets that"),
                  std::string::npos)
            << err4;
        EXPECT_NE(err5.find("ignoring EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB=lots"), std::string::npos) << err5;
    } else {
        EXPECT_EQ(files_in(cache), 0u) << err1;  // nothing repacked on this CPU path
    }
}

}  // namespace
}  // namespace edgeseek
