// Runs the real `edgeseek inspect` on fixtures and checks the numbers it reports against
// values computed here from the file's own metadata.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "test_support.h"

namespace edgeseek::test {
namespace {


// Runs `edgeseek inspect ARGS`; returns the exit status, output in *out.
int inspect(const std::string& args, std::string* out) {
    return run_command(shell_quote(edgeseek_binary()) + " inspect " + args, out);
}

nlohmann::json inspect_json(const std::string& path, const std::string& extra = "") {
    std::string out;
    const int rc = inspect("--json " + extra + " " + shell_quote(path), &out);
    EXPECT_EQ(rc, 0) << out;
    try {
        return nlohmann::json::parse(out);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not JSON: " << e.what() << "\n" << out;
        return {};
    }
}

// f16 K and V: 2 bytes x 2 x layers x ctx x KV heads x head dim (n_embd / n_head).
uint64_t expected_kv_bytes(uint64_t n_layer, uint64_t ctx, uint64_t n_head_kv, uint64_t head_dim) {
    return 2 * 2 * n_layer * ctx * n_head_kv * head_dim;
}

TEST(CliInspect, RealModelTable) {
    const std::string path = fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    std::string out;
    ASSERT_EQ(inspect(shell_quote(path), &out), 0) << out;
    EXPECT_NE(out.find("architecture                     llama"), std::string::npos) << out;
    EXPECT_NE(out.find("llama.block_count              4\n"), std::string::npos) << out;
    EXPECT_NE(out.find("llama.embedding_length         64\n"), std::string::npos) << out;
    EXPECT_NE(out.find("llama.feed_forward_length      172\n"), std::string::npos) << out;
    EXPECT_NE(out.find("vocab size                     512\n"), std::string::npos) << out;
    EXPECT_NE(out.find("memory at ctx 128"), std::string::npos) << out;  // the model's context, under 4096
    // 4 layers, 4 KV heads, head dim 64 / 4 = 16, ctx 128.
    const uint64_t kv = expected_kv_bytes(4, 128, 4, 16);
    ASSERT_EQ(kv, 131072u);
    EXPECT_NE(out.find("KV cache                       131,072 bytes"), std::string::npos) << out;
}

TEST(CliInspect, RealModelJsonMatchesTheFile) {
    const std::string path = fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const nlohmann::json j = inspect_json(path, "--ctx-size 100");
    auto g = GgufFile::open(path);
    EXPECT_EQ(j["architecture"], "llama");
    const auto& hp = j["hyperparameters"];
    EXPECT_EQ(hp["block_count"], 4);
    EXPECT_EQ(hp["embedding_length"], 64);
    EXPECT_EQ(hp["head_count"], 4);
    EXPECT_EQ(hp["head_count_kv"], 4);
    EXPECT_EQ(hp["feed_forward_length"], 172);
    EXPECT_EQ(hp["context_length"], 128);
    EXPECT_TRUE(hp["key_length"].is_null());
    EXPECT_EQ(j["tokenizer"]["vocab_size"], 512);
    EXPECT_EQ(j["tokenizer"]["bos_token_id"], 1);
    EXPECT_EQ(j["tokenizer"]["eos_token_id"], 2);
    EXPECT_EQ(j["tokenizer"]["chat_template"], false);

    uint64_t weights = 0;
    for (const auto& t : g->tensors()) weights += t.nbytes;
    EXPECT_EQ(j["tensors"]["count"], g->tensors().size());
    EXPECT_EQ(j["tensors"]["bytes"], weights);
    EXPECT_EQ(j["tensors"]["by_type"]["f32"]["count"], 39);
    const uint64_t kv = expected_kv_bytes(g->require_uint("llama.block_count"), 100,
                                          g->require_uint("llama.attention.head_count_kv"),
                                          g->require_uint("llama.embedding_length") /
                                              g->require_uint("llama.attention.head_count"));
    EXPECT_EQ(j["memory"]["ctx_size"], 100);
    EXPECT_EQ(j["memory"]["kv_cache_bytes"], kv);
    EXPECT_EQ(j["memory"]["total_bytes"], weights + kv);
}

TEST(CliInspect, GqaAndKeyLength) {
    const std::string path = fixture("models/tiny-qwen3-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const nlohmann::json j = inspect_json(path, "--ctx-size 1000");
    auto g = GgufFile::open(path);
    const uint64_t head_dim = g->require_uint("qwen3.attention.key_length");
    EXPECT_EQ(j["hyperparameters"]["key_length"], head_dim);
    EXPECT_EQ(j["hyperparameters"]["head_count_kv"], 2);
    EXPECT_EQ(j["memory"]["kv_cache_bytes"], expected_kv_bytes(2, 1000, 2, head_dim));
    EXPECT_EQ(j["file_type"]["name"], "Q8_0");
    EXPECT_EQ(j["tensors"]["by_type"]["q8_0"]["count"], 16);
    EXPECT_EQ(j["hyperparameters"]["rope_freq_base"], 1000000.0);
}

TEST(CliInspect, DefaultContextIsCappedAt4096) {
    const std::string path = fixture("models/tiny-qwen2-q4_k_m.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const nlohmann::json j = inspect_json(path);
    const uint64_t trained = j["hyperparameters"]["context_length"];
    EXPECT_EQ(j["memory"]["ctx_size"], std::min<uint64_t>(trained, 4096));
    EXPECT_EQ(j["file_type"]["name"], "Q4_K_M");
    EXPECT_TRUE(j["tensors"]["by_type"].contains("q4_K"));
    EXPECT_TRUE(j["tensors"]["by_type"].contains("q6_K"));
}

TEST(CliInspect, VocabOnlyFile) {
    const std::string path = fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const nlohmann::json j = inspect_json(path);
    EXPECT_EQ(j["tensors"]["count"], 0);
    EXPECT_EQ(j["tensors"]["bytes"], 0);
    const auto& t = j["tokenizer"];
    EXPECT_EQ(t["model"], "gpt2");
    EXPECT_EQ(t["pre"], "deepseek-r1-qwen");
    EXPECT_EQ(t["vocab_size"], 151936);
    EXPECT_EQ(t["bos_token_id"], 151646);
    EXPECT_EQ(t["eos_token_id"], 151643);
    EXPECT_GT(t["merges"].get<uint64_t>(), 100000u);
    EXPECT_EQ(t["chat_template"], true);
    EXPECT_TRUE(j["memory"]["kv_cache_bytes"].is_null());
    EXPECT_EQ(j["memory"]["total_bytes"], 0);
    std::string out;
    EXPECT_EQ(inspect(shell_quote(path), &out), 0) << out;
    EXPECT_NE(out.find("vocab-only"), std::string::npos) << out;
}

TEST(CliInspect, NoMmapReportsTheSame) {
    const std::string path = fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    EXPECT_EQ(inspect_json(path), inspect_json(path, "--no-mmap"));
}

TEST(CliInspect, EveryModelFixtureInspects) {
    const std::string dir = fixture("models");
    if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no fixtures in " << dir;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".gguf") continue;
        const nlohmann::json j = inspect_json(e.path().string());
        EXPECT_FALSE(j["memory"]["kv_cache_bytes"].is_null()) << e.path();
        EXPECT_GT(j["tensors"]["count"].get<uint64_t>(), 0u) << e.path();
    }
}

TEST(CliInspect, ErrorsAreOneLineAndNonZero) {
    TempDir dir;
    std::string out;
    EXPECT_NE(inspect(shell_quote(dir.file("missing.gguf")), &out), 0);
    EXPECT_NE(out.find("edgeseek: error:"), std::string::npos) << out;
    EXPECT_NE(out.find("cannot open file"), std::string::npos) << out;

    const std::string ggjt = dir.file("old.bin");
    std::ofstream(ggjt, std::ios::binary) << "tjgg" << std::string(60, '\x01');
    EXPECT_NE(inspect(shell_quote(ggjt), &out), 0);
    EXPECT_NE(out.find("GGJT"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;

    const std::string model = fixture("models/aidreams260K-f32.gguf");
    if (std::filesystem::exists(model)) {
        const std::string cut = dir.file("cut.gguf");
        std::filesystem::copy_file(model, cut);
        std::filesystem::resize_file(cut, std::filesystem::file_size(model) / 2);
        EXPECT_NE(inspect(shell_quote(cut), &out), 0);
        EXPECT_NE(out.find("truncated"), std::string::npos) << out;
        EXPECT_NE(out.find("tensor '"), std::string::npos) << out;
    }
    EXPECT_NE(inspect("--ctx-size 0 " + shell_quote(model), &out), 0) << out;
}

TEST(CliInspect, ListedInHelp) {
    std::string out;
    run_command(shell_quote(edgeseek_binary()) + " --help", &out);
    EXPECT_NE(out.find("inspect"), std::string::npos) << out;
}

}  // namespace
}  // namespace edgeseek::test
