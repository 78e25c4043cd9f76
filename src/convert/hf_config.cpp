#include "convert/hf_config.h"

#include <cmath>
#include <numbers>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgeseek {
namespace {

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
}

int64_t int_key(const nlohmann::json& j, const char* key, const std::string& where, std::optional<int64_t> fallback = {}) {
    const nlohmann::json* v = member(j, key);
    if (!v) {
        if (fallback) return *fallback;
        throw Error(std::string("'") + key + "' is missing", where, "config.json must describe the model's sizes");
    }
    if (!v->is_number_integer() || v->get<int64_t>() <= 0 || v->get<int64_t>() > (int64_t{1} << 31)) {
        throw Error(std::string("'") + key + "' must be a positive integer, not " + v->dump(), where, "fix config.json");
    }
    return v->get<int64_t>();
}

std::optional<double> float_key(const nlohmann::json& j, const char* key, const std::string& where) {
    const nlohmann::json* v = member(j, key);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw Error(std::string("'") + key + "' must be a number, not " + v->dump(), where, "fix config.json");
    return v->get<double>();
}

std::optional<int64_t> token_id_key(const nlohmann::json& j, const char* key) {
    const nlohmann::json* v = member(j, key);
    if (v && v->is_number_integer() && v->get<int64_t>() >= 0) return v->get<int64_t>();
    return std::nullopt;  // absent, or a list (several EOS ids): llama.cpp's converter ignores those too
}

HfArch arch_of(const nlohmann::json& j, const std::string& where, std::string* name) {
    const nlohmann::json* a = member(j, "architectures");
    if (!a || !a->is_array() || a->empty() || !(*a)[0].is_string()) {
        throw Error("'architectures' is missing", where,
                    std::string("config.json must name the model class, one of: ") + HfConfig::supported_architectures());
    }
    *name = (*a)[0].get<std::string>();
    if (*name == "LlamaForCausalLM") return HfArch::Llama;
    if (*name == "Qwen2ForCausalLM") return HfArch::Qwen2;
    if (*name == "Qwen3ForCausalLM") return HfArch::Qwen3;
    throw Error("unsupported architecture '" + *name + "'", where,
                std::string("edgeseek converts ") + HfConfig::supported_architectures());
}

void read_rope_scaling(const nlohmann::json& j, const std::string& where, HfConfig& c) {
    const nlohmann::json* rs = member(j, "rope_scaling");
    if (!rs) return;
    if (!rs->is_object()) throw Error("'rope_scaling' must be an object", where, "fix config.json");
    std::string type;
    if (const nlohmann::json* t = member(*rs, "rope_type"); t && t->is_string()) type = t->get<std::string>();
    else if (const nlohmann::json* t2 = member(*rs, "type"); t2 && t2->is_string()) type = t2->get<std::string>();
    const std::string rwhere = where + ": rope_scaling";
    if (type.empty() || type == "default") return;
    if (type == "llama3" && c.arch == HfArch::Llama) {
        Llama3RopeScaling s;
        s.factor = float_key(*rs, "factor", rwhere).value_or(s.factor);
        s.low_freq_factor = float_key(*rs, "low_freq_factor", rwhere).value_or(s.low_freq_factor);
        s.high_freq_factor = float_key(*rs, "high_freq_factor", rwhere).value_or(s.high_freq_factor);
        // transformers reads it from rope_scaling; some configs put it at the top level.
        s.original_context = float_key(*rs, "original_max_position_embeddings", rwhere)
                                 .value_or(float_key(j, "original_max_position_embeddings", where).value_or(s.original_context));
        if (s.low_freq_factor == s.high_freq_factor || !(s.factor > 0) || !(s.original_context > 0)) {
            throw Error("llama3 rope scaling needs factor > 0 and low_freq_factor != high_freq_factor", rwhere, "fix config.json");
        }
        c.llama3 = s;
        return;
    }
    if (type == "linear" || type == "yarn") {
        c.rope_scaling_type = type;
        c.rope_scaling_factor = float_key(*rs, "factor", rwhere).value_or(1.0);
        c.rope_scaling_original_ctx = int_key(*rs, "original_max_position_embeddings", rwhere, int64_t{0});
        return;
    }
    throw Error("rope scaling '" + type + "' is not supported for " + c.hf_arch, rwhere,
                "edgeseek converts llama3 scaling (Llama), linear and yarn");
}

}  // namespace

HfConfig HfConfig::from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) throw Error("config.json is not a JSON object", where, "the checkpoint is corrupt");
    HfConfig c;
    c.arch = arch_of(j, where, &c.hf_arch);
    c.gguf_arch = c.arch == HfArch::Llama ? "llama" : c.arch == HfArch::Qwen2 ? "qwen2" : "qwen3";
    c.n_embd = int_key(j, "hidden_size", where);
    c.n_ff = int_key(j, "intermediate_size", where);
    c.n_layer = int_key(j, "num_hidden_layers", where);
    c.n_head = int_key(j, "num_attention_heads", where);
    c.n_head_kv = int_key(j, "num_key_value_heads", where, c.n_head);
    c.explicit_head_dim = member(j, "head_dim") != nullptr;
    c.head_dim = int_key(j, "head_dim", where, c.n_embd / c.n_head);
    if (!c.explicit_head_dim && c.n_embd % c.n_head != 0) {
        throw Error("hidden_size " + std::to_string(c.n_embd) + " is not a multiple of num_attention_heads " +
                    std::to_string(c.n_head), where, "fix config.json or give head_dim");
    }
    if (c.n_head % c.n_head_kv != 0 || c.head_dim % 2 != 0) {
        throw Error("num_attention_heads must be a multiple of num_key_value_heads and head_dim even", where, "fix config.json");
    }
    c.n_vocab = int_key(j, "vocab_size", where, int64_t{0});
    c.n_ctx = int_key(j, "max_position_embeddings", where, int64_t{0});
    c.rope_theta = float_key(j, "rope_theta", where);
    c.rms_eps = float_key(j, "rms_norm_eps", where).value_or(1e-6);  // transformers' default
    if (const nlohmann::json* t = member(j, "tie_word_embeddings"); t && t->is_boolean()) c.tie_word_embeddings = t->get<bool>();
    read_rope_scaling(j, where, c);
    c.bos_id = token_id_key(j, "bos_token_id");
    c.eos_id = token_id_key(j, "eos_token_id");
    return c;
}

std::vector<float> llama3_rope_factors(const HfConfig& c) {
    const Llama3RopeScaling& s = *c.llama3;
    const float base = static_cast<float>(c.rope_theta.value_or(10000.0));
    const int64_t dim = c.head_dim;
    const float factor = static_cast<float>(s.factor);
    const float low = static_cast<float>(s.low_freq_factor);
    const float old_ctx = static_cast<float>(s.original_context);
    const float low_wavelen = static_cast<float>(s.original_context / s.low_freq_factor);
    const float high_wavelen = static_cast<float>(s.original_context / s.high_freq_factor);
    const float two_pi = static_cast<float>(2.0 * std::numbers::pi);
    std::vector<float> out;
    for (int64_t i = 0; i < dim; i += 2) {
        const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(dim));
        const float wavelen = two_pi / freq;
        if (wavelen < high_wavelen) {
            out.push_back(1.0f);
        } else if (wavelen > low_wavelen) {
            out.push_back(factor);
        } else {
            const float smooth = (old_ctx / wavelen - low) / static_cast<float>(s.high_freq_factor - s.low_freq_factor);
            out.push_back(1.0f / ((1.0f - smooth) / factor + smooth));
        }
    }
    return out;
}

}  // namespace edgeseek
