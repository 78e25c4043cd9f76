// The forward pass against llama.cpp's logits (golden-llamacpp.json) and an exact float64
// reference for Qwen3 (golden-numpy.json): prompt ids, top-8 logits within the type's
// tolerance, top-1 agreement where the reference's top-2 gap is clear, greedy continuations.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/session.h"
#include "kernels/thread_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {
namespace {

struct Case {
    const char* golden;  // json file under fixtures
    const char* file;    // model under fixtures/models
    double tol;
    bool greedy_exact;   // all greedy ids must match (the real model)
};

nlohmann::json load_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

class GoldenLogits : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenLogits, MatchesReference) {
    const Case c = GetParam();
    const std::string golden_path = test::fixture(c.golden);
    const std::string model_path = test::fixture(std::string("models/") + c.file);
    EDGESEEK_REQUIRE_FIXTURE(golden_path);
    EDGESEEK_REQUIRE_FIXTURE(model_path);
    const auto entries = load_json(golden_path)["files"][c.file];
    ASSERT_TRUE(entries.is_array()) << "no golden entries for " << c.file;
    auto model = Model::load(model_path);
    auto tok = Tokenizer::from_gguf(model->file());
    const int64_t V = model->config().n_vocab;
    double max_err = 0.0;
    for (const auto& e : entries) {
        const std::string prompt = e["prompt"];
        const auto want_ids = e["prompt_ids"].get<std::vector<int32_t>>();
        const auto ids = tok->encode(prompt, e["add_bos"].get<bool>(), true);
        ASSERT_EQ(ids, want_ids) << c.file << " prompt '" << prompt << "'";

        const auto greedy = e["greedy_ids"].get<std::vector<int32_t>>();
        Session s(*model, static_cast<int64_t>(ids.size() + greedy.size()) + 1, 2);
        const std::vector<float> all = s.eval(ids, true);
        for (size_t pos = 0; pos < ids.size(); ++pos) {
            const float* lg = &all[pos * static_cast<size_t>(V)];
            const auto top_ids = e["positions"][pos]["top_ids"].get<std::vector<int32_t>>();
            const auto top_logits = e["positions"][pos]["top_logits"].get<std::vector<double>>();
            for (size_t k = 0; k < top_ids.size(); ++k) {
                const double err = std::fabs(lg[top_ids[k]] - top_logits[k]);
                max_err = std::max(max_err, err);
                EXPECT_LE(err, c.tol) << c.file << " '" << prompt << "' position " << pos << " token " << top_ids[k]
                                      << ": expected " << top_logits[k] << ", got " << lg[top_ids[k]];
            }
            if (top_logits.size() >= 2 && top_logits[0] - top_logits[1] > 2 * c.tol) {
                EXPECT_EQ(Sampler::argmax(lg, V), top_ids[0]) << c.file << " '" << prompt << "' position " << pos;
            }
        }
        if (c.greedy_exact) {
            std::vector<float> last(all.end() - V, all.end());
            std::vector<int32_t> got;
            for (size_t g = 0; g < greedy.size(); ++g) {
                got.push_back(Sampler::argmax(last.data(), V));
                if (g + 1 < greedy.size()) last = s.eval({got.back()});
            }
            EXPECT_EQ(got, greedy) << c.file << " greedy continuation of '" << prompt << "'";
        }
    }
    std::printf("[ logits ] %-28s max |error| over top-8 = %.5f (tolerance %.3g)\n", c.file, max_err, c.tol);
}

