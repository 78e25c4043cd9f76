// Shared by the quantize tests: running `edgeseek quantize`, reading what it wrote, and
// measuring logits against llama.cpp's goldens.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/session.h"
#include "gguf/gguf_file.h"
#include "quantize/file_types.h"
#include "quantize/model_quantizer.h"
#include "test_support.h"

namespace edgeseek::test {

inline std::string model_fixture(const std::string& name) { return fixture("models/" + name); }
// The small trained Qwen2 model every quantize test starts from.
inline std::string tiny_qwen2() { return model_fixture("tiny-qwen2-f32.gguf"); }

// Runs `edgeseek quantize IN OUT TYPE EXTRA`; stdout+stderr in *out.
inline int run_quantize(const std::string& in, const std::string& out, const std::string& type,
                        const std::string& extra, std::string* output) {
    return run_command(edgeseek_binary() + " quantize " + shell_quote(in) + " " + shell_quote(out) + " " + type +
                           " --threads 2 " + extra,
                       output);
}

inline bool file_exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path, ec));
}

// Tensor name -> type name, as written in a GGUF file.
inline std::map<std::string, std::string> tensor_types(const std::string& path) {
    std::map<std::string, std::string> types;
    auto f = GgufFile::open(path);
    for (const auto& t : f->tensors()) types[t.name] = type_name(t.type);
    return types;
}

// Why a file type cannot be tested yet ("" when it can): the traits table has no quantizer
// for a type its plan needs on this model.
inline std::string unavailable_reason(const std::string& model_path, const std::string& type, bool pure) {
    try {
        auto f = GgufFile::open(model_path);
        ModelQuantizer q(*f, *file_type_from_name(type), pure);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

#define EDGESEEK_REQUIRE_QUANTIZER(model, type, pure)                                        \
    do {                                                                                    \
        const std::string why_ = test::unavailable_reason((model), (type), (pure));         \
        if (!why_.empty()) GTEST_SKIP() << "cannot quantize to " << (type) << " yet: " << why_; \
    } while (0)

// Tensors of `a` whose type or bytes differ from the tensor of the same name in `b`.
inline size_t differing_tensors(const std::string& a, const std::string& b) {
    auto fa = GgufFile::open(a);
    auto fb = GgufFile::open(b);
    size_t n = 0;
    for (const auto& t : fa->tensors()) {
        const TensorInfo* u = fb->find_tensor(t.name);
        if (!u || u->type != t.type || u->nbytes != t.nbytes || std::memcmp(u->data, t.data, t.nbytes) != 0) ++n;
    }
    return n;
}

inline nlohmann::json golden_entries(const std::string& file) {
    std::ifstream in(fixture("golden-llamacpp.json"));
    return nlohmann::json::parse(in)["files"][file];
}

// Logits of every prompt position (n_positions x n_vocab).
inline std::vector<float> prompt_logits(const Model& model, const std::vector<int32_t>& ids) {
    Session s(model, static_cast<int64_t>(ids.size()) + 1, 2);
    return s.eval(ids, true);
}

// Mean |logit - golden| over every prompt, position and golden top-8 id of `entries`.
inline double mean_logit_error(const std::string& model_path, const nlohmann::json& entries) {
    auto model = Model::load(model_path);
    const auto V = static_cast<size_t>(model->config().n_vocab);
    double sum = 0.0;
    size_t count = 0;
    for (const auto& e : entries) {
        const auto ids = e["prompt_ids"].get<std::vector<int32_t>>();
        const auto all = prompt_logits(*model, ids);
        for (size_t pos = 0; pos < ids.size(); ++pos) {
            const auto top_ids = e["positions"][pos]["top_ids"].get<std::vector<int32_t>>();
            const auto top_logits = e["positions"][pos]["top_logits"].get<std::vector<double>>();
            for (size_t k = 0; k < top_ids.size(); ++k) {
                sum += std::fabs(all[pos * V + static_cast<size_t>(top_ids[k])] - top_logits[k]);
                ++count;
            }
        }
    }
    return count ? sum / static_cast<double>(count) : 0.0;
}

}  // namespace edgeseek::test
