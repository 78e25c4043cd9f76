// Round trip through the Hugging Face layout: the f32 fixture models (qwen2, llama, qwen3) are
// written out as sharded safetensors checkpoints with a config.json, as transformers lays them out
// (Llama's Q/K rows back in the rotate-half order), then converted by the real binary. Every
// tensor must come back bit for bit, under its llama.cpp name, with the original hyperparameters.
// This covers Qwen3 (q_norm/k_norm, key_length) for which no Hugging Face fixture exists.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "convert_testing.h"
#include "gguf/gguf_file.h"

namespace edgeseek {
namespace {

const std::map<std::string, std::string>& layer_names() {
    static const std::map<std::string, std::string> kNames = {
        {"attn_norm", "input_layernorm"},   {"attn_q", "self_attn.q_proj"},       {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},     {"attn_output", "self_attn.o_proj"},  {"attn_q_norm", "self_attn.q_norm"},
        {"attn_k_norm", "self_attn.k_norm"}, {"ffn_norm", "post_attention_layernorm"}, {"ffn_gate", "mlp.gate_proj"},
        {"ffn_up", "mlp.up_proj"},          {"ffn_down", "mlp.down_proj"},
    };
    return kNames;
}

std::string hf_name(const std::string& gguf) {
    if (gguf == "token_embd.weight") return "model.embed_tokens.weight";
    if (gguf == "output_norm.weight") return "model.norm.weight";
    if (gguf == "output.weight") return "lm_head.weight";
    const size_t a = gguf.find('.', 4), b = gguf.rfind('.');
    const std::string layer = gguf.substr(4, a - 4), kind = gguf.substr(a + 1, b - a - 1), suffix = gguf.substr(b);
    return "model.layers." + layer + "." + layer_names().at(kind) + suffix;
}

// Hugging Face keeps each Llama head's rotated pairs as [first halves; second halves].
std::vector<uint8_t> hf_rows(const TensorInfo& t, int64_t head_dim) {
    std::vector<uint8_t> out(t.data, t.data + t.nbytes);
    if (head_dim == 0) return out;
    const size_t row = t.nbytes / static_cast<size_t>(t.n_rows());
    for (int64_t r = 0; r < t.n_rows(); ++r) {
        const int64_t h = r / head_dim, w = r % head_dim;
        const int64_t hf = h * head_dim + (w % 2) * (head_dim / 2) + w / 2;
        std::memcpy(&out[static_cast<size_t>(hf) * row], t.data + static_cast<size_t>(r) * row, row);
    }
    return out;
}

nlohmann::json config_of(const GgufFile& g, const std::string& arch) {
    const std::string a = arch + ".";
    nlohmann::json c;
    c["architectures"] = {arch == "llama" ? "LlamaForCausalLM" : arch == "qwen2" ? "Qwen2ForCausalLM" : "Qwen3ForCausalLM"};
    c["hidden_size"] = g.require_uint(a + "embedding_length");
    c["intermediate_size"] = g.require_uint(a + "feed_forward_length");
    c["num_hidden_layers"] = g.require_uint(a + "block_count");
    c["num_attention_heads"] = g.require_uint(a + "attention.head_count");
    c["num_key_value_heads"] = g.require_uint(a + "attention.head_count_kv");
    c["max_position_embeddings"] = g.require_uint(a + "context_length");
    c["rope_theta"] = g.require_float(a + "rope.freq_base");
    c["rms_norm_eps"] = g.require_float(a + "attention.layer_norm_rms_epsilon");
    c["vocab_size"] = g.require_array("tokenizer.ggml.tokens", GgufType::STRING).count;
    if (auto kl = g.get_uint(a + "attention.key_length")) c["head_dim"] = *kl;
    c["tie_word_embeddings"] = g.find_tensor("output.weight") == nullptr;
    return c;
}

// Writes the GGUF's tensors as a two-shard checkpoint with index and config.json.
void write_checkpoint(const GgufFile& g, const std::string& arch, const std::string& dir) {
    const nlohmann::json cfg = config_of(g, arch);
    const int64_t head_dim = cfg.contains("head_dim") ? cfg["head_dim"].get<int64_t>()
                                                      : cfg["hidden_size"].get<int64_t>() / cfg["num_attention_heads"].get<int64_t>();
    std::vector<test::StTensor> shards[2];
    nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
    for (size_t k = 0; k < g.tensors().size(); ++k) {
        const TensorInfo& t = g.tensors()[k];
        const bool permute = arch == "llama" && (t.name.find("attn_q.") != std::string::npos || t.name.find("attn_k.") != std::string::npos);
        test::StTensor s{hf_name(t.name), "F32", std::vector<int64_t>(t.shape.rbegin(), t.shape.rend()),
                         hf_rows(t, permute ? head_dim : 0)};
        const size_t shard = k < g.tensors().size() / 2 ? 0 : 1;
        index["weight_map"][s.name] = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
        shards[shard].push_back(std::move(s));
    }
    for (size_t s = 0; s < 2; ++s) {
        test::write_bytes(dir + "/model-0000" + std::to_string(s + 1) + "-of-00002.safetensors", test::safetensors_bytes(shards[s]));
    }
    test::write_text(dir + "/model.safetensors.index.json", index.dump(2));
    test::write_text(dir + "/config.json", cfg.dump(2));
}

class ConvertRoundTrip : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(ConvertRoundTrip, TensorsComeBackBitForBit) {
    const auto [file, arch] = GetParam();
    const std::string path = test::fixture(std::string("models/") + file);
    EDGESEEK_REQUIRE_FIXTURE(path);
    const auto orig = GgufFile::open(path);
    test::TempDir tmp;
    write_checkpoint(*orig, arch, tmp.path());
    const std::string out = tmp.file("out.gguf");
    std::string log;
    // The fixtures' vocabulary is SentencePiece; take it from the original file.
    ASSERT_EQ(test::run_convert(test::shell_quote(tmp.path()) + " -o " + test::shell_quote(out) + " --outtype f32 --vocab " +
                                    test::shell_quote(path), &log), 0) << log;
    const auto got = GgufFile::open(out);
    ASSERT_EQ(got->tensors().size(), orig->tensors().size());
    for (const auto& t : orig->tensors()) {
        const TensorInfo* c = got->find_tensor(t.name);
        ASSERT_NE(c, nullptr) << "missing " << t.name;
        EXPECT_EQ(c->shape, t.shape) << t.name;
        ASSERT_EQ(c->type, GgmlType::F32) << t.name;
        EXPECT_EQ(std::memcmp(c->data, t.data, t.nbytes), 0) << t.name << " differs";
    }
    for (const auto& key : orig->keys()) {
        if (key.rfind(std::string(arch) + ".", 0) != 0) continue;
        ASSERT_TRUE(got->has(key)) << key;
        EXPECT_EQ(got->find(key)->to_display(), orig->find(key)->to_display()) << key;
    }
    EXPECT_EQ(got->get_string("general.architecture").value_or(""), arch);
}

INSTANTIATE_TEST_SUITE_P(ConvertArch, ConvertRoundTrip,
                         ::testing::Values(std::make_pair("tiny-qwen2-f32.gguf", "qwen2"),
                                           std::make_pair("tiny-llama-f32.gguf", "llama"),
                                           std::make_pair("tiny-qwen3-f32.gguf", "qwen3")),
                         [](const auto& info) { return std::string(info.param.second); });

}  // namespace
}  // namespace edgeseek
