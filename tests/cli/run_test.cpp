// The real binary, end to end: run, logits, tokenize.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {
namespace {

std::string aidreams() { return test::fixture("models/aidreams260K-f32.gguf"); }

nlohmann::json golden_entry(const std::string& file, size_t i) {
    std::ifstream in(test::fixture("golden-llamacpp.json"));
    return nlohmann::json::parse(in)["files"][file][i];
}

TEST(CliRun, GreedyTextEqualsLlamaCppContinuation) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    const auto e = golden_entry("aidreams260K-f32.gguf", 0);
    auto gguf = GgufFile::open(aidreams());
    auto tok = Tokenizer::from_gguf(*gguf);
    std::string want;
    for (int id : e["greedy_ids"].get<std::vector<int>>()) want += tok->token_to_piece(id, false);
    std::string out;
    const int rc = test::run_command(test::edgeseek_binary() + " run -m " + aidreams() +
                                         " -p 'I dreamed' -n 32 --temp 0 -t 2 2>/dev/null", &out);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(out, "I dreamed" + want + "\n");
}

TEST(CliRun, DeploymentGuideCommandLineWorks) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    std::string out;
    const int rc = test::run_command(test::edgeseek_binary() + " run -m " + aidreams() +
                                         " --prompt \"解释量子计算原理\" --n_predict 256 --ctx_size 2048", &out);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("解释量子计算原理"), std::string::npos);
    EXPECT_NE(out.find("generation:"), std::string::npos) << out;
    EXPECT_NE(out.find("tokens/s"), std::string::npos) << out;
}

TEST(CliRun, StopsWhenContextIsFullAndSaysSo) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    std::string out;
    const int rc = test::run_command(test::edgeseek_binary() + " run -m " + aidreams() +
                                         " -p 'I dreamed' -c 16 -n 100 --temp 0", &out);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("context full (16 tokens)"), std::string::npos) << out;
    // 7 prompt + 9 generated fill the 16 positions; a 10th is sampled from the last one.
    EXPECT_NE(out.find("generation: 10 tokens"), std::string::npos) << out;
}

TEST(CliRun, SeedMakesSamplingReproducible) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    std::string a, b, c;
    const std::string cmd = test::edgeseek_binary() + " run -m " + aidreams() + " -p 'Once upon a time' -n 40 --temp 1.0 ";
    ASSERT_EQ(test::run_command(cmd + "--seed 11 2>/dev/null", &a), 0);
    ASSERT_EQ(test::run_command(cmd + "--seed 11 2>/dev/null", &b), 0);
    ASSERT_EQ(test::run_command(cmd + "--seed 12 2>/dev/null", &c), 0);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

TEST(CliRun, MissingModelIsAClearError) {
    std::string out;
    const int rc = test::run_command(test::edgeseek_binary() + " run -m /nonexistent/model.gguf -p hi", &out);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(out.find("/nonexistent/model.gguf"), std::string::npos) << out;
    EXPECT_NE(out.find("cannot open"), std::string::npos) << out;
}

TEST(CliLogits, JsonMatchesGoldenSchemaAndValues) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    const auto e = golden_entry("aidreams260K-f32.gguf", 1);
    std::string out;
    const int rc = test::run_command(test::edgeseek_binary() + " logits -m " + aidreams() +
                                         " -p 'Once upon a time' --top 8 --greedy 32 2>/dev/null", &out);
    ASSERT_EQ(rc, 0) << out;
    const auto j = nlohmann::json::parse(out);
    EXPECT_EQ(j["prompt"], e["prompt"]);
    EXPECT_EQ(j["add_bos"], true);
    EXPECT_EQ(j["prompt_ids"], e["prompt_ids"]);
    EXPECT_EQ(j["greedy_ids"], e["greedy_ids"]);
    ASSERT_EQ(j["positions"].size(), e["positions"].size());
    for (size_t p = 0; p < j["positions"].size(); ++p) {
        EXPECT_EQ(j["positions"][p]["top_ids"][0], e["positions"][p]["top_ids"][0]) << "position " << p;
        EXPECT_NEAR(j["positions"][p]["top_logits"][0].get<double>(), e["positions"][p]["top_logits"][0].get<double>(), 1e-2);
    }
}

TEST(CliTokenize, VocabOnlyFileAndSpecialTokens) {
    const std::string vocab = test::fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(vocab);
    std::string out;
    ASSERT_EQ(test::run_command(test::edgeseek_binary() + " tokenize -m " + vocab +
                                    " -p '<｜User｜>Hi<｜Assistant｜>' --special --no-bos 2>/dev/null", &out), 0) << out;
    const auto ids = nlohmann::json::parse(out).get<std::vector<int>>();
    ASSERT_GE(ids.size(), 3u);
    EXPECT_EQ(ids.front(), 151644);
    EXPECT_EQ(ids.back(), 151645);
    ASSERT_EQ(test::run_command(test::edgeseek_binary() + " tokenize -m " + vocab +
                                    " -p '<｜User｜>' --no-bos 2>/dev/null", &out), 0) << out;
    const auto plain = nlohmann::json::parse(out).get<std::vector<int>>();
    EXPECT_GT(plain.size(), 1u) << "without --special the marker is ordinary text";
}

}  // namespace
}  // namespace edgeseek
