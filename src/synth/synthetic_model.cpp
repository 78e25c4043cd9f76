#include "synth/synthetic_model.h"

#include <cmath>
#include <cstring>
#include <numbers>

#include "core/error.h"
#include "gguf/gguf_writer.h"
#include "kernels/thread_pool.h"
#include "quantize/tensor_types.h"

namespace edgeseek {

namespace {

// Real shapes (config.json of each Hugging Face checkpoint).
constexpr int64_t kPoolRows = 256;

const std::vector<ModelShape> kShapes = {
    {"tiny", "qwen2", 64, 2, 4, 2, 128, 151936, 0, 4096, 10000.0f, true, false},
    {"r1-distill-qwen-1.5b", "qwen2", 1536, 28, 12, 2, 8960, 151936, 0, 131072, 10000.0f, false, false},
    {"r1-distill-qwen-7b", "qwen2", 3584, 28, 28, 4, 18944, 152064, 0, 131072, 10000.0f, false, false},
    {"r1-distill-qwen-14b", "qwen2", 5120, 48, 40, 8, 13824, 152064, 0, 131072, 1000000.0f, false, false},
    {"r1-distill-llama-8b", "llama", 4096, 32, 32, 8, 14336, 128256, 0, 131072, 500000.0f, false, true},
    {"r1-0528-qwen3-8b", "qwen3", 4096, 36, 32, 8, 12288, 151936, 128, 131072, 1000000.0f, false, false},
};

uint64_t splitmix(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// How a tensor's values are drawn: uniform around `center` with standard deviation `std`.
struct Init {
    float center = 0.0f;
    float std = 0.0f;
};

struct SynthTensor {
    TensorInfo info;
    Init init;
};

// llama3 RoPE frequency factors (R1-Distill-Llama-8B: factor 8, low 1, high 4, original 8192),
// computed the way llama.cpp's converter turns rope_scaling into rope_freqs.
std::vector<float> llama3_rope_factors(int64_t head_dim, float theta) {
    const double factor = 8.0, low = 1.0, high = 4.0, old_ctx = 8192.0;
    const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
    std::vector<float> f;
    for (int64_t i = 0; i < head_dim; i += 2) {
        const double freq = 1.0 / std::pow(static_cast<double>(theta), static_cast<double>(i) / static_cast<double>(head_dim));
        const double wavelen = 2.0 * std::numbers::pi / freq;
        if (wavelen < high_wavelen) {
            f.push_back(1.0f);
        } else if (wavelen > low_wavelen) {
            f.push_back(static_cast<float>(factor));
        } else {
            const double smooth = (old_ctx / wavelen - low) / (high - low);
            f.push_back(static_cast<float>(1.0 / ((1.0 - smooth) / factor + smooth)));
        }
    }
    return f;
}

std::vector<SynthTensor> tensor_list(const ModelShape& s) {
    const int64_t hd = s.head_dim ? s.head_dim : s.n_embd / s.n_head;
    const int64_t q = s.n_head * hd, kv = s.n_head_kv * hd;
    std::vector<SynthTensor> t;
    auto add = [&](const std::string& name, std::vector<int64_t> shape, Init init) {
        SynthTensor x;
        x.info.name = name;
        x.info.shape = std::move(shape);
        x.info.type = GgmlType::F32;
        x.init = init;
        t.push_back(std::move(x));
    };
    auto mat = [](int64_t n_in) { return Init{0.0f, 1.0f / std::sqrt(static_cast<float>(n_in))}; };
    const Init norm{1.0f, 0.05f}, bias{0.0f, 0.02f};
    add("token_embd.weight", {s.n_embd, s.n_vocab}, Init{0.0f, 1.0f});
    for (int64_t l = 0; l < s.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        add(p + "attn_norm.weight", {s.n_embd}, norm);
        add(p + "attn_q.weight", {s.n_embd, q}, mat(s.n_embd));
        add(p + "attn_k.weight", {s.n_embd, kv}, mat(s.n_embd));
        add(p + "attn_v.weight", {s.n_embd, kv}, mat(s.n_embd));
        if (std::strcmp(s.arch, "qwen2") == 0) {
            add(p + "attn_q.bias", {q}, bias);
            add(p + "attn_k.bias", {kv}, bias);
            add(p + "attn_v.bias", {kv}, bias);
        }
        if (std::strcmp(s.arch, "qwen3") == 0) {
            add(p + "attn_q_norm.weight", {hd}, norm);
            add(p + "attn_k_norm.weight", {hd}, norm);
        }
        add(p + "attn_output.weight", {q, s.n_embd}, mat(q));
        add(p + "ffn_norm.weight", {s.n_embd}, norm);
        add(p + "ffn_gate.weight", {s.n_embd, s.n_ff}, mat(s.n_embd));
        add(p + "ffn_up.weight", {s.n_embd, s.n_ff}, mat(s.n_embd));
        add(p + "ffn_down.weight", {s.n_ff, s.n_embd}, mat(s.n_ff));
    }
    add("output_norm.weight", {s.n_embd}, norm);
    if (!s.tied_output) add("output.weight", {s.n_embd, s.n_vocab}, mat(s.n_embd));
    return t;
}

// Copies tokenizer.* from the vocabulary file, fitted to n_vocab: padded with unused [PADn]
// tokens, or truncated with the control tokens moved into the last ids (ids remapped).
std::string copy_tokenizer(GgufWriter& w, const GgufFile& vocab, int64_t n_vocab) {
    const GgufValue& tokens = vocab.require_array("tokenizer.ggml.tokens", GgufType::STRING);
    const int64_t have = static_cast<int64_t>(tokens.count);
    std::vector<std::string> tok(tokens.strings.begin(), tokens.strings.end());
    std::vector<int32_t> types;
    if (const GgufValue* tt = vocab.find("tokenizer.ggml.token_type")) {
        for (uint64_t i = 0; i < tt->count; ++i) types.push_back(static_cast<int32_t>(tt->integer_at(i)));
    }
    types.resize(tok.size(), 1);
    std::vector<std::pair<std::string, int64_t>> remap;  // key, new id
    std::string note;
    if (n_vocab > have) {
        for (int64_t i = have; i < n_vocab; ++i) {
            tok.push_back("[PAD" + std::to_string(i) + "]");
            types.push_back(5);  // unused
        }
        note = "vocabulary padded from " + std::to_string(have) + " to " + std::to_string(n_vocab) + " tokens with unused [PADn] tokens";
    } else if (n_vocab < have) {
        std::vector<int64_t> moved;
        for (int64_t i = n_vocab; i < have; ++i) if (types[static_cast<size_t>(i)] == 3) moved.push_back(i);
        std::vector<int64_t> new_id(static_cast<size_t>(have), -1);
        for (int64_t i = 0; i < n_vocab; ++i) new_id[static_cast<size_t>(i)] = i;
        const int64_t base = n_vocab - static_cast<int64_t>(moved.size());
        for (size_t k = 0; k < moved.size(); ++k) {
            const int64_t dst = base + static_cast<int64_t>(k);
            tok[static_cast<size_t>(dst)] = tok[static_cast<size_t>(moved[k])];
            types[static_cast<size_t>(dst)] = 3;
            new_id[static_cast<size_t>(moved[k])] = dst;
        }
        tok.resize(static_cast<size_t>(n_vocab));
        types.resize(static_cast<size_t>(n_vocab));
        for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                                "tokenizer.ggml.padding_token_id", "tokenizer.ggml.unknown_token_id"}) {
            if (auto id = vocab.get_int(key); id && *id >= 0 && *id < have) remap.emplace_back(key, new_id[static_cast<size_t>(*id)]);
        }
        note = "vocabulary truncated from " + std::to_string(have) + " to " + std::to_string(n_vocab) + " tokens; its " +
               std::to_string(moved.size()) + " control tokens moved to the last ids";
    }
    for (const auto& k : vocab.keys()) {
        if (k.rfind("tokenizer.", 0) == 0) w.set(k, *vocab.find(k));
    }
    w.set_string_array("tokenizer.ggml.tokens", tok);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    if (vocab.has("tokenizer.ggml.scores")) w.set_f32_array("tokenizer.ggml.scores", std::vector<float>(tok.size(), 0.0f));
    for (const auto& [key, id] : remap) {
        if (id >= 0) w.set_u32(key, static_cast<uint32_t>(id));
        else w.remove(key);
    }
    return note;
}

}  // namespace

