// What the model is: hyperparameters read from GGUF metadata and validated once.
#pragma once
#include <cstdint>
#include <string>

namespace edgeseek {

class GgufFile;

enum class Architecture { Llama, Qwen2, Qwen3 };

struct ModelConfig {
    Architecture arch = Architecture::Llama;
    std::string arch_name;     // general.architecture
    std::string name;          // general.name (may be empty)
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;
    int64_t head_dim = 0;      // key_length (= value_length here)
    int64_t n_ff = 0;
    int64_t n_ctx_train = 0;
    int64_t n_rot = 0;         // rope.dimension_count
    float rope_freq_base = 10000.0f;
    float rope_freq_scale = 1.0f;  // linear scaling: 1 / rope.scaling.factor
    bool rope_neox = false;        // Qwen2/Qwen3 rotate (i, i+d/2) pairs; Llama (2i, 2i+1)
    float norm_eps = 1e-5f;
    bool qkv_bias = false;     // Qwen2
    bool qk_norm = false;      // Qwen3: per-head RMS norm on q and k before RoPE

    // Reads <arch>.* keys; throws Error naming the missing/invalid key.
    static ModelConfig from_gguf(const GgufFile& file);
    static const char* supported_architectures() { return "llama, qwen2, qwen3"; }

    // Bytes of an f16 K+V cache for n_ctx positions of one sequence.
    uint64_t kv_bytes(int64_t n_ctx) const {
        return 2ull * 2ull * static_cast<uint64_t>(n_layer * n_ctx * n_head_kv * head_dim);
    }
};

}  // namespace edgeseek
