#include "convert/llama2c.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "convert/safetensors.h"
#include "core/error.h"
#include "tokenizer/vocab.h"

namespace edgeseek {
namespace {

constexpr uint64_t kHeaderBytes = 7 * 4;
constexpr uint32_t kVersionedMagic = 0x616b3432;  // "ak42": llama2.c export versions 1 and 2
constexpr float kRmsEps = 1e-5f;

int32_t read_i32(const uint8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

std::string file_name_stem(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0) name.resize(name.size() - 4);
    return name;
}

bool is_byte_token(const std::string& t) {
    return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
           std::isxdigit(static_cast<unsigned char>(t[4]));
}

// llama2.c stores SentencePiece pieces with their "▁" turned into spaces, and BOS/EOS wrapped
// in newlines; GGUF's llama vocabulary wants the pieces themselves.
void add_token(Llama2cVocabulary& v, size_t id, std::string text, float score) {
    int32_t type = gguf_value(TokenType::Normal);
    if (id == 0) {
        text = "<unk>";
        type = gguf_value(TokenType::Unknown);
    } else if (id == 1 || id == 2) {
        text = id == 1 ? "<s>" : "</s>";
        type = gguf_value(TokenType::Control);
    } else if (is_byte_token(text)) {
        type = gguf_value(TokenType::Byte);
    } else {
        std::string piece;
        for (char c : text) piece += c == ' ' ? std::string("\xe2\x96\x81") : std::string(1, c);
        text = std::move(piece);
    }
    v.tokens.push_back(std::move(text));
    v.scores.push_back(score);
    v.types.push_back(type);
}

}  // namespace

Llama2cConfig read_llama2c_config(const MappedFile& file) {
    const std::string& where = file.path();
    if (file.size() < kHeaderBytes) throw Error("file is too short for a llama2.c header", where, "the file is truncated");
    if (static_cast<uint32_t>(read_i32(file.data())) == kVersionedMagic) {
        throw Error("this is a llama2.c export of version " + std::to_string(read_i32(file.data() + 4)) +
                        "; edgeseek reads version 0 (the legacy float32 layout)",
                    where, "export the model again with llama2.c's export.py --version 0");
    }
    int32_t h[7];
    for (int k = 0; k < 7; ++k) h[k] = read_i32(file.data() + 4 * k);
    Llama2cConfig c;
    c.dim = h[0]; c.hidden_dim = h[1]; c.n_layers = h[2]; c.n_heads = h[3]; c.n_kv_heads = h[4];
    c.shared_classifier = h[5] > 0;
    c.vocab_size = std::abs(static_cast<int64_t>(h[5]));
    c.seq_len = h[6];
    const bool sane = c.dim > 0 && c.hidden_dim > 0 && c.n_layers > 0 && c.n_heads > 0 && c.n_kv_heads > 0 &&
                      c.vocab_size > 0 && c.seq_len > 0 && c.dim % c.n_heads == 0 && c.n_heads % c.n_kv_heads == 0 &&
                      c.head_size() % 2 == 0 && c.dim <= (1 << 16) && c.hidden_dim <= (1 << 20) && c.n_layers <= 1024;
    if (!sane) {
        throw Error("header (" + std::to_string(h[0]) + ", " + std::to_string(h[1]) + ", " + std::to_string(h[2]) + ", " +
                        std::to_string(h[3]) + ", " + std::to_string(h[4]) + ", " + std::to_string(h[5]) + ", " +
                        std::to_string(h[6]) + ") is not a llama2.c model (dim, hidden_dim, n_layers, n_heads, "
                        "n_kv_heads, vocab_size, seq_len)",
                    where, "give a llama2.c checkpoint (.bin) written by export.py --version 0");
    }
    return c;
}

Llama2cVocabulary read_llama2c_vocabulary(const MappedFile& file, int64_t n_vocab) {
    const std::string& where = file.path();
    const uint8_t* p = file.data();
    const uint64_t size = file.size();
    if (size < 4 || read_i32(p) <= 0) throw Error("not a llama2.c tokenizer (no max_token_length)", where, "give tokenizer.bin");
    uint64_t off = 4;
    Llama2cVocabulary v;
    for (int64_t id = 0; id < n_vocab; ++id) {
        if (size - off < 8) {
            throw Error("ends after " + std::to_string(id) + " tokens; the model has " + std::to_string(n_vocab), where,
                        "use the tokenizer the model was trained with");
        }
        float score;
        std::memcpy(&score, p + off, 4);
        const int32_t len = read_i32(p + off + 4);
        off += 8;
        if (len < 0 || static_cast<uint64_t>(len) > size - off) {
            throw Error("token " + std::to_string(id) + " has length " + std::to_string(len) + ", past the end of the file",
                        where, "the file is truncated or not a llama2.c tokenizer");
        }
        if (!std::isfinite(score)) throw Error("token " + std::to_string(id) + " has a non-finite score", where, "the file is corrupt");
        add_token(v, static_cast<size_t>(id), std::string(reinterpret_cast<const char*>(p + off), static_cast<size_t>(len)), score);
        off += static_cast<uint64_t>(len);
    }
    if (off != size) {
        throw Error(std::to_string(size - off) + " bytes follow the model's " + std::to_string(n_vocab) + " tokens", where,
                    "the tokenizer has more tokens than the model; use the one the model was trained with");
    }
    return v;
}

Llama2cConversion::Llama2cConversion(const std::string& model_path, const Llama2cOptions& opts)
    : model_(model_path, true), opts_(opts), cfg_(read_llama2c_config(model_)) {
    const MappedFile tok(opts.tokenizer_path, true);
    const Llama2cVocabulary vocab = read_llama2c_vocabulary(tok, cfg_.vocab_size);
    type_ = resolve_output_type(opts.out_type, GgmlType::F32);
    plan_tensors();
    write_metadata(opts.name.empty() ? file_name_stem(model_path) : opts.name, vocab);
}

void Llama2cConversion::add(const std::string& name, std::vector<int64_t> shape, uint64_t offset_floats) {
    TensorSource s;
    s.name = name;
    s.shape = std::move(shape);
    s.type = tensor_output_type(name, s.shape.size(), type_.float_type);
    s.dtype = SafetensorsDtype::F32;
    s.data = model_.data() + kHeaderBytes + 4 * offset_floats;
    s.origin = model_.path() + ": " + name;
    s.mapped = model_.is_mapped();
    tensors_.push_back(std::move(s));
}

void Llama2cConversion::plan_tensors() {
    const Llama2cConfig& c = cfg_;
    const auto L = static_cast<uint64_t>(c.n_layers), D = static_cast<uint64_t>(c.dim);
    const auto H = static_cast<uint64_t>(c.hidden_dim), KV = static_cast<uint64_t>(c.kv_dim());
    const auto V = static_cast<uint64_t>(c.vocab_size);
    // Where each block of run.c's layout starts, in floats after the header.
    const uint64_t emb = 0, att_norm = emb + V * D, wq = att_norm + L * D, wk = wq + L * D * D, wv = wk + L * KV * D;
    const uint64_t wo = wv + L * KV * D, ffn_norm = wo + L * D * D, w1 = ffn_norm + L * D, w2 = w1 + L * H * D;
    const uint64_t w3 = w2 + L * D * H, final_norm = w3 + L * H * D;
    const uint64_t rope_tables = final_norm + D, wcls = rope_tables + static_cast<uint64_t>(c.seq_len) * (D / c.n_heads);
    const uint64_t total = wcls + (c.shared_classifier ? 0 : V * D);
    if (model_.size() != kHeaderBytes + 4 * total) {
        throw Error("file has " + std::to_string(model_.size()) + " bytes; a llama2.c model with this header has " +
                        std::to_string(kHeaderBytes + 4 * total),
                    model_.path(), "the file is truncated or not a llama2.c version 0 export");
    }
    add("token_embd.weight", {c.dim, c.vocab_size}, emb);
    for (uint64_t l = 0; l < L; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        add(b + "attn_norm.weight", {c.dim}, att_norm + l * D);
        add(b + "attn_q.weight", {c.dim, c.dim}, wq + l * D * D);
        add(b + "attn_k.weight", {c.dim, c.kv_dim()}, wk + l * KV * D);
        add(b + "attn_v.weight", {c.dim, c.kv_dim()}, wv + l * KV * D);
        add(b + "attn_output.weight", {c.dim, c.dim}, wo + l * D * D);
        add(b + "ffn_norm.weight", {c.dim}, ffn_norm + l * D);
        add(b + "ffn_gate.weight", {c.dim, c.hidden_dim}, w1 + l * H * D);
        add(b + "ffn_up.weight", {c.dim, c.hidden_dim}, w3 + l * H * D);
        add(b + "ffn_down.weight", {c.hidden_dim, c.dim}, w2 + l * D * H);
    }
    add("output_norm.weight", {c.dim}, final_norm);
    // A shared classifier is written out as output.weight, as llama.cpp's importer does.
    add("output.weight", {c.dim, c.vocab_size}, c.shared_classifier ? emb : wcls);
}

void Llama2cConversion::write_metadata(const std::string& name, const Llama2cVocabulary& vocab) {
    GgufWriter& w = writer_;
    w.set_string("general.architecture", "llama");
    w.set_string("general.type", "model");
    w.set_string("general.name", name);
    w.set_u32("general.file_type", type_.file_type.llama_ftype);
    w.set_u32("llama.context_length", static_cast<uint32_t>(cfg_.seq_len));
    w.set_u32("llama.embedding_length", static_cast<uint32_t>(cfg_.dim));
    w.set_u32("llama.feed_forward_length", static_cast<uint32_t>(cfg_.hidden_dim));
    w.set_u32("llama.attention.head_count", static_cast<uint32_t>(cfg_.n_heads));
    w.set_u32("llama.attention.head_count_kv", static_cast<uint32_t>(cfg_.n_kv_heads));
    w.set_u32("llama.block_count", static_cast<uint32_t>(cfg_.n_layers));
    w.set_u32("llama.rope.dimension_count", static_cast<uint32_t>(cfg_.head_size()));
    w.set_f32("llama.attention.layer_norm_rms_epsilon", kRmsEps);
    w.set_string("tokenizer.ggml.model", "llama");
    w.set_string_array("tokenizer.ggml.tokens", vocab.tokens);
    w.set_f32_array("tokenizer.ggml.scores", vocab.scores);
    w.set_i32_array("tokenizer.ggml.token_type", vocab.types);
    w.set_u32("tokenizer.ggml.unknown_token_id", 0);
    w.set_u32("tokenizer.ggml.bos_token_id", 1);
    w.set_u32("tokenizer.ggml.eos_token_id", 2);
}

void Llama2cConversion::write(const std::string& out_path) {
    write_converted_model(writer_, tensors_, type_, out_path, opts_.write);
}

}  // namespace edgeseek
