#include "convert/hf_tensors.h"

#include <set>

#include "convert/hf_checkpoint.h"
#include "convert/hf_config.h"
#include "core/error.h"

namespace edgeseek {
namespace {

enum class Dim { Embd, Ff, QOut, KvOut, HeadDim, Vocab };
// Qwen2 always has q/k/v biases (others may: Llama's attention_bias); only Qwen3 has q/k norms.
enum class Need { Always, Qwen2Bias, Qwen3Only };
enum class Permute { None, Q, K };

struct LayerTensor {
    const char* hf;    // after "model.layers.N."
    const char* gguf;  // after "blk.N."
    std::vector<Dim> shape;  // Hugging Face order
    Need need;
    Permute permute;
};

const std::vector<LayerTensor>& layer_tensors() {
    static const std::vector<LayerTensor> kTable = {
        {"input_layernorm.weight", "attn_norm.weight", {Dim::Embd}, Need::Always, Permute::None},
        {"self_attn.q_proj.weight", "attn_q.weight", {Dim::QOut, Dim::Embd}, Need::Always, Permute::Q},
        {"self_attn.q_proj.bias", "attn_q.bias", {Dim::QOut}, Need::Qwen2Bias, Permute::Q},
        {"self_attn.k_proj.weight", "attn_k.weight", {Dim::KvOut, Dim::Embd}, Need::Always, Permute::K},
        {"self_attn.k_proj.bias", "attn_k.bias", {Dim::KvOut}, Need::Qwen2Bias, Permute::K},
        {"self_attn.v_proj.weight", "attn_v.weight", {Dim::KvOut, Dim::Embd}, Need::Always, Permute::None},
        {"self_attn.v_proj.bias", "attn_v.bias", {Dim::KvOut}, Need::Qwen2Bias, Permute::None},
        {"self_attn.o_proj.weight", "attn_output.weight", {Dim::Embd, Dim::QOut}, Need::Always, Permute::None},
        {"self_attn.q_norm.weight", "attn_q_norm.weight", {Dim::HeadDim}, Need::Qwen3Only, Permute::None},
        {"self_attn.k_norm.weight", "attn_k_norm.weight", {Dim::HeadDim}, Need::Qwen3Only, Permute::None},
        {"post_attention_layernorm.weight", "ffn_norm.weight", {Dim::Embd}, Need::Always, Permute::None},
        {"mlp.gate_proj.weight", "ffn_gate.weight", {Dim::Ff, Dim::Embd}, Need::Always, Permute::None},
        {"mlp.up_proj.weight", "ffn_up.weight", {Dim::Ff, Dim::Embd}, Need::Always, Permute::None},
        {"mlp.down_proj.weight", "ffn_down.weight", {Dim::Embd, Dim::Ff}, Need::Always, Permute::None},
    };
    return kTable;
}

std::string shape_text(const std::vector<int64_t>& s) {
    std::string t = "[";
    for (size_t k = 0; k < s.size(); ++k) t += (k ? ", " : "") + std::to_string(s[k]);
    return t + "]";
}

class Planner {
public:
    Planner(const HfCheckpoint& ckpt, const HfConfig& cfg, int64_t n_vocab, GgmlType float_type)
        : ckpt_(ckpt), cfg_(cfg), n_vocab_(n_vocab), float_type_(float_type), plan_(std::make_unique<HfTensorPlan>()) {}

    std::unique_ptr<HfTensorPlan> run() {
        add("model.embed_tokens.weight", "token_embd.weight", {Dim::Vocab, Dim::Embd}, 0);
        if (cfg_.llama3) add_rope_freqs();
        for (int64_t il = 0; il < cfg_.n_layer; ++il) {
            const std::string hf = "model.layers." + std::to_string(il) + ".";
            const std::string gg = "blk." + std::to_string(il) + ".";
            for (const LayerTensor& lt : layer_tensors()) {
                if (!wanted(lt.need, hf + lt.hf)) continue;
                add(hf + lt.hf, gg + lt.gguf, lt.shape, permute_head_dim(lt.permute));
            }
        }
        add("model.norm.weight", "output_norm.weight", {Dim::Embd}, 0);
        plan_->tied = cfg_.tie_word_embeddings || !ckpt_.find("lm_head.weight");
        if (plan_->tied) used_.insert("lm_head.weight");
        else add("lm_head.weight", "output.weight", {Dim::Vocab, Dim::Embd}, 0);
        check_all_used();
        return std::move(plan_);
    }

private:
    bool wanted(Need need, const std::string& name) const {
        switch (need) {
            case Need::Always: return true;
            case Need::Qwen2Bias: return cfg_.arch == HfArch::Qwen2 || ckpt_.find(name) != nullptr;
            case Need::Qwen3Only: return cfg_.arch == HfArch::Qwen3;
        }
        return false;
    }

