// A loaded model: its config, weight views into the (mapped) GGUF file, and the forward pass.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "gguf/gguf_file.h"
#include "kernels/tensor_view.h"
#include "kernels/thread_pool.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/packed_cache.h"

namespace edgeseek {

struct LayerWeights {
    TensorView attn_norm, wq, wk, wv, wo, bq, bk, bv, q_norm, k_norm;
    TensorView ffn_norm, w_gate, w_up, w_down;
};

struct ModelWeights {
    TensorView token_embd, output_norm, output, rope_freqs;
    std::vector<LayerWeights> layers;
};

// One token of a forward batch: which sequence (KV region) it belongs to, its position there,
// and whether its logits are wanted.
struct BatchToken {
    int32_t token = 0;
    int32_t pos = 0;
    int32_t seq = 0;
    bool logits = false;
};

// Scratch memory of one forward pass; reused across calls to avoid per-token allocation.
struct ForwardScratch {
    std::vector<float> x, xn, q, k, v, attn, proj, up, hidden, scores, out_in, rope_cos, rope_sin;
    std::vector<float> keys;    // a prompt's cached keys converted for its attention (convert_keys_kernel)
    std::vector<float> values;  // and its values (convert_values_kernel)
};

struct LoadOptions {
    bool use_mmap = true;
    // Copy Q4_0/Q8_0 matrices into the interleaved layout of kernels/packed.h when this CPU has
    // kernels for it (AVX-512 VNNI): same bytes of memory as the file's copy, whose pages are
    // then released; costs one pass over those weights at load. false = plain mapped weights.
    bool repack = true;
    // Keep the repacked matrices in a cache file (model/packed_cache.h) and map it on later
    // loads of the same file, instead of repacking into anonymous memory each time.
    bool repack_cache = true;
    std::string repack_cache_dir;  // empty: packed_cache_dir()
    // Disk space a cache write must leave free beside it; empty: packed_cache_keep_free().
    std::optional<uint64_t> repack_cache_keep_free;
};

// Where the repacked matrices of a model live.
enum class PackedFrom { none, memory, cache_created, cache_mapped };

class Model {
public:
    static std::unique_ptr<Model> load(const std::string& path, const LoadOptions& opts = {});

    const ModelConfig& config() const { return config_; }
    const GgufFile& file() const { return *file_; }
    const ModelWeights& weights() const { return weights_; }
    // Bytes of weights held in the packed layout (0 when nothing was repacked).
    size_t packed_bytes() const { return packed_bytes_; }
    PackedFrom packed_from() const { return packed_from_; }

    // Runs the batch through the model, writing keys/values into cache, and returns the
    // logits of every token with logits=true, in batch order (n_vocab floats each).
    void forward(const std::vector<BatchToken>& batch, KvCache& cache, ThreadPool& pool,
                 ForwardScratch& scratch, std::vector<float>& logits) const;

private:
    Model() = default;
    void bind_weights();
    void repack_weights(const LoadOptions& opts);
    std::unique_ptr<GgufFile> file_;
    ModelConfig config_;
    ModelWeights weights_;
    std::vector<std::vector<float>> owned_;  // 1-D tensors converted to f32 at load
    AnonymousMemory packed_;                 // repacked matrices (LoadOptions::repack), or
    PackedCacheFile packed_file_;            // them in a cache file (LoadOptions::repack_cache)
    size_t packed_bytes_ = 0;
    PackedFrom packed_from_ = PackedFrom::none;
};

}  // namespace edgeseek
