// --outtype with a quantized type: the checkpoint is converted, then quantized with
// `edgeseek quantize`'s per-tensor choices; the result must load, carry llama.cpp's file type,
// stay close to the f32 golden logits (q8_0), and leave no temporary file behind.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "convert_testing.h"
#include "engine/session.h"

namespace edgeseek {
namespace {

namespace fs = std::filesystem;

TEST(ConvertQuantized, Q8_0StaysCloseToGolden) {
    const std::string dir = test::fixture("hf/tiny-qwen2");
    const std::string golden = test::fixture("hf/golden-hf.json");
    EDGESEEK_REQUIRE_FIXTURE(dir);
    EDGESEEK_REQUIRE_FIXTURE(golden);
    test::TempDir tmp;
    const std::string out = tmp.file("q8.gguf");
    std::string log;
    ASSERT_EQ(test::run_convert(test::shell_quote(dir) + " -o " + test::shell_quote(out) + " --outtype q8_0", &log), 0) << log;
    for (const auto& e : fs::directory_iterator(tmp.path())) {
        EXPECT_EQ(e.path().filename(), "q8.gguf") << "temporary file left behind";
    }
    auto model = Model::load(out);
    EXPECT_EQ(model->file().get_uint("general.file_type").value_or(0), 7u);  // MOSTLY_Q8_0
    EXPECT_EQ(model->file().find_tensor("blk.0.ffn_up.weight")->type, GgmlType::Q8_0);
    EXPECT_EQ(model->file().find_tensor("blk.0.attn_norm.weight")->type, GgmlType::F32);
    const int64_t V = model->config().n_vocab;
    const auto goldens = test::read_json(golden);  // named: a temporary would die before the loop body
    for (const auto& e : goldens["files"]["tiny-qwen2"]) {
        const auto ids = e["prompt_ids"].get<std::vector<int32_t>>();
        if (ids.size() > 64) continue;
        Session s(*model, static_cast<int64_t>(ids.size()) + 1, 2);
        const std::vector<float> lg = s.eval(ids, true);
        for (size_t p = 0; p < ids.size(); ++p) {
            const auto top = e["positions"][p]["top_ids"].get<std::vector<int32_t>>();
            const auto want = e["positions"][p]["top_logits"].get<std::vector<double>>();
            for (size_t k = 0; k < top.size(); ++k) {
                EXPECT_NEAR(lg[p * static_cast<size_t>(V) + static_cast<size_t>(top[k])], want[k], 0.25)
                    << "position " << p << " token " << top[k];
            }
        }
    }
}

TEST(ConvertQuantized, Q4KMUsesTheQuantizersMixture) {
    test::TinyQwen2 m;
    m.hidden = 256;
    m.ffn = 512;
    m.heads = 4;
    m.kv_heads = 2;
    m.layers = 2;
    m.vocab = 64;
    test::TempDir in, tmp;
    m.write(in.path(), m.tensors());
    const std::string out = tmp.file("q4km.gguf");
    std::string log;
    ASSERT_EQ(test::run_convert(test::shell_quote(in.path()) + " -o " + test::shell_quote(out) + " --outtype q4_k_m", &log), 0) << log;
    const auto g = GgufFile::open(out);
    EXPECT_EQ(g->get_uint("general.file_type").value_or(0), 15u);  // MOSTLY_Q4_K_M
    EXPECT_EQ(g->find_tensor("blk.0.attn_q.weight")->type, GgmlType::Q4_K);
    EXPECT_EQ(g->find_tensor("output.weight")->type, GgmlType::Q6_K);
    EXPECT_EQ(g->find_tensor("blk.1.ffn_down.weight")->type, GgmlType::Q6_K);  // the last layer gets more bits
    EXPECT_EQ(g->find_tensor("blk.0.ffn_down.weight")->type, GgmlType::Q4_K);
    EXPECT_EQ(g->find_tensor("blk.0.attn_q.bias")->type, GgmlType::F32);
    EXPECT_FALSE(fs::exists(out + ".unquantized.tmp"));
}

}  // namespace
}  // namespace edgeseek