    int64_t permute_head_dim(Permute p) const {
        if (cfg_.arch != HfArch::Llama || p == Permute::None) return 0;
        return cfg_.head_dim;  // q: n_head groups; k: n_head_kv groups, both head_dim rows each
    }

    int64_t size_of(Dim d) const {
        switch (d) {
            case Dim::Embd: return cfg_.n_embd;
            case Dim::Ff: return cfg_.n_ff;
            case Dim::QOut: return cfg_.n_head * cfg_.head_dim;
            case Dim::KvOut: return cfg_.n_head_kv * cfg_.head_dim;
            case Dim::HeadDim: return cfg_.head_dim;
            case Dim::Vocab: return n_vocab_;
        }
        return 0;
    }

    void add(const std::string& hf, const std::string& gguf, const std::vector<Dim>& dims, int64_t permute) {
        const HfCheckpoint::Entry* e = ckpt_.find(hf);
        if (!e) {
            throw Error("tensor '" + hf + "' is missing", ckpt_.dir(),
                        "a " + cfg_.hf_arch + " checkpoint with this config.json has it; is a shard incomplete?");
        }
        const SafetensorsTensor& t = *e->tensor;
        const std::string origin = e->file->path() + ": tensor '" + hf + "'";
        std::vector<int64_t> want;
        for (Dim d : dims) want.push_back(size_of(d));
        if (t.shape != want) {
            throw Error("shape " + t.shape_string() + " differs from the " + shape_text(want) + " config.json implies", origin,
                        "the weights and config.json belong to different models");
        }
        if (t.dtype != SafetensorsDtype::F32 && t.dtype != SafetensorsDtype::F16 && t.dtype != SafetensorsDtype::BF16) {
            throw Error(std::string("dtype ") + safetensors_dtype_name(t.dtype) + " is not supported", origin,
                        "edgeseek converts F32, F16 and BF16 checkpoints");
        }
        TensorSource s;
        s.name = gguf;
        s.shape.assign(want.rbegin(), want.rend());
        s.type = tensor_output_type(gguf, want.size(), float_type_);
        s.dtype = t.dtype;
        s.data = t.data;
        s.permute_head_dim = permute;
        s.origin = origin;
        s.mapped = e->file->is_mapped();
        plan_->tensors.push_back(std::move(s));
        used_.insert(hf);
    }

    void add_rope_freqs() {
        plan_->rope_factors = llama3_rope_factors(cfg_);
        TensorSource s;
        s.name = "rope_freqs.weight";
        s.shape = {static_cast<int64_t>(plan_->rope_factors.size())};
        s.type = GgmlType::F32;
        s.dtype = SafetensorsDtype::F32;
        s.data = reinterpret_cast<const uint8_t*>(plan_->rope_factors.data());
        s.origin = "rope_freqs (computed from config.json rope_scaling)";
        plan_->tensors.push_back(std::move(s));
    }

    void check_all_used() const {
        for (const auto& [name, entry] : ckpt_.tensors()) {
            const std::string inv = "rotary_emb.inv_freq";  // a cache some exports include; recomputed at run time
            if (used_.count(name) || (name.size() > inv.size() && name.compare(name.size() - inv.size(), inv.size(), inv) == 0)) {
                continue;
            }
            throw Error("tensor '" + name + "' is not part of a " + cfg_.hf_arch + " model as edgeseek runs it",
                        entry.file->path(), "check config.json (num_hidden_layers, architectures) against the weights");
        }
    }

    const HfCheckpoint& ckpt_;
    const HfConfig& cfg_;
    int64_t n_vocab_;
    GgmlType float_type_;
    std::unique_ptr<HfTensorPlan> plan_;
    std::set<std::string> used_;
};

}  // namespace

std::unique_ptr<HfTensorPlan> plan_hf_tensors(const HfCheckpoint& ckpt, const HfConfig& cfg, int64_t n_vocab,
                                              GgmlType float_type) {
    return Planner(ckpt, cfg, n_vocab, float_type).run();
}

GgmlType hf_source_type(const HfCheckpoint& ckpt) {
    const HfCheckpoint::Entry* e = ckpt.find("model.embed_tokens.weight");
    if (!e) return GgmlType::F32;
    switch (e->tensor->dtype) {
        case SafetensorsDtype::F16: return GgmlType::F16;
        case SafetensorsDtype::BF16: return GgmlType::BF16;
        default: return GgmlType::F32;
    }
}

}  // namespace edgeseek
