#include "quantize/tensor_types.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/error.h"
#include "model/config.h"

namespace edgeseek {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Dimensions that count: trailing 1s do not (ggml_n_dims), so [4096, 1] is a vector.
size_t n_dims(const TensorInfo& t) {
    size_t n = t.shape.size();
    while (n > 1 && t.shape[n - 1] == 1) --n;
    return n;
}

int64_t block_of(GgmlType t) { return type_traits(t)->block_size; }

// The tensors whose type the mixtures adjust, told apart by name as llama.cpp does.
enum class Role { Output, TokenEmbd, AttnV, FfnDown, AttnOutput, AttnQkv, Other };

Role role_of(const std::string& name, bool has_output) {
    if (name == "output.weight") return Role::Output;
    if (name == "token_embd.weight") return has_output ? Role::TokenEmbd : Role::Output;  // tied
    if (contains(name, "attn_v.weight")) return Role::AttnV;
    if (contains(name, "ffn_down")) return Role::FfnDown;
    if (contains(name, "attn_output.weight")) return Role::AttnOutput;
    if (contains(name, "attn_qkv.weight")) return Role::AttnQkv;
    return Role::Other;
}

// The layer a tensor belongs to ("blk.N."), -1 for the others.
int64_t layer_of(const std::string& name) {
    long long layer = -1;
    if (std::sscanf(name.c_str(), "blk.%lld.", &layer) != 1) return -1;
    return layer;
}

// llama.cpp numbers attn_v and ffn_down tensors by counting them in its tensor order, which is
// by layer; rank them the same way so a file whose tensors are stored in another order gets
// the same mixture.
std::map<std::string, int64_t> rank_by_layer(const std::vector<TensorInfo>& tensors, Role role, bool has_output) {
    std::vector<std::pair<int64_t, std::string>> keys;
    for (const auto& t : tensors) {
        if (tensor_is_quantizable(t) && role_of(t.name, has_output) == role) keys.emplace_back(layer_of(t.name), t.name);
    }
    std::sort(keys.begin(), keys.end());
    std::map<std::string, int64_t> rank;
    for (size_t k = 0; k < keys.size(); ++k) rank[keys[k].second] = static_cast<int64_t>(k);
    return rank;
}

struct MixtureState {
    ModelLayout layout;
    bool has_output = false;
    int64_t n_attn_v = 0;  // attn_v + fused qkv tensors, as llama.cpp counts them
    std::map<std::string, int64_t> attn_v_rank, ffn_down_rank;
};

GgmlType output_type(const FileTypeInfo& ft, const TensorInfo& t) {
    if (t.shape[0] % block_of(ft.base) != 0) return GgmlType::Q8_0;
    return ft.base == GgmlType::Q8_0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
}

GgmlType attn_v_type(const FileTypeInfo& ft, const MixtureState& m, int64_t i) {
    GgmlType t = ft.base;
    switch (ft.id) {
        case FileType::Q2_K: t = m.layout.n_gqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K; break;
        case FileType::Q3_K_M: t = i < 2 ? GgmlType::Q5_K : GgmlType::Q4_K; break;
        case FileType::Q3_K_L: t = GgmlType::Q5_K; break;
        case FileType::IQ4_NL:
        case FileType::IQ4_XS: if (m.layout.n_gqa >= 4) t = GgmlType::Q5_K; break;
        case FileType::Q4_K_M:
        case FileType::Q5_K_M: if (use_more_bits(i, m.n_attn_v)) t = GgmlType::Q6_K; break;
        case FileType::Q4_K_S: if (i < 4) t = GgmlType::Q5_K; break;
        default: break;
    }
    // 70B models share each attn_v among 8 query heads: the tensor is small, the gain large.
    if (m.layout.is_70b && (t == GgmlType::Q3_K || t == GgmlType::Q4_K)) t = GgmlType::Q5_K;
    return t;
}

GgmlType ffn_down_type(const FileTypeInfo& ft, int64_t i, int64_t n) {
    switch (ft.id) {
        case FileType::Q2_K: return GgmlType::Q3_K;
        case FileType::Q3_K_M: return i < n / 16 ? GgmlType::Q5_K : GgmlType::Q4_K;
        case FileType::Q3_K_L: return GgmlType::Q5_K;
        case FileType::Q4_K_M:
        case FileType::Q5_K_M: return use_more_bits(i, n) ? GgmlType::Q6_K : ft.base;
        case FileType::Q4_K_S:
        case FileType::IQ4_NL:
        case FileType::IQ4_XS: return i < n / 8 ? GgmlType::Q5_K : ft.base;
        default: return ft.base;
    }
}

GgmlType attn_output_type(const FileTypeInfo& ft) {
    switch (ft.id) {
        case FileType::Q2_K: return GgmlType::Q3_K;
        case FileType::Q3_K_M: return GgmlType::Q4_K;
        case FileType::Q3_K_L: return GgmlType::Q5_K;
        default: return ft.base;
    }
}

GgmlType attn_qkv_type(const FileTypeInfo& ft) {
    switch (ft.id) {
        case FileType::Q3_K_M:
        case FileType::Q3_K_L: return GgmlType::Q4_K;
        case FileType::Q4_K_M: return GgmlType::Q5_K;
        case FileType::Q5_K_M: return GgmlType::Q6_K;
        default: return ft.base;
    }
}

GgmlType mixture_type(const FileTypeInfo& ft, const MixtureState& m, const TensorInfo& t) {
    switch (role_of(t.name, m.has_output)) {
        case Role::Output: return output_type(ft, t);
        case Role::AttnV: return attn_v_type(ft, m, m.attn_v_rank.at(t.name));
        case Role::FfnDown: return ffn_down_type(ft, m.ffn_down_rank.at(t.name), m.layout.n_layer);
        case Role::AttnOutput: return attn_output_type(ft);
        case Role::AttnQkv: return attn_qkv_type(ft);
        case Role::TokenEmbd:
        case Role::Other: break;
    }
    return ft.base;
}

// The nearest type with a 32-value block for a 256-value one (by bits per weight; llama.cpp's
// table, with q2_K/q3_K going to q4_0 as current llama.cpp does).
GgmlType narrower_block_type(GgmlType t) {
    switch (t) {
        case GgmlType::Q2_K:
        case GgmlType::Q3_K: return GgmlType::Q4_0;
        case GgmlType::Q4_K: return GgmlType::Q5_0;
        case GgmlType::Q5_K: return GgmlType::Q5_1;
        case GgmlType::Q6_K: return GgmlType::Q8_0;
        case GgmlType::IQ4_XS: return GgmlType::IQ4_NL;
        default: return GgmlType::F16;
    }
}

// Applies the fallback to plan.wanted; records why in plan.fallback.
void fit_row_length(TensorPlan& p) {
    const int64_t n = p.in->shape[0];
    p.type = p.wanted;
    if (n % block_of(p.wanted) == 0) return;
    const std::string why = "row length " + std::to_string(n) + " is not a multiple of " +
                            std::to_string(block_of(p.wanted)) + " (" + type_name(p.wanted) + ")";
    GgmlType t = narrower_block_type(p.wanted);
    if (n % block_of(t) == 0) {
        p.type = t;
        p.fallback = why;
        return;
    }
    p.fallback = why + (t == GgmlType::F16 ? "" : " nor of " + std::to_string(block_of(t)) + " (" + type_name(t) + ")");
    p.type = GgmlType::F16;
}

void check_available(const std::string& source, const TensorPlan& p) {
    if (!p.convert) return;
    const TypeTraits* out = type_traits(p.type);
    if (!out || !out->from_float) {
        throw Error("edgeseek has no quantizer for type " + type_name(p.type) + " yet", "tensor '" + p.in->name + "'",
                    "choose another TYPE, or --pure to keep every weight in TYPE");
    }
    const TypeTraits* src = type_traits(p.in->type);
    if (!src || !src->to_float) {
        throw Error("cannot read tensor type " + type_name(p.in->type) + " (no dequantizer)",
                    source + ": tensor '" + p.in->name + "'", "quantize from an f32, f16 or bf16 file");
    }
}

}  // namespace

