// `edgeseek bench -d N`: the tests run behind N cached tokens, say so in their names, and count
// the cached keys and values in what a decode step reads; a depth past the model's context is
// refused before anything runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "test_support.h"

namespace edgeseek {
namespace {

TEST(CliBench, DepthNamesTheTestsAndCountsTheCachedKeysAndValues) {
    const std::string model = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    std::string out;
    ASSERT_EQ(test::run_command(test::edgeseek_binary() + " bench -m " + model +
                                    " -p 4 -n 4 -r 1 -d 8 --json --cached-peak --no-repack-cache 2>/dev/null",
                                &out),
              0)
        << out;
    const auto j = nlohmann::json::parse(out);
    ASSERT_EQ(j.at("tests").size(), 2u) << out;
    EXPECT_EQ(j["tests"][0]["test"], "pp4 @ d8");
    EXPECT_EQ(j["tests"][1]["test"], "tg4 @ d8");
    // --cached-peak: no peaks measured between the repetitions.
    EXPECT_EQ(j["tests"][0]["of"], "int8 + fp32 (attention) peaks");
    EXPECT_FALSE(j["tests"][0].contains("int8_gops_now"));
    EXPECT_FALSE(j["tests"][1].contains("read_gbps_now"));
    EXPECT_EQ(j["model"]["depth"], 8);
    // tiny-llama: 2 layers x 2 KV heads x 64 dims, keys and values in f16.
    EXPECT_DOUBLE_EQ(j["model"]["kv_bytes_per_position"].get<double>(), 2.0 * 2 * 2 * 2 * 64);
    // Steps at positions 8..11 read 9..12 cached positions: 10.5 on average.
    EXPECT_DOUBLE_EQ(j["tests"][1]["bytes_per_token"].get<double>(),
                     j["model"]["weight_bytes_per_token"].get<double>() + 10.5 * 1024.0);
    EXPECT_GT(j["tests"][1]["tokens_per_s"].get<double>(), 0.0);
}

// Without --cached-peak a prompt's ratio is each repetition's against the peaks measured just
// before it, averaged: int8 for a quantized file's matrices, with the fp32 peak for attention's
// float work behind a depth.
TEST(CliBench, PromptRatiosAreAgainstThePeaksMeasuredBeforeEachRepetition) {
    const std::string model = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    for (const int depth : {0, 16}) {
        std::string out;
        ASSERT_EQ(test::run_command(test::edgeseek_binary() + " bench -m " + model + " -p 8 -n 0 -r 3 -d " +
                                        std::to_string(depth) + " --json --no-repack-cache 2>/dev/null",
                                    &out),
                  0)
            << out;
        const auto j = nlohmann::json::parse(out);
        ASSERT_EQ(j.at("tests").size(), 1u) << out;
        const auto& t = j["tests"][0];
        EXPECT_EQ(t["of"], depth == 0 ? "int8 peak now" : "int8 + fp32 (attention) peaks now") << out;
        ASSERT_TRUE(t.contains("int8_gops_now")) << out;
        ASSERT_EQ(t["int8_gops_now"].size(), 3u) << out;
        ASSERT_EQ(t.contains("fp32_gflops_now"), depth > 0) << out;
        const auto& m = j["model"];
        const double ops = 2.0 * (m["layer_macs_per_token"].get<double>() + m["output_macs"].get<double>() / 8);
        // tiny-llama: 2 layers x 4 heads x 64 dims, a token at depth + i attending to depth + i + 1
        // positions: depth + 4.5 on average over the 8.
        const double flops = 2.0 * (2.0 * 2 * 4 * 64) * (depth + 4.5);
        const auto& runs = t["runs_tokens_per_s"];
        ASSERT_EQ(runs.size(), 3u) << out;
        double expected = 0.0;
        for (size_t r = 0; r < 3; ++r) {
            const double tps = runs[r].get<double>(), int8 = t["int8_gops_now"][r].get<double>();
            EXPECT_GT(int8, 0.5) << out;  // any real CPU does more than 0.5 G int8 ops/s
            expected += 100.0 * ops * tps / 1e9 / int8;
            if (depth > 0) expected += 100.0 * flops * tps / 1e9 / t["fp32_gflops_now"][r].get<double>();
        }
        EXPECT_NEAR(t["percent"].get<double>(), expected / 3, 1e-9 * expected) << out;
        EXPECT_GT(t["percent_of_cached_peak"].get<double>(), 0.0) << out;
    }
}

TEST(CliBench, DepthPastTheContextIsRefused) {
    const std::string model = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    std::string out;
    const int rc = test::run_command(test::edgeseek_binary() + " bench -m " + model + " -p 4 -n 4 -r 1 -d 5000 2>&1", &out);
    EXPECT_NE(rc, 0) << out;
    EXPECT_NE(out.find("--depth 5000"), std::string::npos) << out;
    EXPECT_NE(out.find("trained for 4096"), std::string::npos) << out;
}

}  // namespace
}  // namespace edgeseek
