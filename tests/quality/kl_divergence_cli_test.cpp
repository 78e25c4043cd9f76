// `perplexity --kl-divergence-base` / `--kl-divergence`: a model against itself, the order of
// quantizations on tiny-qwen2, agreement with a full-softmax KL computed here, and the checks
// that refuse a base file from another model, text or context.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "engine/session.h"
#include "quality/evaluation.h"
#include "quality/quality_testing.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::test {
namespace {

std::string base_cmd(const std::string& model, const std::string& kld, const std::string& extra = "") {
    return "perplexity -m " + sq(model) + " -f " + sq(quality_text()) + " -t 2 --kl-divergence-base " + sq(kld) + " " +
           extra;
}

std::string compare_cmd(const std::string& model, const std::string& kld, const std::string& extra = "") {
    return "perplexity -m " + sq(model) + " -t 2 --kl-divergence " + sq(kld) + " " + extra;
}

TEST(CliKlDivergence, ModelAgainstItselfIsZero) {
    const std::string model = fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string kld = dir.file("base.kld");
    std::string out;
    ASSERT_EQ(edgeseek(base_cmd(model, kld, "-c 64 --chunks 3 --kl-top 32"), &out), 0) << out;
    const double base_ppl = final_ppl(out);
    ASSERT_TRUE(std::filesystem::exists(kld));
    EXPECT_FALSE(std::filesystem::exists(kld + ".partial"));
    // The stored tokens stand in for the text: no -f needed.
    ASSERT_EQ(edgeseek(compare_cmd(model, kld), &out), 0) << out;
    EXPECT_NEAR(mean_kld(out), 0.0, 1e-6) << out;
    EXPECT_NEAR(same_top_percent(out), 100.0, 1e-9) << out;
    EXPECT_NEAR(final_ppl(out), base_ppl, 1e-4 * base_ppl) << out;
    EXPECT_NEAR(number_after(out, "Mean ln(PPL(Q)/PPL(base))     :"), 0.0, 1e-6) << out;
    // llama.cpp's spelling: --kl-divergence-base FILE --kl-divergence reads FILE.
    ASSERT_EQ(edgeseek("perplexity -m " + sq(model) + " -t 1 --kl-divergence-base " + sq(kld) + " --kl-divergence", &out), 0)
        << out;
    EXPECT_NEAR(mean_kld(out), 0.0, 1e-6) << out;

    // The same in the library, without the 6 printed decimals.
    auto m = Model::load(model);
    auto tok = Tokenizer::from_gguf(m->file());
    const std::vector<int32_t> ids = tok->encode(read_all(quality_text()), true, false);
    const ChunkPlan plan = plan_chunks(ids.size(), 64, 2);
    ChunkRunOptions run;
    run.threads = 2;
    run.bos = tok->bos();
    std::vector<BaseLogProbs> base;
    evaluate_base(*m, ids, plan, run, 16, [&](BaseLogProbs&& b) { base.push_back(std::move(b)); }, {});
    ASSERT_EQ(base.size(), static_cast<size_t>(plan.scored_total()));
    const auto per = static_cast<size_t>(plan.scored_per_chunk());
    const KldSummary s = evaluate_against_base(
                             *m, ids, plan, run,
                             [&](int64_t c) {
                                 auto b = base.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(c) * per);
                                 return std::vector<BaseLogProbs>(b, b + static_cast<std::ptrdiff_t>(per));
                             },
                             {})
                             .summary();
    EXPECT_LE(std::fabs(s.kld.mean), 1e-6);
    EXPECT_LE(s.kld_max, 1e-6);
    EXPECT_EQ(s.same_top.mean, 1.0);
}

TEST(CliKlDivergence, QuantizationsOrderOnTinyQwen2) {
    const std::string f32 = fixture("models/tiny-qwen2-f32.gguf");
    for (const char* t : {"f32", "q8_0", "q4_0", "q2_k"}) EDGESEEK_REQUIRE_FIXTURE(fixture(std::string("models/tiny-qwen2-") + t + ".gguf"));
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string kld = dir.file("qwen2.kld");
    std::string out;
    ASSERT_EQ(edgeseek(base_cmd(f32, kld, "-c 64 --chunks 4"), &out), 0) << out;
    std::map<std::string, double> k, top;
    for (const char* t : {"q8_0", "q4_0", "q2_k"}) {
        ASSERT_EQ(edgeseek(compare_cmd(fixture(std::string("models/tiny-qwen2-") + t + ".gguf"), kld), &out), 0) << out;
        k[t] = mean_kld(out);
        top[t] = same_top_percent(out);
        ASSERT_TRUE(std::isfinite(k[t])) << out;
    }
    EXPECT_GT(k["q8_0"], 0.0);
    EXPECT_LT(k["q8_0"], k["q4_0"]);
    EXPECT_LT(k["q4_0"], k["q2_k"]);
    EXPECT_GE(top["q8_0"], top["q2_k"]);
}

