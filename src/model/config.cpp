#include "model/config.h"

#include <cstdio>

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace edgeseek {

namespace {
int64_t positive(const GgufFile& f, const std::string& key, uint64_t v, uint64_t max) {
    if (v == 0 || v > max) {
        throw Error("value " + std::to_string(v) + " is out of range (1.." + std::to_string(max) + ")", f.where_key(key),
                    "the file's hyperparameters are corrupt");
    }
    return static_cast<int64_t>(v);
}
}  // namespace

ModelConfig ModelConfig::from_gguf(const GgufFile& f) {
    ModelConfig c;
    c.arch_name = f.require_string("general.architecture");
    if (c.arch_name == "llama") {
        c.arch = Architecture::Llama;
    } else if (c.arch_name == "qwen2") {
        c.arch = Architecture::Qwen2;
        c.rope_neox = true;
        c.qkv_bias = true;
    } else if (c.arch_name == "qwen3") {
        c.arch = Architecture::Qwen3;
        c.rope_neox = true;
        c.qk_norm = true;
    } else {
        throw Error("unsupported architecture '" + c.arch_name + "'", f.where_key("general.architecture"),
                    std::string("edgeseek runs ") + supported_architectures());
    }
    c.name = f.get_string("general.name").value_or("");
    const std::string a = c.arch_name + ".";
    c.n_embd = positive(f, a + "embedding_length", f.require_uint(a + "embedding_length"), 1 << 16);
    c.n_layer = positive(f, a + "block_count", f.require_uint(a + "block_count"), 1024);
    c.n_ff = positive(f, a + "feed_forward_length", f.require_uint(a + "feed_forward_length"), 1 << 20);
    c.n_head = positive(f, a + "attention.head_count", f.require_uint(a + "attention.head_count"), 1024);
    c.n_head_kv = positive(f, a + "attention.head_count_kv",
                           f.get_uint(a + "attention.head_count_kv").value_or(static_cast<uint64_t>(c.n_head)), 1024);
    c.n_ctx_train = positive(f, a + "context_length", f.require_uint(a + "context_length"), 1 << 24);
    if (c.n_head % c.n_head_kv != 0) {
        throw Error("head_count " + std::to_string(c.n_head) + " is not a multiple of head_count_kv " +
                        std::to_string(c.n_head_kv),
                    f.where_key(a + "attention.head_count_kv"), "the file's hyperparameters are corrupt");
    }
    if (auto kl = f.get_uint(a + "attention.key_length")) {
        c.head_dim = positive(f, a + "attention.key_length", *kl, 1 << 12);
        if (auto vl = f.get_uint(a + "attention.value_length"); vl && *vl != *kl) {
            throw Error("value_length " + std::to_string(*vl) + " differs from key_length " + std::to_string(*kl),
                        f.where_key(a + "attention.value_length"), "models with different K and V head sizes are not supported");
        }
    } else {
        if (c.n_embd % c.n_head != 0) {
            throw Error("embedding_length " + std::to_string(c.n_embd) + " is not a multiple of head_count " +
                            std::to_string(c.n_head),
                        f.where_key(a + "attention.head_count"), "the file's hyperparameters are corrupt");
        }
        c.head_dim = c.n_embd / c.n_head;
    }
    c.n_rot = positive(f, a + "rope.dimension_count",
                       f.get_uint(a + "rope.dimension_count").value_or(static_cast<uint64_t>(c.head_dim)),
                       static_cast<uint64_t>(c.head_dim));
    if (c.n_rot % 2 != 0) {
        throw Error("rope.dimension_count must be even", f.where_key(a + "rope.dimension_count"), "the file is corrupt");
    }
    c.rope_freq_base = static_cast<float>(f.get_float(a + "rope.freq_base").value_or(10000.0));
    c.norm_eps = static_cast<float>(f.require_float(a + "attention.layer_norm_rms_epsilon"));
    if (!(c.rope_freq_base > 0.0f) || !(c.norm_eps > 0.0f && c.norm_eps < 1.0f)) {
        throw Error("rope.freq_base or layer_norm_rms_epsilon is out of range", f.path(), "the file's hyperparameters are corrupt");
    }
    const std::string scaling = f.get_string(a + "rope.scaling.type").value_or("none");
    if (scaling == "linear") {
        const double factor = f.get_float(a + "rope.scaling.factor").value_or(1.0);
        if (!(factor > 0.0)) throw Error("rope.scaling.factor must be positive", f.where_key(a + "rope.scaling.factor"));
        c.rope_freq_scale = static_cast<float>(1.0 / factor);
    } else if (scaling != "none" && scaling != "llama3") {
        // llama3 scaling comes as the rope_freqs tensor; YaRN and others are not implemented.
        std::fprintf(stderr, "edgeseek: warning: rope scaling '%s' is not supported; positions beyond the "
                             "training context will be less accurate\n", scaling.c_str());
    }
    return c;
}

}  // namespace edgeseek
