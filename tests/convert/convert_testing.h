// Shared by the convert tests: a small safetensors writer (for synthetic checkpoints and headers
// that lie), running `edgeseek convert`, and reading golden files.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quant/f16.h"
#include "test_support.h"

namespace edgeseek::test {

struct StTensor {
    std::string name;
    std::string dtype;            // "F32", "BF16", ...
    std::vector<int64_t> shape;   // PyTorch order
    std::vector<uint8_t> bytes;
};

inline std::vector<uint8_t> f32_bytes(const std::vector<float>& x) {
    std::vector<uint8_t> b(x.size() * 4);
    if (!x.empty()) std::memcpy(b.data(), x.data(), b.size());
    return b;
}

inline std::vector<uint8_t> bf16_bytes(const std::vector<float>& x) {
    std::vector<uint8_t> b(x.size() * 2);
    for (size_t k = 0; k < x.size(); ++k) {
        const uint16_t h = fp32_to_bf16(x[k]);
        std::memcpy(&b[2 * k], &h, 2);
    }
    return b;
}

// The bytes of a safetensors file: 8-byte header length, the JSON header, the data.
inline std::vector<uint8_t> safetensors_file_bytes(const std::string& header, const std::vector<uint8_t>& data) {
    // resize + memcpy rather than insert(): gcc 12 reports a false -Warray-bounds on insert.
    std::vector<uint8_t> out(8 + header.size() + data.size());
    const uint64_t n = header.size();
    for (int k = 0; k < 8; ++k) out[static_cast<size_t>(k)] = static_cast<uint8_t>(n >> (8 * k));
    if (!header.empty()) std::memcpy(out.data() + 8, header.data(), header.size());
    if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
    return out;
}

inline std::vector<uint8_t> safetensors_bytes(const std::vector<StTensor>& tensors) {
    nlohmann::json h = nlohmann::json::object();
    h["__metadata__"] = {{"format", "pt"}};
    std::vector<uint8_t> data;
    for (const auto& t : tensors) {
        h[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
        const size_t at = data.size();
        data.resize(at + t.bytes.size());
        if (!t.bytes.empty()) std::memcpy(data.data() + at, t.bytes.data(), t.bytes.size());
    }
    std::string header = h.dump();
    header.resize((header.size() + 7) / 8 * 8, ' ');  // the reference writer pads to 8 bytes
    return safetensors_file_bytes(header, data);
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// Runs `edgeseek convert ARGS`; returns the exit status, output in *out.
inline int run_convert(const std::string& args, std::string* out) {
    return run_command(edgeseek_binary() + " convert " + args, out);
}

// A small Qwen2 checkpoint written from scratch: config.json, a byte-level BPE tokenizer.json of
// `vocab` tokens (the last one a special added token) and model.safetensors.
struct TinyQwen2 {
    int64_t hidden = 8, ffn = 16, layers = 1, heads = 2, kv_heads = 1, vocab = 16;

    int64_t head_dim() const { return hidden / heads; }

    nlohmann::json config() const {
        return {{"architectures", {"Qwen2ForCausalLM"}}, {"hidden_size", hidden}, {"intermediate_size", ffn},
                {"num_hidden_layers", layers}, {"num_attention_heads", heads}, {"num_key_value_heads", kv_heads},
                {"vocab_size", vocab}, {"max_position_embeddings", 64}, {"rope_theta", 10000.0},
                {"rms_norm_eps", 1e-6}, {"tie_word_embeddings", false}};
    }

    nlohmann::json tokenizer() const {
        nlohmann::json v = nlohmann::json::object();
        for (int64_t k = 0; k + 1 < vocab; ++k) v[std::string("t").append(std::to_string(k))] = k;
        const char* regex = R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
        return {{"version", "1.0"},
                {"added_tokens", {{{"id", vocab - 1}, {"content", "<|endoftext|>"}, {"special", true}}}},
                {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", regex}}},
                                                                             {"behavior", "Isolated"}},
                                                                            {{"type", "ByteLevel"}, {"use_regex", false}}}}}},
                {"decoder", {{"type", "ByteLevel"}}},
                {"model", {{"type", "BPE"}, {"vocab", v}, {"merges", nlohmann::json::array({nlohmann::json::array({"t", "0"})})}}}};
    }

    // (name, PyTorch shape) of every tensor, in a fixed order.
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes() const {
        const int64_t q = heads * head_dim(), kv = kv_heads * head_dim();
        std::vector<std::pair<std::string, std::vector<int64_t>>> s = {{"model.embed_tokens.weight", {vocab, hidden}}};
        for (int64_t l = 0; l < layers; ++l) {
            const std::string p = "model.layers." + std::to_string(l) + ".";
            s.insert(s.end(), {{p + "input_layernorm.weight", {hidden}}, {p + "self_attn.q_proj.weight", {q, hidden}},
                               {p + "self_attn.q_proj.bias", {q}}, {p + "self_attn.k_proj.weight", {kv, hidden}},
                               {p + "self_attn.k_proj.bias", {kv}}, {p + "self_attn.v_proj.weight", {kv, hidden}},
                               {p + "self_attn.v_proj.bias", {kv}}, {p + "self_attn.o_proj.weight", {hidden, q}},
                               {p + "post_attention_layernorm.weight", {hidden}}, {p + "mlp.gate_proj.weight", {ffn, hidden}},
                               {p + "mlp.up_proj.weight", {ffn, hidden}}, {p + "mlp.down_proj.weight", {hidden, ffn}}});
        }
        s.insert(s.end(), {{"model.norm.weight", {hidden}}, {"lm_head.weight", {vocab, hidden}}});
        return s;
    }

    // Deterministic small values, bf16.
    std::vector<StTensor> tensors() const {
        std::vector<StTensor> out;
        uint32_t state = 12345;
        for (const auto& [name, shape] : shapes()) {
            size_t n = 1;
            for (int64_t d : shape) n *= static_cast<size_t>(d);
            std::vector<float> x(n);
            for (auto& v : x) {
                state = state * 1664525u + 1013904223u;
                v = static_cast<float>(static_cast<int32_t>(state >> 8) % 2001 - 1000) / 4000.0f;
            }
            out.push_back({name, "BF16", shape, bf16_bytes(x)});
        }
        return out;
    }

    void write_metadata(const std::string& dir) const {
        write_text(dir + "/config.json", config().dump(2));
        write_text(dir + "/tokenizer.json", tokenizer().dump(2));
        write_text(dir + "/tokenizer_config.json", R"({"add_bos_token": false, "eos_token": "<|endoftext|>"})");
    }

    void write(const std::string& dir, const std::vector<StTensor>& ts) const {
        write_metadata(dir);
        write_bytes(dir + "/model.safetensors", safetensors_bytes(ts));
    }
};

}  // namespace edgeseek::test
