// `edgeseek inspect FILE`: what a GGUF file holds (architecture, hyperparameters, tokenizer,
// tensor types) and how much RAM it needs to run: weights plus an f16 KV cache.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "commands.h"
#include "core/error.h"
#include "gguf/gguf_file.h"

namespace edgeseek::cli {
namespace {

constexpr uint64_t kDefaultCtxCap = 4096;
constexpr uint64_t kKvBytesPerValue = 2;  // the KV cache is f16

struct Hyperparameters {
    std::optional<uint64_t> context_length, embedding_length, block_count, feed_forward_length, head_count,
        key_length, value_length;
    std::optional<double> rope_freq_base, rms_epsilon;
    std::vector<uint64_t> head_count_kv;  // one per layer when the file stores an array, else one value
};

struct TokenizerSummary {
    std::optional<std::string> model, pre;
    uint64_t vocab_size = 0, merges = 0;
    std::optional<uint64_t> bos_id, eos_id;
    bool chat_template = false;
};

struct TypeUsage {
    uint64_t count = 0, bytes = 0;
};

struct KvCache {
    uint64_t bytes = 0, kv_heads = 0, k_dim = 0, v_dim = 0;  // kv_heads summed over layers
};

struct Summary {
    std::string path;
    uint64_t file_size = 0, data_offset = 0, alignment = 0, n_keys = 0;
    uint32_t version = 0;
    std::optional<std::string> architecture, name;
    std::optional<uint64_t> file_type;
    Hyperparameters hp;
    std::optional<TokenizerSummary> tokenizer;
    std::map<GgmlType, TypeUsage> types;
    uint64_t n_tensors = 0, weight_bytes = 0;
    uint64_t ctx_size = 0;
    std::optional<KvCache> kv;
};

// llama.cpp's llama_ftype names (general.file_type).
std::string file_type_name(uint64_t ft) {
    static const std::map<uint64_t, const char*> names = {
        {0, "all F32"}, {1, "F16"}, {2, "Q4_0"}, {3, "Q4_1"}, {4, "Q4_1, some F16"}, {7, "Q8_0"}, {8, "Q5_0"},
        {9, "Q5_1"}, {10, "Q2_K"}, {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
        {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"}, {19, "IQ2_XXS"}, {20, "IQ2_XS"},
        {21, "Q2_K_S"}, {22, "IQ3_XS"}, {23, "IQ3_XXS"}, {24, "IQ1_S"}, {25, "IQ4_NL"}, {26, "IQ3_S"},
        {27, "IQ3_M"}, {28, "IQ2_S"}, {29, "IQ2_M"}, {30, "IQ4_XS"}, {31, "IQ1_M"}, {32, "BF16"},
        {36, "TQ1_0"}, {37, "TQ2_0"}, {38, "MXFP4_MOE"}};
    constexpr uint64_t kGuessed = 1024;  // llama.cpp marks file types it inferred
    const bool guessed = ft & kGuessed;
    auto it = names.find(ft & ~kGuessed);
    std::string s = it == names.end() ? "unknown" : it->second;
    return guessed ? s + " (guessed)" : s;
}

// f32 metadata as the shortest decimal that reads back as the same float (1e-06, not
// 9.999999974752427e-07), so the JSON shows what the converter wrote.
std::optional<double> get_number(const GgufFile& g, const std::string& key) {
    const auto v = g.get_float(key);
    if (!v || g.find(key)->type != GgufType::F32) return v;
    const auto f = static_cast<float>(*v);
    for (int digits = 6; digits < 10; ++digits) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
        const double d = std::strtod(buf, nullptr);
        if (static_cast<float>(d) == f) return d;
    }
    return v;
}

uint64_t checked_mul(uint64_t a, uint64_t b, const std::string& path) {
    uint64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) {
        throw Error("the KV cache size overflows 64 bits", path,
                    "the hyperparameters are implausible; the file is corrupt, or pass a smaller --ctx-size");
    }
    return r;
}

Hyperparameters read_hyperparameters(const GgufFile& g, const std::string& arch) {
    Hyperparameters h;
    const std::string p = arch + ".";
    h.context_length = g.get_uint(p + "context_length");
    h.embedding_length = g.get_uint(p + "embedding_length");
    h.block_count = g.get_uint(p + "block_count");
    h.feed_forward_length = g.get_uint(p + "feed_forward_length");
    h.head_count = g.get_uint(p + "attention.head_count");
    h.key_length = g.get_uint(p + "attention.key_length");
    h.value_length = g.get_uint(p + "attention.value_length");
    h.rope_freq_base = get_number(g, p + "rope.freq_base");
    h.rms_epsilon = get_number(g, p + "attention.layer_norm_rms_epsilon");
    const std::string kv_key = p + "attention.head_count_kv";
    if (const GgufValue* v = g.find(kv_key); v && v->type == GgufType::ARRAY) {
        // Some architectures give every layer its own KV head count.
        if (v->elem_type == GgufType::STRING || v->elem_type == GgufType::ARRAY) {
            throw Error(std::string("expected an integer or an array of integers, found an array of ") +
                            gguf_type_name(v->elem_type),
                        g.where_key(kv_key), "the file's metadata is malformed; re-convert it");
        }
        for (uint64_t k = 0; k < v->count; ++k) {
            const int64_t n = v->integer_at(k);
            if (n < 0) throw Error("negative KV head count", g.where_key(kv_key), "the file is corrupt");
            h.head_count_kv.push_back(static_cast<uint64_t>(n));
        }
    } else if (auto n = g.get_uint(kv_key)) {
        h.head_count_kv.push_back(*n);
    } else if (h.head_count) {
        h.head_count_kv.push_back(*h.head_count);  // no GQA: as many KV heads as query heads
    }
    return h;
}

// KV cache bytes at ctx positions: 2 bytes (f16) x ctx x (K dim + V dim) x KV heads, summed
// over layers. Head dims are key_length/value_length when given, else n_embd / n_head.
std::optional<KvCache> kv_cache(const GgufFile& g, const std::string& arch, const Hyperparameters& h,
                                uint64_t ctx) {
    if (!h.block_count || h.head_count_kv.empty()) return std::nullopt;
    KvCache kv;
    if (h.key_length) {
        kv.k_dim = *h.key_length;
    } else {
        if (!h.embedding_length || !h.head_count) return std::nullopt;
        if (*h.head_count == 0) {
            throw Error("attention.head_count is 0", g.where_key(arch + ".attention.head_count"), "the file is corrupt");
        }
        kv.k_dim = *h.embedding_length / *h.head_count;
    }
    kv.v_dim = h.value_length ? *h.value_length : kv.k_dim;
    if (h.head_count_kv.size() == 1) {
        kv.kv_heads = checked_mul(h.head_count_kv[0], *h.block_count, g.path());
    } else {
        if (h.head_count_kv.size() != *h.block_count) {
            throw Error("has " + std::to_string(h.head_count_kv.size()) + " per-layer values for " +
                            std::to_string(*h.block_count) + " layers",
                        g.where_key(arch + ".attention.head_count_kv"), "the file is corrupt; re-convert it");
        }
        for (uint64_t n : h.head_count_kv) kv.kv_heads += n;
    }
    uint64_t b = checked_mul(kKvBytesPerValue, ctx, g.path());
    b = checked_mul(b, kv.kv_heads, g.path());
    kv.bytes = checked_mul(b, kv.k_dim + kv.v_dim, g.path());
    return kv;
}

std::optional<TokenizerSummary> read_tokenizer(const GgufFile& g) {
    if (!g.has("tokenizer.ggml.model") && !g.has("tokenizer.ggml.tokens")) return std::nullopt;
    TokenizerSummary t;
    t.model = g.get_string("tokenizer.ggml.model");
    t.pre = g.get_string("tokenizer.ggml.pre");
    if (g.has("tokenizer.ggml.tokens")) t.vocab_size = g.require_array("tokenizer.ggml.tokens", GgufType::STRING).count;
    if (g.has("tokenizer.ggml.merges")) t.merges = g.require_array("tokenizer.ggml.merges", GgufType::STRING).count;
    t.bos_id = g.get_uint("tokenizer.ggml.bos_token_id");
    t.eos_id = g.get_uint("tokenizer.ggml.eos_token_id");
    t.chat_template = g.has("tokenizer.chat_template");
    return t;
}

Summary summarize(const GgufFile& g, uint64_t ctx_size_option) {
    Summary s;
    s.path = g.path();
    s.file_size = g.file_size();
    s.data_offset = g.data_offset();
    s.alignment = g.alignment();
    s.version = g.version();
    s.n_keys = g.keys().size();
    s.architecture = g.get_string("general.architecture");
    s.name = g.get_string("general.name");
    s.file_type = g.get_uint("general.file_type");
    if (s.architecture) s.hp = read_hyperparameters(g, *s.architecture);
    s.tokenizer = read_tokenizer(g);
    for (const TensorInfo& t : g.tensors()) {
        TypeUsage& u = s.types[t.type];
        u.count += 1;
        u.bytes += t.nbytes;
        s.weight_bytes += t.nbytes;
    }
    s.n_tensors = g.tensors().size();
    s.ctx_size = ctx_size_option ? ctx_size_option
                                 : std::min(s.hp.context_length.value_or(kDefaultCtxCap), kDefaultCtxCap);
    if (s.architecture) s.kv = kv_cache(g, *s.architecture, s.hp, s.ctx_size);
    return s;
}

template <typename T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// Top-level keys, always present (null when the file lacks the value): file, file_size,
// gguf_version, alignment, data_offset, metadata_keys, architecture, name, file_type,
// hyperparameters, tokenizer, tensors {count, bytes, by_type}, memory.
nlohmann::ordered_json to_json(const Summary& s) {
    using J = nlohmann::ordered_json;
    J j;
    j["file"] = s.path;
    j["file_size"] = s.file_size;
    j["gguf_version"] = s.version;
    j["alignment"] = s.alignment;
    j["data_offset"] = s.data_offset;
    j["metadata_keys"] = s.n_keys;
    j["architecture"] = or_null(s.architecture);
    j["name"] = or_null(s.name);
    j["file_type"] = s.file_type ? J{{"id", *s.file_type}, {"name", file_type_name(*s.file_type)}} : J(nullptr);
    const Hyperparameters& h = s.hp;
    J hp;
    hp["context_length"] = or_null(h.context_length);
    hp["embedding_length"] = or_null(h.embedding_length);
    hp["block_count"] = or_null(h.block_count);
    hp["feed_forward_length"] = or_null(h.feed_forward_length);
    hp["head_count"] = or_null(h.head_count);
    hp["head_count_kv"] = h.head_count_kv.empty() ? J(nullptr)
                          : h.head_count_kv.size() == 1 ? J(h.head_count_kv[0]) : J(h.head_count_kv);
    hp["rope_freq_base"] = or_null(h.rope_freq_base);
    hp["layer_norm_rms_epsilon"] = or_null(h.rms_epsilon);
    hp["key_length"] = or_null(h.key_length);
    hp["value_length"] = or_null(h.value_length);
    j["hyperparameters"] = hp;
    if (s.tokenizer) {
        const TokenizerSummary& t = *s.tokenizer;
        j["tokenizer"] = {{"model", or_null(t.model)}, {"pre", or_null(t.pre)}, {"vocab_size", t.vocab_size},
                          {"bos_token_id", or_null(t.bos_id)}, {"eos_token_id", or_null(t.eos_id)},
                          {"merges", t.merges}, {"chat_template", t.chat_template}};
    } else {
        j["tokenizer"] = nullptr;
    }
    J types = J::object();
    for (const auto& [type, u] : s.types) types[type_name(type)] = {{"count", u.count}, {"bytes", u.bytes}};
    j["tensors"] = {{"count", s.n_tensors}, {"bytes", s.weight_bytes}, {"by_type", types}};
    J mem;
    mem["ctx_size"] = s.ctx_size;
    mem["weights_bytes"] = s.weight_bytes;
    mem["kv_cache_type"] = "f16";
    mem["kv_cache_bytes"] = s.kv ? J(s.kv->bytes) : J(nullptr);
    mem["head_dim_k"] = s.kv ? J(s.kv->k_dim) : J(nullptr);
    mem["head_dim_v"] = s.kv ? J(s.kv->v_dim) : J(nullptr);
    mem["total_bytes"] = s.weight_bytes + (s.kv ? s.kv->bytes : 0);
    j["memory"] = mem;
    return j;
}

std::string with_commas(uint64_t v) {
    std::string d = std::to_string(v), out;
    for (size_t k = 0; k < d.size(); ++k) {
        if (k && (d.size() - k) % 3 == 0) out += ',';
        out += d[k];
    }
    return out;
}

std::string human_bytes(uint64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return with_commas(b) + " bytes (" + buf + ")";
}

template <typename T>
std::string text(const std::optional<T>& v) {
    if (!v) return "-";
    if constexpr (std::is_same_v<T, std::string>) return *v;
    else if constexpr (std::is_floating_point_v<T>) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", *v);
        return buf;
    } else return std::to_string(*v);
}

void row(const std::string& label, const std::string& value, int indent = 0) {
    std::printf("%*s%-*s %s\n", indent, "", 32 - indent, label.c_str(), value.c_str());
}

void print_table(const Summary& s) {
    row("file", s.path);
    row("format", "GGUF v" + std::to_string(s.version) + ", " + human_bytes(s.file_size) + ", " +
                      std::to_string(s.n_keys) + " metadata keys, alignment " + std::to_string(s.alignment));
    row("architecture", text(s.architecture));
    row("name", text(s.name));
    row("file type", s.file_type ? file_type_name(*s.file_type) + " (" + std::to_string(*s.file_type) + ")" : "-");
    const Hyperparameters& h = s.hp;
    if (!h.block_count && !h.embedding_length && !h.context_length) {
        row("hyperparameters", "none (vocab-only file)");
    } else {
        const std::string a = *s.architecture + ".";
        std::printf("hyperparameters\n");
        row(a + "context_length", text(h.context_length), 2);
        row(a + "embedding_length", text(h.embedding_length), 2);
        row(a + "block_count", text(h.block_count), 2);
        row(a + "feed_forward_length", text(h.feed_forward_length), 2);
        row(a + "attention.head_count", text(h.head_count), 2);
        std::string kvh = "-";
        if (h.head_count_kv.size() == 1) kvh = std::to_string(h.head_count_kv[0]);
        else if (!h.head_count_kv.empty()) kvh = "per layer, " + std::to_string(h.head_count_kv.size()) + " values";
        row(a + "attention.head_count_kv", kvh, 2);
        if (h.key_length) row(a + "attention.key_length", text(h.key_length), 2);
        if (h.value_length) row(a + "attention.value_length", text(h.value_length), 2);
        row(a + "rope.freq_base", h.rope_freq_base ? text(h.rope_freq_base) : "- (default 10000)", 2);
        row(a + "layer_norm_rms_epsilon", text(h.rms_epsilon), 2);
    }
    if (s.tokenizer) {
        const TokenizerSummary& t = *s.tokenizer;
        std::printf("tokenizer\n");
        row("model", text(t.model), 2);
        row("pre", text(t.pre), 2);
        row("vocab size", std::to_string(t.vocab_size), 2);
        row("bos / eos id", text(t.bos_id) + " / " + text(t.eos_id), 2);
        row("merges", std::to_string(t.merges), 2);
        row("chat template", t.chat_template ? "yes" : "no", 2);
    }
    row("tensors", std::to_string(s.n_tensors) + ", " + human_bytes(s.weight_bytes));
    for (const auto& [type, u] : s.types) {
        row(type_name(type), std::to_string(u.count) + " tensors, " + human_bytes(u.bytes), 2);
    }
    std::printf("memory at ctx %llu (weights + f16 KV cache)\n", static_cast<unsigned long long>(s.ctx_size));
    row("weights", human_bytes(s.weight_bytes), 2);
    if (s.kv) {
        row("KV cache", human_bytes(s.kv->bytes), 2);
        const Hyperparameters& h = s.hp;
        const std::string heads = h.head_count_kv.size() == 1
                                      ? text(h.block_count) + " layers x " + std::to_string(h.head_count_kv[0]) + " KV heads"
                                      : std::to_string(s.kv->kv_heads) + " KV heads summed over layers";
        row("", "= 2 B (f16) x " + std::to_string(s.ctx_size) + " ctx x " + heads + " x (" +
                    std::to_string(s.kv->k_dim) + " K + " + std::to_string(s.kv->v_dim) + " V dims)",
            2);
    } else {
        row("KV cache", "- (no attention hyperparameters in this file)", 2);
    }
    row("total", human_bytes(s.weight_bytes + (s.kv ? s.kv->bytes : 0)), 2);
}

}  // namespace

CommandRun add_inspect_command(CLI::App& app) {
    struct Opts {
        std::string path;
        bool json = false, no_mmap = false;
        uint64_t ctx_size = 0;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand(
        "inspect", "Show a GGUF file's architecture, hyperparameters, tokenizer, tensor types and RAM needed");
    sub->add_option("file", o->path, "GGUF file (a vocab-only file works)")->required();
    sub->add_flag("--json", o->json, "print one JSON object instead of a table");
    sub->add_option("--ctx-size", o->ctx_size,
                    "context length for the KV cache estimate (default: the model's, at most 4096)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
    sub->add_flag("--no-mmap", o->no_mmap, "read the file into memory instead of mapping it");
    return [o]() -> int {
        auto g = GgufFile::open(o->path, !o->no_mmap);
        const Summary s = summarize(*g, o->ctx_size);
        if (o->json) {
            // Names from the file may not be valid UTF-8: replace bad bytes rather than fail.
            const std::string out = to_json(s).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
            std::fwrite(out.data(), 1, out.size(), stdout);
        } else {
            print_table(s);
        }
        return 0;
    };
}

}  // namespace edgeseek::cli
