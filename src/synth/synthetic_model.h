// Random-weight models in the real shapes of the R1 distills: what every speed claim is
// measured on. Weights are seeded (same seed, same file) and scaled so activations stay in
// a sane range through all layers.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "quantize/file_types.h"

namespace edgeseek {

struct ModelShape {
    const char* name;
    const char* arch;       // llama, qwen2, qwen3
    int64_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab;
    int64_t head_dim;       // 0: n_embd / n_head
    int64_t n_ctx;
    float rope_theta;
    bool tied_output;
    bool llama3_rope;       // rope_freqs tensor (R1-Distill-Llama-8B)
    double params() const;  // parameter count
};

const std::vector<ModelShape>& model_shapes();
const ModelShape* find_shape(const std::string& name);
std::string shape_names();

struct SynthOptions {
    std::string shape;
    std::string vocab_path;  // GGUF whose tokenizer.* metadata is copied (vocab-deepseek-r1-qwen.gguf)
    std::string out_path;
    FileTypeInfo file_type;
    uint64_t seed = 1;
    int n_threads = 1;
    bool force = false;
    // Called after each tensor: (tensors done, tensors total, bytes written so far).
    std::function<void(size_t, size_t, uint64_t)> progress;
};

// Writes the model (OUT.partial, renamed when complete). Returns the bytes written.
uint64_t write_synthetic_model(const SynthOptions& opts);

}  // namespace edgeseek