bool use_more_bits(int64_t i_layer, int64_t n_layer) {
    return i_layer < n_layer / 8 || i_layer >= 7 * n_layer / 8 || (i_layer - n_layer / 8) % 3 == 2;
}

bool tensor_is_quantizable(const TensorInfo& t) {
    const std::string& n = t.name;
    if (n_dims(t) < 2 || !ends_with(n, "weight")) return false;
    // Norms, the MoE router, learned position / token-type tables, Mamba's conv1d and T5's
    // relative position bias are small and sensitive: llama.cpp keeps them as they are.
    for (const char* keep : {"_norm.weight", "ffn_gate_inp.weight", "position_embd.weight", "token_types.weight",
                             "ssm_conv1d.weight", "attn_rel_b.weight"}) {
        if (contains(n, keep)) return false;
    }
    return true;
}

ModelLayout ModelLayout::from_gguf(const GgufFile& file) {
    const ModelConfig c = ModelConfig::from_gguf(file);
    ModelLayout l;
    l.n_layer = c.n_layer;
    l.n_gqa = c.n_head / c.n_head_kv;
    l.is_70b = c.n_layer == 80 && (c.arch == Architecture::Qwen2 || (c.arch == Architecture::Llama && c.n_head != c.n_head_kv));
    return l;
}

std::vector<TensorPlan> plan_tensor_types(const GgufFile& in, const FileTypeInfo& ft, bool pure) {
    return plan_tensor_types(in, ModelLayout::from_gguf(in), ft, pure);
}

std::vector<TensorPlan> plan_tensor_types(const GgufFile& in, const ModelLayout& layout, const FileTypeInfo& ft,
                                          bool pure) {
    return plan_tensor_types(in.tensors(), layout, ft, pure, in.path());
}

std::vector<TensorPlan> plan_tensor_types(const std::vector<TensorInfo>& tensors, const ModelLayout& layout,
                                          const FileTypeInfo& ft, bool pure, const std::string& source) {
    MixtureState m;
    m.layout = layout;
    for (const auto& t : tensors) {
        m.has_output = m.has_output || t.name == "output.weight";
        if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") || contains(t.name, "attn_kv_b.weight")) {
            ++m.n_attn_v;
        }
    }
    m.attn_v_rank = rank_by_layer(tensors, Role::AttnV, m.has_output);
    m.ffn_down_rank = rank_by_layer(tensors, Role::FfnDown, m.has_output);
    const bool mixture = !pure && type_traits(ft.base)->quantized;

    std::vector<TensorPlan> plan;
    plan.reserve(tensors.size());
    for (const auto& t : tensors) {
        TensorPlan p;
        p.in = &t;
        p.type = p.wanted = t.type;
        if (tensor_is_quantizable(t)) {
            p.wanted = mixture ? mixture_type(ft, m, t) : ft.base;
            fit_row_length(p);
            p.convert = p.type != t.type;
        }
        check_available(source, p);
        plan.push_back(std::move(p));
    }
    return plan;
}

}  // namespace edgeseek
