// Building the 151936-token R1 vocabulary and encoding with it must be fast: a CLI start-up
// pays for construction, and long prompts pay for encoding.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "test_support.h"
#include "tokenizer/tokenizer_fixtures.h"

namespace edgeseek::test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(TokenizerPerf, R1ConstructionAndEncoding) {
    const std::string path = fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    auto t0 = std::chrono::steady_clock::now();
    auto file = GgufFile::open(path);
    const double t_open = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    auto tok = Tokenizer::from_gguf(*file);
    const double t_build = seconds_since(t0);

    std::string text;
    const std::string para = "The quick brown fox jumps over the lazy dog, again and again; 1234567 times! "
                             "解释量子计算原理。 Привет, мир! 🦙🚀\n";
    while (text.size() < (1u << 20)) text += para;
    t0 = std::chrono::steady_clock::now();
    const auto ids = tok->encode(text, false, true);
    const double t_encode = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const std::string back = tok->decode(ids);
    const double t_decode = seconds_since(t0);

    std::cout << "[ perf     ] open " << t_open * 1e3 << " ms, build " << t_build * 1e3 << " ms, encode "
              << static_cast<double>(text.size()) / 1e6 / t_encode << " MB/s (" << static_cast<double>(ids.size()) / t_encode / 1e6 << " M tokens/s), decode "
              << static_cast<double>(text.size()) / 1e6 / t_decode << " MB/s\n";
    EXPECT_EQ(back, text);
    if (!kSanitized) {
        EXPECT_LT(t_build, 1.0);
        EXPECT_LT(t_encode, 5.0);
    }
}

}  // namespace
}  // namespace edgeseek::test