// The CLI's mean KLD (every token kept) against a full-softmax KL computed here from the two
// models' logits.
TEST(CliKlDivergence, MatchesFullSoftmaxComputation) {
    const std::string f32 = fixture("models/tiny-qwen2-f32.gguf"), q4 = fixture("models/tiny-qwen2-q4_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(f32);
    EDGESEEK_REQUIRE_FIXTURE(q4);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string kld = dir.file("full.kld");
    std::string out;
    ASSERT_EQ(edgeseek(base_cmd(f32, kld, "-c 32 --chunks 2 --kl-top 100000"), &out), 0) << out;
    ASSERT_EQ(edgeseek(compare_cmd(q4, kld), &out), 0) << out;
    const double got = mean_kld(out);

    auto mp = Model::load(f32), mq = Model::load(q4);
    auto tok = Tokenizer::from_gguf(mp->file());
    std::vector<int32_t> ids = tok->encode(read_all(quality_text()), true, false);
    const int64_t V = mp->config().n_vocab, n_ctx = 32;
    double sum = 0;
    int n = 0;
    for (int64_t c = 0; c < 2; ++c) {
        std::vector<int32_t> chunk(ids.begin() + c * n_ctx, ids.begin() + (c + 1) * n_ctx);
        chunk[0] = tok->bos();
        Session sp(*mp, n_ctx, 2), sq_(*mq, n_ctx, 2);
        const std::vector<float> lp = sp.eval(chunk, true), lq = sq_.eval(chunk, true);
        for (int64_t j = n_ctx / 2; j < n_ctx - 1; ++j) {
            auto logsm = [&](const std::vector<float>& all) {
                const float* x = &all[static_cast<size_t>(j * V)];
                double mx = x[0], s = 0;
                for (int64_t v = 0; v < V; ++v) mx = std::max<double>(mx, x[v]);
                for (int64_t v = 0; v < V; ++v) s += std::exp(x[v] - mx);
                std::vector<double> r(static_cast<size_t>(V));
                for (int64_t v = 0; v < V; ++v) r[static_cast<size_t>(v)] = x[v] - mx - std::log(s);
                return r;
            };
            const auto a = logsm(lp), b = logsm(lq);
            double kl = 0;
            for (int64_t v = 0; v < V; ++v) kl += std::exp(a[static_cast<size_t>(v)]) * (a[static_cast<size_t>(v)] - b[static_cast<size_t>(v)]);
            sum += kl;
            ++n;
        }
    }
    const double want = sum / n;
    ASSERT_GT(want, 1e-4);
    EXPECT_NEAR(got, want, 2e-6 + 1e-3 * want) << out;
}

TEST(CliKlDivergence, RefusesMismatchedBase) {
    const std::string aid = fixture("models/aidreams260K-f32.gguf"), llama = fixture("models/tiny-llama-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(aid);
    EDGESEEK_REQUIRE_FIXTURE(llama);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string kld = dir.file("aid.kld");
    std::string out;
    ASSERT_EQ(edgeseek(base_cmd(aid, kld, "-c 64 --chunks 2"), &out), 0) << out;
    // Never overwritten silently.
    EXPECT_EQ(edgeseek(base_cmd(aid, kld, "-c 64 --chunks 2"), &out), 1) << out;
    EXPECT_NE(out.find("--force"), std::string::npos) << out;
    EXPECT_EQ(edgeseek(base_cmd(aid, kld, "-c 64 --chunks 2 --force"), &out), 0) << out;
    // Another model with the same vocabulary but another shape.
    EXPECT_EQ(edgeseek(compare_cmd(llama, kld), &out), 1) << out;
    EXPECT_NE(out.find("different model"), std::string::npos) << out;
    // Another text.
    {
        std::ofstream(dir.file("other.txt")) << read_all(quality_text()).substr(100);
    }
    EXPECT_EQ(edgeseek(compare_cmd(aid, kld, "-f " + sq(dir.file("other.txt"))), &out), 1) << out;
    EXPECT_NE(out.find("tokenizes differently"), std::string::npos) << out;
    // Another context size.
    EXPECT_EQ(edgeseek(compare_cmd(aid, kld, "-c 128"), &out), 1) << out;
    EXPECT_NE(out.find("made with -c 64"), std::string::npos) << out;
    // A truncated file.
    const auto size = std::filesystem::file_size(kld);
    std::filesystem::resize_file(kld, size - 10);
    EXPECT_EQ(edgeseek(compare_cmd(aid, kld), &out), 1) << out;
    EXPECT_NE(out.find("truncated"), std::string::npos) << out;
    // A different vocabulary of the same size: one token's text changed.
    ASSERT_EQ(edgeseek(base_cmd(aid, kld, "-c 64 --chunks 2 --force"), &out), 0) << out;
    {
        auto in = GgufFile::open(aid);
        GgufWriter w;
        w.copy_metadata_from(*in);
        ASSERT_NE(in->find("tokenizer.ggml.tokens"), nullptr);
        auto tok = Tokenizer::from_gguf(*in);
        std::vector<std::string> texts;
        for (int32_t i = 0; i < tok->n_vocab(); ++i) texts.push_back(tok->token_text(i));
        texts[500] += "x";
        w.set_string_array("tokenizer.ggml.tokens", texts);
        for (const auto& t : in->tensors()) w.add_tensor(t.name, t.shape, t.type, t.data);
        w.write(dir.file("renamed.gguf"));
    }
    EXPECT_EQ(edgeseek(compare_cmd(dir.file("renamed.gguf"), kld), &out), 1) << out;
    EXPECT_NE(out.find("different vocabulary"), std::string::npos) << out;
}

}  // namespace
}  // namespace edgeseek::test
