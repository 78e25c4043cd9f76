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
    EXPECT_EQ(j["model"]["depth"], 8);
    // tiny-llama: 2 layers x 2 KV heads x 64 dims, keys and values in f16.
    EXPECT_DOUBLE_EQ(j["model"]["kv_bytes_per_position"].get<double>(), 2.0 * 2 * 2 * 2 * 64);
    // Steps at positions 8..11 read 9..12 cached positions: 10.5 on average.
    EXPECT_DOUBLE_EQ(j["tests"][1]["bytes_per_token"].get<double>(),
                     j["model"]["weight_bytes_per_token"].get<double>() + 10.5 * 1024.0);
    EXPECT_GT(j["tests"][1]["tokens_per_s"].get<double>(), 0.0);
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
