// The cost accounting behind `edgeseek bench`'s ratios, checked against the GGUF tensor table
// read directly: decode reads every matrix (output included) once; a prompt pays the output
// projection once, not once per token.
#include <gtest/gtest.h>

#include <string>

#include "bench/speed_bench.h"
#include "gguf/gguf_file.h"
#include "quant/types.h"
#include "test_support.h"

namespace edgeseek {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void check_costs(const std::string& file) {
    const std::string path = test::fixture("models/" + file);
    EDGESEEK_REQUIRE_FIXTURE(path);
    const auto gguf = GgufFile::open(path);
    const bool tied = gguf->find_tensor("output.weight") == nullptr;  // the embedding doubles as output
    double layer_macs = 0, output_macs = 0, bytes = 0;
    for (const TensorInfo& t : gguf->tensors()) {
        if (t.shape.size() != 2) continue;  // norms, biases
        const double macs = static_cast<double>(t.shape.at(0)) * static_cast<double>(t.shape.at(1));
        const TypeTraits* tt = type_traits(t.type);
        const double tbytes = macs / static_cast<double>(tt->block_size) * static_cast<double>(tt->type_size);
        const bool output = t.name == (tied ? "token_embd.weight" : "output.weight");
        bool layer = false;
        for (const char* m : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"})
            layer |= t.name.rfind("blk.", 0) == 0 && ends_with(t.name, std::string(".") + m + ".weight");
        if (output) output_macs += macs, bytes += tbytes;
        if (layer) layer_macs += macs, bytes += tbytes;
    }
    ASSERT_GT(layer_macs, 0.0);
    ASSERT_GT(output_macs, 0.0);

    const auto model = Model::load(path);
    const ModelCosts c = model_costs(*model);
    EXPECT_DOUBLE_EQ(c.layer_macs, layer_macs) << file;
    EXPECT_DOUBLE_EQ(c.output_macs, output_macs) << file;
    EXPECT_DOUBLE_EQ(c.weight_bytes, bytes) << file;
    EXPECT_DOUBLE_EQ(c.decode_macs(), layer_macs + output_macs);
    // 512 prompt tokens: the layers 512 times, the output projection once.
    EXPECT_DOUBLE_EQ(c.prompt_macs_per_token(512) * 512, layer_macs * 512 + output_macs);
    EXPECT_DOUBLE_EQ(c.prompt_macs_per_token(1), c.decode_macs());
}

TEST(ModelCosts, MatchTheTensorTable) {
    for (const char* f : {"tiny-qwen2-f32.gguf", "tiny-llama-q8_0.gguf", "tiny-llama-q4_k_m.gguf", "aidreams260K-f32.gguf"})
        check_costs(f);
}

// bench measures the read bandwidth just before each counted decode repetition: the hook runs
// once per repetition (not for the warm-up), each time before that repetition's tokens.
TEST(SpeedBench, GenerationRunsTheHookBeforeEachCountedRepetition) {
    const std::string path = test::fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const auto model = Model::load(path);
    int calls = 0;
    const SpeedStat st = measure_generation_speed(*model, 3, 4, 1, [&] { ++calls; });
    EXPECT_EQ(calls, 4);
    ASSERT_EQ(st.runs.size(), 4u);
    for (double tps : st.runs) EXPECT_GT(tps, 0.0);
}

}  // namespace
}  // namespace edgeseek