INSTANTIATE_TEST_SUITE_P(
    Files, GoldenLogits,
    ::testing::Values(Case{"golden-llamacpp.json", "aidreams260K-f32.gguf", 1e-2, true},
                      Case{"golden-llamacpp.json", "tiny-llama-f32.gguf", 1e-2, false},
                      Case{"golden-llamacpp.json", "tiny-llama-q8_0.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-f32.gguf", 1e-2, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-f16.gguf", 2e-2, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-bf16.gguf", 5e-2, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q8_0.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q4_0.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q4_1.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q5_0.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q5_1.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q2_k.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q3_k_s.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q4_k_s.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q4_k_m.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q5_k_s.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-q6_k.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-qwen2-iq4_nl.gguf", 0.25, false},
                      Case{"golden-llamacpp.json", "tiny-llama-q4_k_m.gguf", 0.25, false},
                      Case{"golden-numpy.json", "tiny-qwen3-f32.gguf", 1e-2, false},
                      Case{"golden-numpy.json", "tiny-qwen3-q8_0.gguf", 0.25, false}),
    [](const ::testing::TestParamInfo<Case>& i) {
        std::string n = i.param.file;
        for (char& ch : n) if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        return n;
    });

// An empty batch is no work: no logits, the cache and the scratch left as they were (the
// token chunking it would otherwise size divides by the batch).
TEST(ModelForward, EmptyBatchGivesNoLogits) {
    const std::string model_path = test::fixture("models/tiny-qwen2-q4_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model_path);
    auto model = Model::load(model_path);
    KvCache cache(model->config(), 16);
    ThreadPool pool(2);
    ForwardScratch scratch;
    std::vector<float> logits(7, 1.0f);
    model->forward({}, cache, pool, scratch, logits);
    EXPECT_TRUE(logits.empty());
    // The same pass then serves a real token.
    model->forward({BatchToken{1, 0, 0, true}}, cache, pool, scratch, logits);
    ASSERT_EQ(logits.size(), static_cast<size_t>(model->config().n_vocab));
    for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

// Two sequences' prompts in one batch (the server's slots), each continued by a second batch
// behind what it cached, give each sequence the logits it gets alone: blocks of 4 tokens x 2
// query heads per KV head read keys converted once per layer (attend_tokens' `keys`), one
// converted range per sequence, and a sequence's second batch attends to its own first.
TEST(ModelForward, SequencesInOneBatchMatchEachAlone) {
    const std::string model_path = test::fixture("models/tiny-qwen2-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model_path);
    auto model = Model::load(model_path);
    ASSERT_EQ(model->config().n_head / model->config().n_head_kv, 2);
    const int64_t V = model->config().n_vocab;
    ThreadPool pool(2);
    const std::vector<std::vector<int32_t>> prompts = {{5, 17, 3, 99, 42, 7, 8, 61, 23, 11, 2, 90, 14, 6, 33, 71, 9, 4, 12, 28},
                                                       {44, 1, 63, 25, 18, 77, 30}};
    const size_t split[2] = {13, 5};  // each prompt in two batches: [0, split) then the rest
    auto tokens = [&](int seq, size_t b, size_t e) {
        std::vector<BatchToken> batch;
        for (size_t i = b; i < e; ++i) {
            batch.push_back(BatchToken{prompts[static_cast<size_t>(seq)][i], static_cast<int32_t>(i), seq, true});
        }
        return batch;
    };
    // Alone: each sequence in a cache of its own, its two batches in turn.
    std::vector<std::vector<float>> alone(2);
    for (int seq = 0; seq < 2; ++seq) {
        KvCache cache(model->config(), 32);
        ForwardScratch scratch;
        std::vector<float> logits;
        const size_t n = prompts[static_cast<size_t>(seq)].size();
        for (auto batch : {tokens(seq, 0, split[seq]), tokens(seq, split[seq], n)}) {
            for (auto& bt : batch) bt.seq = 0;
            model->forward(batch, cache, pool, scratch, logits);
            alone[static_cast<size_t>(seq)].insert(alone[static_cast<size_t>(seq)].end(), logits.begin(), logits.end());
        }
    }
    // Together: both sequences in each batch, sequence 1's tokens first.
    KvCache cache(model->config(), 32, 2);
    ForwardScratch scratch;
    std::vector<float> logits;
    std::vector<std::vector<float>> together(2);
    for (int part = 0; part < 2; ++part) {
        std::vector<BatchToken> batch;
        size_t count[2];
        for (int seq : {1, 0}) {
            const size_t n = prompts[static_cast<size_t>(seq)].size();
            auto t = part == 0 ? tokens(seq, 0, split[seq]) : tokens(seq, split[seq], n);
            count[seq] = t.size();
            batch.insert(batch.end(), t.begin(), t.end());
        }
        model->forward(batch, cache, pool, scratch, logits);
        ASSERT_EQ(logits.size(), batch.size() * static_cast<size_t>(V));
        together[1].insert(together[1].end(), logits.begin(), logits.begin() + static_cast<std::ptrdiff_t>(count[1] * V));
        together[0].insert(together[0].end(), logits.begin() + static_cast<std::ptrdiff_t>(count[1] * V), logits.end());
    }
    for (int seq = 0; seq < 2; ++seq) {
        const auto& a = alone[static_cast<size_t>(seq)];
        const auto& b = together[static_cast<size_t>(seq)];
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            ASSERT_NEAR(b[i], a[i], 1e-4f + 1e-4f * std::fabs(a[i]))
                << "sequence " << seq << " token " << i / static_cast<size_t>(V) << " logit " << i % static_cast<size_t>(V);
        }
    }
}

}  // namespace
}  // namespace edgeseek
