// Model loading: binds every weight of the architecture to a view into the GGUF file,
// checking each tensor's presence, shape and type against the hyperparameters.
#include <cstring>

#include "core/error.h"
#include "model/model.h"

namespace edgeseek {

namespace {

class Binder {
public:
    Binder(const GgufFile& f, std::vector<std::vector<float>>& owned) : f_(f), owned_(owned) {}

    // A 2-D (or 1-D when rows == 0) weight used by matmul: stays in its stored type.
    TensorView matrix(const std::string& name, int64_t cols, int64_t rows, bool required = true) {
        const TensorInfo* t = find(name, required);
        if (!t) return {};
        check_shape(*t, cols, rows);
        if (!type_supported(t->type)) {
            throw Error("tensor type " + type_name(t->type) + " is not supported yet", f_.path() + ": tensor '" + name + "'",
                        "use a file in f32, f16, bf16, q8_0 or q4_0, or re-quantize it with `edgeseek quantize`");
        }
        return TensorView{t->data, t->type, t->shape[0], t->n_rows(), name};
    }

    // A 1-D vector (norm weight, bias, rope factors): converted to f32 once at load.
    TensorView vector(const std::string& name, int64_t n, bool required = true) {
        const TensorInfo* t = find(name, required);
        if (!t) return {};
        check_shape(*t, n, 0);
        const TypeTraits* tr = type_traits(t->type);
        if (!tr || !tr->to_float) {
            throw Error("tensor type " + type_name(t->type) + " is not supported", f_.path() + ": tensor '" + name + "'",
                        "re-convert the model");
        }
        owned_.emplace_back(static_cast<size_t>(n));
        tr->to_float(t->data, owned_.back().data(), n);
        return TensorView{owned_.back().data(), GgmlType::F32, n, 1, name};
    }

private:
    const TensorInfo* find(const std::string& name, bool required) {
        const TensorInfo* t = f_.find_tensor(name);
        if (!t && required) {
            throw Error("required tensor '" + name + "' is missing", f_.path(),
                        "the file is incomplete or was converted for a different architecture");
        }
        return t;
    }
    void check_shape(const TensorInfo& t, int64_t cols, int64_t rows) {
        std::vector<int64_t> want = rows > 0 ? std::vector<int64_t>{cols, rows} : std::vector<int64_t>{cols};
        std::vector<int64_t> got = t.shape;
        while (got.size() > want.size() && got.back() == 1) got.pop_back();
        if (got != want) {
            std::string w = "[";
            for (size_t i = 0; i < want.size(); ++i) w += (i ? ", " : "") + std::to_string(want[i]);
            w += "]";
            throw Error("tensor '" + t.name + "' has shape " + t.shape_string() + ", expected " + w +
                            " from the hyperparameters",
                        f_.path() + " at byte " + std::to_string(t.info_offset),
                        "the file's tensors disagree with its metadata; re-convert it");
        }
    }
    const GgufFile& f_;
    std::vector<std::vector<float>>& owned_;
};

}  // namespace

std::unique_ptr<Model> Model::load(const std::string& path, const LoadOptions& opts) {
    std::unique_ptr<Model> m(new Model());
    m->file_ = GgufFile::open(path, opts.use_mmap);
    m->config_ = ModelConfig::from_gguf(*m->file_);
    m->bind_weights();
    if (opts.repack) m->repack_weights(opts);
    return m;
}

void Model::bind_weights() {
    ModelConfig& c = config_;
    Binder b(*file_, owned_);
    const TensorInfo* emb = file_->find_tensor("token_embd.weight");
    if (!emb) {
        throw Error("required tensor 'token_embd.weight' is missing", file_->path(),
                    "the file has no weights (a vocab-only file?); use a full model file");
    }
    if (emb->shape.size() < 2) {
        throw Error("tensor 'token_embd.weight' has shape " + emb->shape_string() + ", expected [n_embd, n_vocab]", file_->path());
    }
    c.n_vocab = emb->shape[1];
    if (!type_traits(emb->type) || !type_traits(emb->type)->to_float) {
        throw Error("tensor type " + type_name(emb->type) + " is not supported yet",
                    file_->path() + ": tensor 'token_embd.weight'", "re-quantize the model with `edgeseek quantize`");
    }
    ModelWeights& w = weights_;
    w.token_embd = TensorView{emb->data, emb->type, emb->shape[0], emb->shape[1], "token_embd.weight"};
    if (emb->shape[0] != c.n_embd) {
        throw Error("tensor 'token_embd.weight' has shape " + emb->shape_string() + ", expected [" +
                        std::to_string(c.n_embd) + ", n_vocab]",
                    file_->path(), "the file's tensors disagree with its metadata; re-convert it");
    }
    w.output_norm = b.vector("output_norm.weight", c.n_embd);
    w.output = b.matrix("output.weight", c.n_embd, c.n_vocab, false);
    if (w.output.empty()) {
        // Tied embeddings: the output projection reuses token_embd, which must then be computable.
        if (!type_supported(emb->type)) {
            throw Error("tensor type " + type_name(emb->type) + " is not supported yet",
                        file_->path() + ": tensor 'token_embd.weight'", "re-quantize the model with `edgeseek quantize`");
        }
        w.output = w.token_embd;
    }
    w.rope_freqs = b.vector("rope_freqs.weight", c.n_rot / 2, false);
    const int64_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
    w.layers.resize(static_cast<size_t>(c.n_layer));
    for (int64_t l = 0; l < c.n_layer; ++l) {
        LayerWeights& L = w.layers[static_cast<size_t>(l)];
        const std::string p = "blk." + std::to_string(l) + ".";
        L.attn_norm = b.vector(p + "attn_norm.weight", c.n_embd);
        L.wq = b.matrix(p + "attn_q.weight", c.n_embd, q_dim);
        L.wk = b.matrix(p + "attn_k.weight", c.n_embd, kv_dim);
        L.wv = b.matrix(p + "attn_v.weight", c.n_embd, kv_dim);
        L.wo = b.matrix(p + "attn_output.weight", q_dim, c.n_embd);
        // Biases: required for qwen2, honoured for any architecture that has them.
        L.bq = b.vector(p + "attn_q.bias", q_dim, c.qkv_bias);
        L.bk = b.vector(p + "attn_k.bias", kv_dim, c.qkv_bias);
        L.bv = b.vector(p + "attn_v.bias", kv_dim, c.qkv_bias);
        if (c.qk_norm) {
            L.q_norm = b.vector(p + "attn_q_norm.weight", c.head_dim);
            L.k_norm = b.vector(p + "attn_k_norm.weight", c.head_dim);
        }
        L.ffn_norm = b.vector(p + "ffn_norm.weight", c.n_embd);
        L.w_gate = b.matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff);
        L.w_up = b.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff);
        L.w_down = b.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd);
    }
}

}  // namespace edgeseek
