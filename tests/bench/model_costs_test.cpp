// The cost accounting behind `edgeseek bench`'s ratios, checked against the GGUF tensor table
// read directly: decode reads every matrix (output included) once; a prompt pays the output
// projection once, not once per token; behind a context, decode reads the cached keys and
// values and a prompt's attention grows with the depth.
#include <gtest/gtest.h>

#include <string>

#include "bench/speed_bench.h"
#include "gguf/gguf_file.h"
#include "model/kv_cache.h"
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

    // Behind a context (bench -d): a decode step also reads every cached position's f16 keys
    // and values, 2 x 2 bytes x layers x KV heads x head size each, from the GGUF's own keys.
    const std::string arch = *gguf->get_string("general.architecture");
    const double layers = static_cast<double>(*gguf->get_int(arch + ".block_count"));
    const double heads = static_cast<double>(*gguf->get_int(arch + ".attention.head_count"));
    const auto kv_heads_key = gguf->get_int(arch + ".attention.head_count_kv");
    const double kv_heads = kv_heads_key ? static_cast<double>(*kv_heads_key) : heads;
    const double head_dim = static_cast<double>(*gguf->get_int(arch + ".embedding_length")) / heads;
    const double per_pos = 2 * 2 * layers * kv_heads * head_dim;
    EXPECT_DOUBLE_EQ(c.kv_bytes_per_position, per_pos) << file;
    EXPECT_DOUBLE_EQ(static_cast<double>(KvCache(model->config(), 100).bytes()), 100 * per_pos) << file;
    // 128 steps after 4096 cached tokens see 4097 .. 4224 positions: 4160.5 on average.
    EXPECT_DOUBLE_EQ(c.decode_bytes(4096, 128), bytes + per_pos * 4160.5) << file;
    EXPECT_DOUBLE_EQ(c.decode_bytes(0, 1), bytes + per_pos) << file;
    // A prompt's token i scores and weighs depth + i + 1 positions, in every query head:
    // head_dim multiply-adds each way.
    EXPECT_DOUBLE_EQ(c.attention_macs_per_pair, 2 * layers * heads * head_dim) << file;
    EXPECT_DOUBLE_EQ(c.prompt_attention_macs_per_token(100, 4) * 4, c.attention_macs_per_pair * (101 + 102 + 103 + 104))
        << file;
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
