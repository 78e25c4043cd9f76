// `edgeseek perplexity` on the real model against a direct computation from the logits path
// (Session::eval with every position's logits, as `edgeseek logits` uses it), the uniform-model
// case, and the errors a user can run into.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/session.h"
#include "quality/quality_testing.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::test {
namespace {

const std::string kAidreams = "models/aidreams260K-f32.gguf";

// llama.cpp's definition written out plainly: chunks of n_ctx tokens, the first replaced by BOS,
// logits of every position from one pass, positions n_ctx/2 .. n_ctx-2 scored.
double direct_perplexity(const std::string& model_path, const std::string& text, int64_t n_ctx, int64_t n_chunks) {
    auto model = Model::load(model_path);
    auto tok = Tokenizer::from_gguf(model->file());
    const std::vector<int32_t> ids = tok->encode(text, true, false);
    EXPECT_EQ(ids.front(), tok->bos());
    const int64_t V = model->config().n_vocab;
    double nll = 0;
    int64_t count = 0;
    for (int64_t c = 0; c < n_chunks; ++c) {
        std::vector<int32_t> chunk(ids.begin() + c * n_ctx, ids.begin() + (c + 1) * n_ctx);
        chunk[0] = tok->bos();
        Session s(*model, n_ctx, 2);
        const std::vector<float>& all = s.eval(chunk, true);
        EXPECT_EQ(all.size(), static_cast<size_t>(n_ctx * V));
        for (int64_t j = n_ctx / 2; j < n_ctx - 1; ++j) {
            const float* lg = &all[static_cast<size_t>(j * V)];
            double mx = lg[0], sum = 0;
            for (int64_t v = 0; v < V; ++v) mx = std::max<double>(mx, lg[v]);
            for (int64_t v = 0; v < V; ++v) sum += std::exp(lg[v] - mx);
            const int32_t next = ids[static_cast<size_t>(c * n_ctx + j + 1)];
            nll += mx + std::log(sum) - lg[next];
            ++count;
        }
    }
    return std::exp(nll / static_cast<double>(count));
}

TEST(CliPerplexity, RealModelEqualsDirectComputationFromLogits) {
    const std::string model = fixture(kAidreams);
    EDGESEEK_REQUIRE_FIXTURE(model);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    const double want = direct_perplexity(model, read_all(quality_text()), 128, 3);
    ASSERT_TRUE(std::isfinite(want));
    ASSERT_GT(want, 1.0);

    std::string out;
    ASSERT_EQ(edgeseek("perplexity -m " + sq(model) + " -f " + sq(quality_text()) + " -c 128 --chunks 3 -t 2", &out), 0)
        << out;
    const double got = final_ppl(out);
    EXPECT_NEAR(got, want, 1e-4 * want) << out;
    // llama.cpp's running values: one per chunk, the last one the final estimate.
    const std::vector<double> run = running_values(out);
    ASSERT_EQ(run.size(), 3u) << out;
    EXPECT_NEAR(run.back(), want, 1e-4 * want);
    EXPECT_NE(out.find("+/- "), std::string::npos) << out;

    // Batches smaller than a chunk (and not dividing it) change nothing.
    ASSERT_EQ(edgeseek("perplexity -m " + sq(model) + " -f " + sq(quality_text()) + " -c 128 --chunks 3 -t 1 -b 40", &out),
              0)
        << out;
    EXPECT_NEAR(final_ppl(out), want, 1e-4 * want) << out;
}

TEST(CliPerplexity, UniformModelGivesVocabularySize) {
    const std::string src = fixture(kAidreams);
    EDGESEEK_REQUIRE_FIXTURE(src);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    const std::string uniform = dir.file("uniform.gguf");
    write_uniform_model(src, uniform);
    std::string out;
    ASSERT_EQ(edgeseek("perplexity -m " + sq(uniform) + " -f " + sq(quality_text()) + " -c 64 --chunks 2 -t 2", &out), 0)
        << out;
    EXPECT_NEAR(final_ppl(out), 512.0, 1e-3) << out;  // the vocabulary of aidreams260K
    EXPECT_NE(out.find("Final estimate: PPL = 512.0000 +/- 0.00000"), std::string::npos) << out;
}

TEST(CliPerplexity, ClearErrors) {
    const std::string model = fixture(kAidreams);
    EDGESEEK_REQUIRE_FIXTURE(model);
    EDGESEEK_REQUIRE_FIXTURE(quality_text());
    TempDir dir;
    std::string out;
    // A missing text file.
    EXPECT_EQ(edgeseek("perplexity -m " + sq(model) + " -f " + sq(dir.file("nope.txt")), &out), 1) << out;
    EXPECT_NE(out.find("cannot read the text file"), std::string::npos) << out;
    // A text too short for two chunks.
    {
        std::ofstream(dir.file("short.txt")) << "I dreamed of a small red boat.";
    }
    EXPECT_EQ(edgeseek("perplexity -m " + sq(model) + " -f " + sq(dir.file("short.txt")) + " -c 64", &out), 1) << out;
    EXPECT_NE(out.find("needs at least 128"), std::string::npos) << out;
    // --kl-divergence without a file.
    EXPECT_EQ(edgeseek("perplexity -m " + sq(model) + " --kl-divergence", &out), 1) << out;
    EXPECT_NE(out.find("needs the base file"), std::string::npos) << out;
    // Not a .kld file.
    EXPECT_EQ(edgeseek("perplexity -m " + sq(model) + " --kl-divergence " + sq(quality_text()), &out), 1) << out;
    EXPECT_NE(out.find("bad magic"), std::string::npos) << out;
}

}  // namespace
}  // namespace edgeseek::test
