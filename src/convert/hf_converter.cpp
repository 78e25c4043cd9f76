#include "convert/hf_converter.h"

#include "convert/hf_vocab.h"
#include "core/error.h"
#include "gguf/gguf_file.h"

namespace edgeseek {
namespace {

std::string base_name(const std::string& dir) {
    const size_t slash = dir.find_last_of('/');
    return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

int64_t vocab_size_of(const HfCheckpoint& ckpt, const HfConfig& cfg) {
    if (cfg.n_vocab > 0) return cfg.n_vocab;
    const HfCheckpoint::Entry* e = ckpt.find("model.embed_tokens.weight");
    if (!e || e->tensor->shape.size() != 2 || e->tensor->shape[0] <= 0) {
        throw Error("config.json has no vocab_size and model.embed_tokens.weight is missing or not 2-D", ckpt.dir(),
                    "the checkpoint is incomplete");
    }
    return e->tensor->shape[0];
}

// Every tokenizer.* key of a GGUF made by llama.cpp (a vocab-only file works), checked to cover
// exactly this model's vocabulary.
void copy_tokenizer_keys(const std::string& path, int64_t n_vocab, GgufWriter& w, std::string* pre) {
    const auto g = GgufFile::open(path, true);
    const GgufValue& tokens = g->require_array("tokenizer.ggml.tokens", GgufType::STRING);
    if (static_cast<int64_t>(tokens.count) != n_vocab) {
        throw Error("its vocabulary has " + std::to_string(tokens.count) + " tokens, the model " + std::to_string(n_vocab),
                    path, "use the vocabulary GGUF of the same model family");
    }
    for (const auto& key : g->keys()) {
        if (key.rfind("tokenizer.", 0) == 0) w.set(key, *g->find(key));
    }
    *pre = g->get_string("tokenizer.ggml.pre").value_or("");
}

}  // namespace

HfConversion::HfConversion(const std::string& dir, const ConvertOptions& opts) : opts_(opts) {
    ckpt_ = HfCheckpoint::open(dir);
    cfg_ = HfConfig::from_json(ckpt_->config(), ckpt_->path("config.json"));  // the architecture first
    ckpt_->map_weights();
    n_vocab_ = vocab_size_of(*ckpt_, cfg_);
    type_ = resolve_output_type(opts.out_type, hf_source_type(*ckpt_));
    plan_ = plan_hf_tensors(*ckpt_, cfg_, n_vocab_, type_.float_type);
    write_model_metadata(opts.name.empty() ? base_name(ckpt_->dir()) : opts.name);
    write_tokenizer_metadata();
}

void HfConversion::write_model_metadata(const std::string& name) {
    GgufWriter& w = writer_;
    const std::string a = cfg_.gguf_arch + ".";
    w.set_string("general.architecture", cfg_.gguf_arch);
    w.set_string("general.type", "model");
    w.set_string("general.name", name);
    w.set_u32("general.file_type", type_.file_type.llama_ftype);
    w.set_u32(a + "block_count", static_cast<uint32_t>(cfg_.n_layer));
    if (cfg_.n_ctx > 0) w.set_u32(a + "context_length", static_cast<uint32_t>(cfg_.n_ctx));
    w.set_u32(a + "embedding_length", static_cast<uint32_t>(cfg_.n_embd));
    w.set_u32(a + "feed_forward_length", static_cast<uint32_t>(cfg_.n_ff));
    w.set_u32(a + "attention.head_count", static_cast<uint32_t>(cfg_.n_head));
    w.set_u32(a + "attention.head_count_kv", static_cast<uint32_t>(cfg_.n_head_kv));
    if (cfg_.rope_theta) w.set_f32(a + "rope.freq_base", static_cast<float>(*cfg_.rope_theta));
    w.set_f32(a + "attention.layer_norm_rms_epsilon", static_cast<float>(cfg_.rms_eps));
    if (cfg_.explicit_head_dim || cfg_.arch == HfArch::Qwen3) {
        w.set_u32(a + "attention.key_length", static_cast<uint32_t>(cfg_.head_dim));
        w.set_u32(a + "attention.value_length", static_cast<uint32_t>(cfg_.head_dim));
    }
    if (cfg_.arch == HfArch::Llama) {
        w.set_u32("llama.vocab_size", static_cast<uint32_t>(n_vocab_));
        w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(cfg_.head_dim));
    }
    if (!cfg_.rope_scaling_type.empty()) {
        w.set_string(a + "rope.scaling.type", cfg_.rope_scaling_type);
        w.set_f32(a + "rope.scaling.factor", static_cast<float>(cfg_.rope_scaling_factor));
        if (cfg_.rope_scaling_original_ctx > 0) {
            w.set_u32(a + "rope.scaling.original_context_length", static_cast<uint32_t>(cfg_.rope_scaling_original_ctx));
        }
    }
}

void HfConversion::write_tokenizer_metadata() {
    if (!opts_.vocab_gguf.empty()) {
        copy_tokenizer_keys(opts_.vocab_gguf, n_vocab_, writer_, &pre_);
        return;
    }
    const HfVocabulary v = read_hf_vocabulary(*ckpt_, n_vocab_);
    v.write(writer_);
    pre_ = v.pre;
}

void HfConversion::write(const std::string& out_path) {
    write_converted_model(writer_, plan_->tensors, type_, out_path, opts_.write);
}

}  // namespace edgeseek
