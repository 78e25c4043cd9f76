// The per-tensor type rules on crafted models (no data is read while planning): llama.cpp's
// mixtures by layer position and GQA, --pure, fallbacks for rows that do not split into blocks.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "gguf/gguf_writer.h"
#include "quantize/file_types.h"
#include "quantize/tensor_types.h"

namespace edgeseek {
namespace {

struct CraftedModel {
    std::vector<uint8_t> bytes;
    std::unique_ptr<GgufFile> file;
};

// A llama-like model with n_layer layers: every weight [row, rows]; ffn_down rows ffn_row long.
CraftedModel craft(int n_layer, int64_t row, int64_t ffn_row, bool with_output) {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    auto zeros = [](uint8_t*) {};  // planning never reads data
    w.add_tensor("token_embd.weight", {row, 4}, GgmlType::F32, zeros);
    for (int l = 0; l < n_layer; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        w.add_tensor(b + "attn_norm.weight", {row}, GgmlType::F32, zeros);
        for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up"}) {
            w.add_tensor(b + n + ".weight", {row, 2}, GgmlType::F32, zeros);
        }
        w.add_tensor(b + "ffn_down.weight", {ffn_row, 2}, GgmlType::F32, zeros);
    }
    w.add_tensor("output_norm.weight", {row}, GgmlType::F32, zeros);
    if (with_output) w.add_tensor("output.weight", {row, 4}, GgmlType::F32, zeros);
    CraftedModel m;
    m.bytes = w.to_bytes();
    m.file = GgufFile::parse(MappedFile::from_memory(m.bytes.data(), m.bytes.size()));
    return m;
}

std::map<std::string, std::string> plan_types(const GgufFile& f, const std::string& type, int64_t n_layer,
                                              int64_t n_gqa = 1, bool pure = false, bool is_70b = false) {
    ModelLayout layout;
    layout.n_layer = n_layer;
    layout.n_gqa = n_gqa;
    layout.is_70b = is_70b;
    std::map<std::string, std::string> out;
    for (const auto& p : plan_tensor_types(f, layout, *file_type_from_name(type), pure)) out[p.in->name] = type_name(p.type);
    return out;
}

std::string layer_types(const std::map<std::string, std::string>& t, const std::string& tensor, int n_layer) {
    std::string s;
    for (int l = 0; l < n_layer; ++l) s += (l ? " " : "") + t.at("blk." + std::to_string(l) + "." + tensor + ".weight");
    return s;
}

// Bypasses the traits check: the rules are what is tested here, whatever quantizers exist.
bool k_quants_available() {
    for (GgmlType t : {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
        if (!type_traits(t)->from_float) return false;
    }
    return true;
}

TEST(QuantizeRules, UseMoreBitsMatchesLlamaCppLayers) {
    std::string picked;
    for (int i = 0; i < 32; ++i) {
        if (use_more_bits(i, 32)) picked += std::to_string(i) + " ";
    }
    EXPECT_EQ(picked, "0 1 2 3 6 9 12 15 18 21 24 27 28 29 30 31 ");
    EXPECT_FALSE(use_more_bits(0, 2));
    EXPECT_TRUE(use_more_bits(1, 2));
}

TEST(QuantizeRules, FileTypeNamesAndNumbers) {
    EXPECT_EQ(file_type_from_name("Q4_K_M")->llama_ftype, 15u);
    EXPECT_EQ(file_type_from_name("q4_k")->llama_ftype, 15u);
    EXPECT_EQ(file_type_from_name("q8_0")->llama_ftype, 7u);
    EXPECT_EQ(file_type_from_name("q4_0")->llama_ftype, 2u);
    EXPECT_EQ(file_type_from_name("f16")->llama_ftype, 1u);
    EXPECT_EQ(file_type_from_name("bf16")->llama_ftype, 32u);
    EXPECT_EQ(file_type_from_name("iq4_xs")->llama_ftype, 30u);
    EXPECT_FALSE(file_type_from_name("q4_k_x").has_value());
    EXPECT_EQ(all_file_types().size(), 19u);
}

TEST(QuantizeRules, Q4KMRaisesOutputAttnVAndFfnDownByLayer) {
    if (!k_quants_available()) GTEST_SKIP() << "k-quant quantizers are not in the traits table yet";
    const auto m = craft(8, 256, 512, true);
    const auto t = plan_types(*m.file, "q4_k_m", 8);
    EXPECT_EQ(t.at("output.weight"), "q6_K");
    EXPECT_EQ(t.at("token_embd.weight"), "q4_K");
    EXPECT_EQ(t.at("output_norm.weight"), "f32");
    EXPECT_EQ(t.at("blk.0.attn_norm.weight"), "f32");
    // use_more_bits(i, 8): layers 0, 3, 6, 7
    EXPECT_EQ(layer_types(t, "attn_v", 8), "q6_K q4_K q4_K q6_K q4_K q4_K q6_K q6_K");
    EXPECT_EQ(layer_types(t, "ffn_down", 8), "q6_K q4_K q4_K q6_K q4_K q4_K q6_K q6_K");
    EXPECT_EQ(layer_types(t, "attn_q", 8), "q4_K q4_K q4_K q4_K q4_K q4_K q4_K q4_K");
    EXPECT_EQ(layer_types(t, "attn_output", 8), "q4_K q4_K q4_K q4_K q4_K q4_K q4_K q4_K");
}

TEST(QuantizeRules, OtherMixtures) {
    if (!k_quants_available()) GTEST_SKIP() << "k-quant quantizers are not in the traits table yet";
    const auto m = craft(16, 256, 512, true);
    auto t = plan_types(*m.file, "q3_k_m", 16);
    EXPECT_EQ(layer_types(t, "attn_v", 4), "q5_K q5_K q4_K q4_K");
    EXPECT_EQ(layer_types(t, "ffn_down", 2), "q5_K q4_K");  // first 1/16 of the layers
    EXPECT_EQ(t.at("blk.3.attn_output.weight"), "q4_K");
    EXPECT_EQ(t.at("blk.3.attn_q.weight"), "q3_K");
    t = plan_types(*m.file, "q3_k_l", 16);
    EXPECT_EQ(t.at("blk.9.attn_v.weight"), "q5_K");
    EXPECT_EQ(t.at("blk.9.ffn_down.weight"), "q5_K");
    EXPECT_EQ(t.at("blk.9.attn_output.weight"), "q5_K");
    t = plan_types(*m.file, "q4_k_s", 16);
    EXPECT_EQ(layer_types(t, "attn_v", 5), "q5_K q5_K q5_K q5_K q4_K");
    EXPECT_EQ(layer_types(t, "ffn_down", 3), "q5_K q5_K q4_K");  // first 1/8
    t = plan_types(*m.file, "q2_k", 16, /*n_gqa=*/4);
    EXPECT_EQ(t.at("blk.5.attn_v.weight"), "q4_K");
    EXPECT_EQ(t.at("blk.5.ffn_down.weight"), "q3_K");
    EXPECT_EQ(t.at("blk.5.attn_output.weight"), "q3_K");
    EXPECT_EQ(t.at("blk.5.attn_q.weight"), "q2_K");
    t = plan_types(*m.file, "q2_k", 16, /*n_gqa=*/2);
    EXPECT_EQ(t.at("blk.5.attn_v.weight"), "q3_K");
    t = plan_types(*m.file, "q6_k", 16);
    EXPECT_EQ(t.at("output.weight"), "q6_K");
    EXPECT_EQ(t.at("blk.5.ffn_down.weight"), "q6_K");
    t = plan_types(*m.file, "q8_0", 16);
    EXPECT_EQ(t.at("output.weight"), "q8_0");
    t = plan_types(*m.file, "q4_0", 16);
    EXPECT_EQ(t.at("output.weight"), "q6_K");  // as llama-quantize does for the legacy types
    EXPECT_EQ(t.at("blk.0.ffn_down.weight"), "q4_0");
    // 70B: attn_v one step up from q4_K
    t = plan_types(*m.file, "q4_k_s", 16, 8, false, /*is_70b=*/true);
    EXPECT_EQ(t.at("blk.9.attn_v.weight"), "q5_K");
}

TEST(QuantizeRules, IQ4MixtureAndTiedEmbeddings) {
    if (!k_quants_available() || !type_traits(GgmlType::IQ4_XS)->from_float) GTEST_SKIP() << "quantizers missing";
    const auto m = craft(8, 256, 512, false);
    auto t = plan_types(*m.file, "iq4_xs", 8, /*n_gqa=*/4);
    EXPECT_EQ(t.at("token_embd.weight"), "q6_K");  // no output.weight: the embedding is the output
    EXPECT_EQ(t.at("blk.3.attn_v.weight"), "q5_K");
    EXPECT_EQ(layer_types(t, "ffn_down", 2), "q5_K iq4_xs");
    EXPECT_EQ(t.at("blk.3.attn_q.weight"), "iq4_xs");
}

TEST(QuantizeRules, PureKeepsEveryWeightInTheType) {
    const auto m = craft(4, 256, 512, true);
    const auto t = plan_types(*m.file, "q4_0", 4, 1, /*pure=*/true);
    for (const auto& [name, type] : t) {
        const bool vector = name.find("norm") != std::string::npos;
        EXPECT_EQ(type, vector ? "f32" : "q4_0") << name;
    }
}

TEST(QuantizeRules, RowsThatDoNotSplitIntoBlocksFallBack) {
    // aidreams260K's shape: n_embd 64, ffn 172.
    const auto m = craft(4, 64, 172, true);
    ModelLayout layout;
    layout.n_layer = 4;
    auto plan = plan_tensor_types(*m.file, layout, *file_type_from_name("q8_0"), false);
    std::map<std::string, const TensorPlan*> by_name;
    for (const auto& p : plan) by_name[p.in->name] = &p;
    EXPECT_EQ(type_name(by_name.at("blk.0.attn_q.weight")->type), "q8_0");
    const TensorPlan* down = by_name.at("blk.0.ffn_down.weight");
    EXPECT_EQ(type_name(down->type), "f16");
    EXPECT_EQ(type_name(down->wanted), "q8_0");
    EXPECT_NE(down->fallback.find("row length 172"), std::string::npos) << down->fallback;
    EXPECT_TRUE(by_name.at("blk.0.attn_q.weight")->fallback.empty());

    if (!k_quants_available()) GTEST_SKIP() << "k-quant quantizers are not in the traits table yet";
    plan = plan_tensor_types(*m.file, layout, *file_type_from_name("q4_k_m"), false);
    by_name.clear();
    for (const auto& p : plan) by_name[p.in->name] = &p;
    EXPECT_EQ(type_name(by_name.at("blk.1.attn_q.weight")->type), "q5_0");    // q4_K -> q5_0
    EXPECT_EQ(type_name(by_name.at("blk.0.attn_v.weight")->type), "q5_0");    // q4_K -> q5_0
    EXPECT_EQ(type_name(by_name.at("blk.2.attn_v.weight")->type), "q8_0");    // q6_K -> q8_0
    EXPECT_EQ(type_name(by_name.at("blk.0.ffn_down.weight")->type), "f16");   // 172: neither 256 nor 32
    EXPECT_EQ(type_name(by_name.at("output.weight")->type), "q8_0");          // llama.cpp's rule, no fallback
    EXPECT_TRUE(by_name.at("output.weight")->fallback.empty());
    plan = plan_tensor_types(*m.file, layout, *file_type_from_name("q2_k"), true);
    EXPECT_EQ(type_name(plan[2].type), "q4_0");  // blk.0.attn_q: q2_K -> q4_0
}

}  // namespace
}  // namespace edgeseek