double ModelShape::params() const {
    double n = 0;
    for (const auto& t : tensor_list(*this)) n += static_cast<double>(t.info.n_elements());
    return n;
}

const std::vector<ModelShape>& model_shapes() { return kShapes; }

const ModelShape* find_shape(const std::string& name) {
    for (const auto& s : kShapes) if (name == s.name) return &s;
    return nullptr;
}

std::string shape_names() {
    std::string s;
    for (const auto& x : kShapes) s += (s.empty() ? "" : ", ") + std::string(x.name);
    return s;
}

uint64_t write_synthetic_model(const SynthOptions& o) {
    const ModelShape* shape = find_shape(o.shape);
    if (!shape) throw Error("unknown shape '" + o.shape + "'", "--shape", "use one of: " + shape_names());
    auto vocab = GgufFile::open(o.vocab_path);
    const int64_t hd = shape->head_dim ? shape->head_dim : shape->n_embd / shape->n_head;

    GgufWriter w;
    const std::string a = shape->arch;
    w.set_string("general.architecture", a);
    w.set_string("general.name", std::string("edgeseek synth ") + shape->name);
    w.set_u32("general.file_type", o.file_type.llama_ftype);
    w.set_u32("general.quantization_version", 2);
    w.set_u32(a + ".context_length", static_cast<uint32_t>(shape->n_ctx));
    w.set_u32(a + ".embedding_length", static_cast<uint32_t>(shape->n_embd));
    w.set_u32(a + ".block_count", static_cast<uint32_t>(shape->n_layer));
    w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(shape->n_ff));
    w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(shape->n_head));
    w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(shape->n_head_kv));
    w.set_f32(a + ".rope.freq_base", shape->rope_theta);
    w.set_f32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
    if (shape->head_dim) {
        w.set_u32(a + ".attention.key_length", static_cast<uint32_t>(hd));
        w.set_u32(a + ".attention.value_length", static_cast<uint32_t>(hd));
    }
    if (a == "llama") {
        w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(hd));
        w.set_u32("llama.vocab_size", static_cast<uint32_t>(shape->n_vocab));
    }
    std::string description = "random weights (seed " + std::to_string(o.seed) + ") in the shape of " + shape->name;
    const std::string vocab_note = copy_tokenizer(w, *vocab, shape->n_vocab);
    if (!vocab_note.empty()) description += "; " + vocab_note;

    std::vector<SynthTensor> tensors = tensor_list(*shape);
    std::vector<TensorInfo> infos;
    for (const auto& t : tensors) infos.push_back(t.info);
    ModelLayout layout;
    layout.n_layer = shape->n_layer;
    layout.n_gqa = shape->n_head / shape->n_head_kv;
    const std::vector<TensorPlan> plan = plan_tensor_types(infos, layout, o.file_type, false, o.out_path);
    for (const TensorPlan& p : plan) {
        if (type_traits(p.type)->block_size == 256) {
            description += "; tensors of 256-value block types: the first " + std::to_string(kPoolRows) +
                           " rows quantized, further rows assembled from random blocks of those";
            break;
        }
    }
    w.set_string("general.description", description);

    ThreadPool pool(o.n_threads);
    size_t done = 0;
    uint64_t bytes = 0;
    for (size_t ti = 0; ti < tensors.size(); ++ti) {
        const SynthTensor& t = tensors[ti];
        const GgmlType type = plan[ti].type;
        const int64_t cols = t.info.shape[0], rows = t.info.n_rows();
        const size_t row_bytes = row_size(type, cols);
        const uint64_t seed = o.seed * 0x100000001b3ull + ti;
        const Init init = t.init;
        w.add_tensor(t.info.name, t.info.shape, type, [&, cols, rows, row_bytes, seed, init, type](uint8_t* dst) {
            const TypeTraits* tr = type_traits(type);
            const float half_width = init.std * std::sqrt(3.0f);
            // The k-quant and IQ quantizers search their block scales (minutes per GB on two
            // cores; hours for a 7B file). Their tensors quantize kPoolRows rows of random values
            // and assemble every further row from blocks drawn at random (seeded) from those:
            // real blocks of the same distribution, at the speed of a copy.
            const int64_t quantized_rows = tr->block_size == 256 ? std::min(rows, kPoolRows) : rows;
            pool.parallel_for(quantized_rows, [&](int64_t b, int64_t e, int) {
                std::vector<float> row(static_cast<size_t>(cols));
                for (int64_t r = b; r < e; ++r) {
                    uint64_t s = seed ^ (static_cast<uint64_t>(r) * 0xd1b54a32d192ed03ull);
                    for (auto& v : row) {
                        const float u = static_cast<float>(splitmix(s) >> 40) * (1.0f / 16777216.0f);  // [0, 1)
                        v = init.center + (2.0f * u - 1.0f) * half_width;
                    }
                    tr->from_float(row.data(), dst + static_cast<size_t>(r) * row_bytes, cols);
                }
            });
            const size_t block_bytes = tr->type_size;
            const int64_t nb = cols / tr->block_size;
            pool.parallel_for(rows - quantized_rows, [&](int64_t b, int64_t e, int) {
                for (int64_t r = quantized_rows + b; r < quantized_rows + e; ++r) {
                    uint64_t s = seed ^ (static_cast<uint64_t>(r) * 0xd1b54a32d192ed03ull);
                    uint8_t* out = dst + static_cast<size_t>(r) * row_bytes;
                    for (int64_t i = 0; i < nb; ++i) {
                        const auto from = static_cast<int64_t>(splitmix(s) % static_cast<uint64_t>(quantized_rows));
                        std::memcpy(out + static_cast<size_t>(i) * block_bytes,
                                    dst + static_cast<size_t>(from) * row_bytes + static_cast<size_t>(i) * block_bytes, block_bytes);
                    }
                }
            });
            bytes += row_bytes * static_cast<size_t>(rows);
            if (o.progress) o.progress(++done, tensors.size() + (shape->llama3_rope ? 1 : 0), bytes);
        });
    }
    std::vector<float> rope_factors;
    if (shape->llama3_rope) {
        rope_factors = llama3_rope_factors(hd, shape->rope_theta);
        w.add_tensor("rope_freqs.weight", {static_cast<int64_t>(rope_factors.size())}, GgmlType::F32, rope_factors.data());
    }
    w.write(o.out_path);
    return bytes;
}

}  // namespace edgeseek
