// The perplexity and KL-divergence arithmetic against values worked out by hand or computed
// here independently (plain double loops over explicit distributions).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "quality/kl_divergence.h"
#include "quality/perplexity.h"

namespace edgeseek {
namespace {

TEST(QualityMath, ChunkPlanFollowsLlamaCpp) {
    // 1000 tokens, -c 128: 7 whole chunks; positions 64..126 predict 65..127 (63 per chunk).
    const ChunkPlan p = plan_chunks(1000, 128, 0);
    EXPECT_EQ(p.n_chunk, 7);
    EXPECT_EQ(p.first, 64);
    EXPECT_EQ(p.scored_per_chunk(), 63);
    EXPECT_EQ(p.scored_total(), 441);
    EXPECT_EQ(plan_chunks(1000, 128, 3).n_chunk, 3);
    EXPECT_EQ(plan_chunks(256, 128, 0).n_chunk, 2);
    // llama.cpp needs 2 * n_ctx tokens.
    try {
        plan_chunks(255, 128, 0);
        FAIL() << "255 tokens accepted for -c 128";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("needs at least 256"), std::string::npos) << e.what();
    }
    EXPECT_THROW(plan_chunks(1000, 2, 0), Error);
}

TEST(QualityMath, UniformLogitsGiveVocabularySize) {
    for (int64_t V : {2, 512, 151936}) {
        const std::vector<float> zeros(static_cast<size_t>(V), 0.0f);
        NllAccumulator acc;
        for (int i = 0; i < (V > 1000 ? 10 : 100); ++i) acc.add(token_nll(zeros.data(), V, static_cast<int32_t>(i % V)));
        EXPECT_NEAR(acc.ppl(), static_cast<double>(V), 1e-9 * static_cast<double>(V)) << "V=" << V;
        EXPECT_NEAR(acc.ppl_error(), 0.0, 1e-6) << "V=" << V;
    }
}

TEST(QualityMath, HandCheckedNllAndError) {
    // logits (0, ln 3): p = (1/4, 3/4).
    const float lg[2] = {0.0f, std::log(3.0f)};
    EXPECT_NEAR(token_nll(lg, 2, 0), std::log(4.0), 1e-6);
    EXPECT_NEAR(token_nll(lg, 2, 1), std::log(4.0 / 3.0), 1e-6);
    // NLLs 1, 2, 3: mean 2, E[x^2] = 14/3, var = 2/3, error = sqrt((2/3) / 2) = 1/sqrt(3).
    NllAccumulator acc;
    for (double v : {1.0, 2.0, 3.0}) acc.add(v);
    EXPECT_NEAR(acc.ppl(), std::exp(2.0), 1e-12);
    EXPECT_NEAR(acc.ppl_error(), std::exp(2.0) / std::sqrt(3.0), 1e-9);
    // Large logits must not overflow.
    const float big[3] = {1000.0f, 1000.0f, 0.0f};
    EXPECT_NEAR(token_nll(big, 3, 0), std::log(2.0), 1e-9);
    EXPECT_EQ(log_sum_exp(big, 3).argmax, 0);  // first of a tie
}

TEST(QualityMath, PercentileInterpolatesLikeLlamaCpp) {
    const std::vector<double> v = {0.0, 1.0, 2.0, 3.0, 4.0};
    EXPECT_DOUBLE_EQ(percentile(v, 0.5), 2.0);
    EXPECT_DOUBLE_EQ(percentile(v, 0.99), 3.96);  // 0.99 * 4 = 3.96
    EXPECT_DOUBLE_EQ(percentile(v, 0.0), 0.0);
    EXPECT_DOUBLE_EQ(percentile(v, 1.0), 4.0);
}

std::vector<double> softmax(const std::vector<float>& lg) {
    double mx = lg[0];
    for (float x : lg) mx = std::max<double>(mx, x);
    double sum = 0;
    for (float x : lg) sum += std::exp(x - mx);
    std::vector<double> p;
    for (float x : lg) p.push_back(std::exp(x - mx) / sum);
    return p;
}

TEST(QualityMath, KlDivergenceEqualsTheDefinition) {
    std::mt19937 rng(7);
    std::normal_distribution<float> n(0.0f, 2.0f);
    const int V = 64;
    std::vector<float> a(V), b(V);
    for (int i = 0; i < V; ++i) {
        a[static_cast<size_t>(i)] = n(rng);
        b[static_cast<size_t>(i)] = a[static_cast<size_t>(i)] + 0.3f * n(rng);
    }
    const std::vector<double> p = softmax(a), q = softmax(b);
    double exact = 0;
    for (int i = 0; i < V; ++i) exact += p[static_cast<size_t>(i)] * std::log(p[static_cast<size_t>(i)] / q[static_cast<size_t>(i)]);
    ASSERT_GT(exact, 1e-3);

    // Every token kept: the exact divergence.
    const BaseLogProbs full = summarize_base(a.data(), V, 5, V);
    EXPECT_FALSE(std::isfinite(full.tail_logprob));
    const PositionDivergence d = compare_position(full, b.data(), V, 5);
    EXPECT_NEAR(d.kld, exact, 1e-5 * exact);
    EXPECT_NEAR(d.nll, -std::log(q[5]), 1e-5);
    EXPECT_NEAR(d.nll_base, -std::log(p[5]), 1e-5);

    // Top 8 kept: the divergence of the two distributions with the other 56 tokens merged.
    const BaseLogProbs top = summarize_base(a.data(), V, 5, 8);
    ASSERT_EQ(top.top_ids.size(), 8u);
    std::vector<bool> in_top(V, false);
    double pt = 0, qt = 0, merged = 0;
    for (int32_t id : top.top_ids) {
        in_top[static_cast<size_t>(id)] = true;
        merged += p[static_cast<size_t>(id)] * std::log(p[static_cast<size_t>(id)] / q[static_cast<size_t>(id)]);
    }
    for (int i = 0; i < V; ++i) {
        if (!in_top[static_cast<size_t>(i)]) pt += p[static_cast<size_t>(i)], qt += q[static_cast<size_t>(i)];
    }
    merged += pt * std::log(pt / qt);
    EXPECT_NEAR(std::exp(top.tail_logprob), pt, 1e-6);
    EXPECT_NEAR(compare_position(top, b.data(), V, 5).kld, merged, 1e-5 * merged);
    EXPECT_LE(merged, exact + 1e-12);  // merging outcomes never increases the divergence
    // The top ids are the largest probabilities, in order.
    for (size_t i = 1; i < top.top_ids.size(); ++i) {
        EXPECT_GE(p[static_cast<size_t>(top.top_ids[i - 1])], p[static_cast<size_t>(top.top_ids[i])]);
    }

    // Against itself: exactly zero, same top token.
    const PositionDivergence self = compare_position(top, a.data(), V, 5);
    EXPECT_EQ(self.kld, 0.0);
    EXPECT_TRUE(self.same_top);
}

TEST(QualityMath, SummaryStatistics) {
    KldAccumulator acc;
    // 20 positions: KLD 0.01 * i, top agrees on 15, the compared NLL is the base NLL + 0.1.
    for (int i = 0; i < 20; ++i) {
        PositionDivergence d;
        d.kld = 0.01 * i;
        d.nll_base = 1.0 + 0.05 * i;
        d.nll = d.nll_base + 0.1;
        d.same_top = i < 15;
        acc.add(d);
    }
    const KldSummary s = acc.summary();
    EXPECT_EQ(s.count, 20u);
    EXPECT_NEAR(s.kld.mean, 0.095, 1e-12);
    EXPECT_NEAR(s.kld_median, 0.095, 1e-12);        // (0.09 + 0.10) / 2
    EXPECT_NEAR(s.kld_p99, 0.01 * 18.81, 1e-12);     // 0.99 * 19 = 18.81
    EXPECT_NEAR(s.same_top.mean, 0.75, 1e-12);
    EXPECT_NEAR(s.same_top.err, std::sqrt(0.75 * 0.25 / 19), 1e-12);
    // A constant shift: ln(PPL ratio) is exactly 0.1 and, fully correlated, has no error.
    EXPECT_NEAR(s.ln_ppl_ratio.mean, 0.1, 1e-12);
    EXPECT_NEAR(s.ln_ppl_ratio.err, 0.0, 1e-6);
    EXPECT_NEAR(s.ppl_ratio, std::exp(0.1), 1e-12);
    // The standard error of the mean KLD: sqrt(var / (n - 1)) with var the population variance.
    double var = 0;
    for (int i = 0; i < 20; ++i) var += (0.01 * i - 0.095) * (0.01 * i - 0.095);
    var /= 20;
    EXPECT_NEAR(s.kld.err, std::sqrt(var / 19), 1e-12);
}

}  // namespace
}  // namespace edgeseek
