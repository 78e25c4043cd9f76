// A Hugging Face config.json, reduced to what a GGUF needs, for the architectures edgeseek runs:
// Qwen2ForCausalLM (R1-Distill-Qwen), LlamaForCausalLM (R1-Distill-Llama), Qwen3ForCausalLM
// (R1-0528-Qwen3). Keys are read as transformers and llama.cpp's converter read them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgeseek {

enum class HfArch { Llama, Qwen2, Qwen3 };

struct Llama3RopeScaling {
    double factor = 8.0;
    double low_freq_factor = 1.0;
    double high_freq_factor = 4.0;
    double original_context = 8192.0;  // original_max_position_embeddings
};

struct HfConfig {
    std::string hf_arch;        // "Qwen2ForCausalLM"
    HfArch arch = HfArch::Llama;
    std::string gguf_arch;      // "qwen2"
    int64_t n_embd = 0, n_ff = 0, n_layer = 0, n_head = 0, n_head_kv = 0;
    int64_t head_dim = 0;       // config head_dim, else n_embd / n_head
    bool explicit_head_dim = false;
    int64_t n_vocab = 0;
    int64_t n_ctx = 0;          // max_position_embeddings (0 when absent)
    std::optional<double> rope_theta;
    double rms_eps = 1e-6;
    bool tie_word_embeddings = false;
    std::optional<Llama3RopeScaling> llama3;   // rope_scaling of type llama3
    std::string rope_scaling_type;             // "linear" / "yarn" (written as metadata), "" when none
    double rope_scaling_factor = 1.0;
    int64_t rope_scaling_original_ctx = 0;
    std::optional<int64_t> bos_id, eos_id;     // config.json bos_token_id / eos_token_id (ints only)

    // Throws Error naming the file and key when config.json is unusable, and for an architecture
    // other than the supported ones (naming it and listing those).
    static HfConfig from_json(const nlohmann::json& j, const std::string& where);
    static const char* supported_architectures() { return "LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM"; }
};

// llama.cpp's rope_freqs for llama3 scaling: one divisor per rotated pair (head_dim / 2 values),
// computed in float32 as its converter computes them.
std::vector<float> llama3_rope_factors(const HfConfig& c);

}  // namespace edgeseek
