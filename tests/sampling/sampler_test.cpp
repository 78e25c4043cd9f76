#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace edgeseek {
namespace {

std::vector<float> logits_of(std::initializer_list<float> l) { return std::vector<float>(l); }

TEST(Sampler, ZeroTemperatureIsArgmax) {
    SamplingParams p;
    p.temperature = 0.0f;
    Sampler s(p);
    auto l = logits_of({0.1f, 2.0f, -1.0f, 1.9f});
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(l.data(), 4), 1);
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDiffers) {
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = 1234;
    std::vector<float> l(50);
    for (int i = 0; i < 50; ++i) l[static_cast<size_t>(i)] = static_cast<float>(i % 7) * 0.1f;
    Sampler a(p), b(p);
    p.seed = 999;
    Sampler c(p);
    int differ = 0;
    for (int i = 0; i < 100; ++i) {
        const int x = a.sample(l.data(), 50), y = b.sample(l.data(), 50), z = c.sample(l.data(), 50);
        EXPECT_EQ(x, y);
        differ += x != z;
    }
    EXPECT_GT(differ, 10);
}

TEST(Sampler, TopKOneAndTinyTopPPickTheBest) {
    auto l = logits_of({1.0f, 3.0f, 2.9f, 2.8f});
    SamplingParams p;
    p.temperature = 5.0f;
    p.top_k = 1;
    p.min_p = 0.0f;
    Sampler k1(p);
    p.top_k = 0;
    p.top_p = 0.01f;
    Sampler tp(p);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(k1.sample(l.data(), 4), 1);
        EXPECT_EQ(tp.sample(l.data(), 4), 1);
    }
}

TEST(Sampler, MinPRemovesUnlikelyTokens) {
    // p(token 1) / p(token 0) = e^-3 ~ 0.05 < min_p 0.2: token 1 must never be drawn.
    auto l = logits_of({3.0f, 0.0f, 2.5f});
    SamplingParams p;
    p.temperature = 1.5f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.2f;
    p.seed = 7;
    Sampler s(p);
    for (int i = 0; i < 500; ++i) EXPECT_NE(s.sample(l.data(), 3), 1);
}

TEST(Sampler, FrequenciesFollowSoftmax) {
    auto l = logits_of({0.0f, 1.0f, 2.0f});
    SamplingParams p;
    p.temperature = 1.0f;
    p.top_k = 0;
    p.top_p = 1.0f;
    p.min_p = 0.0f;
    p.seed = 42;
    Sampler s(p);
    std::map<int, int> n;
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) ++n[s.sample(l.data(), 3)];
    const double z = 1.0 + std::exp(1.0) + std::exp(2.0);
    EXPECT_NEAR(n[0] / static_cast<double>(draws), 1.0 / z, 0.015);
    EXPECT_NEAR(n[1] / static_cast<double>(draws), std::exp(1.0) / z, 0.015);
    EXPECT_NEAR(n[2] / static_cast<double>(draws), std::exp(2.0) / z, 0.015);
}

// Without top-k, top-p and min-p over a large vocabulary (the prefix-sorting path): the draws
// follow the nucleus computed here by a full sort, and nothing outside it is ever drawn.
TEST(Sampler, LargeVocabularyNucleusMatchesFullSort) {
    const int64_t V = 20000;
    std::vector<float> l(static_cast<size_t>(V));
    uint32_t st = 17;
    for (auto& x : l) {
        st = st * 1664525u + 1013904223u;
        x = static_cast<float>(st >> 8) / 16777216.0f * 6.0f;  // a flat tail: the nucleus is wide
    }
    for (int k = 0; k < 40; ++k) l[static_cast<size_t>(k * 401)] = 14.0f - 0.1f * static_cast<float>(k);
    for (const auto& [top_p, min_p] : {std::pair{0.9f, 0.0f}, std::pair{1.0f, 0.01f}, std::pair{0.5f, 0.05f}}) {
        // Reference: probabilities over the whole vocabulary, sorted; cut by top-p then min-p.
        std::vector<std::pair<float, int32_t>> ref;
        for (int64_t i = 0; i < V; ++i) ref.emplace_back(l[static_cast<size_t>(i)], static_cast<int32_t>(i));
        std::sort(ref.begin(), ref.end(), [](auto& a, auto& b) { return a.first > b.first; });
        double z = 0.0;
        for (auto& r : ref) z += std::exp(static_cast<double>(r.first - ref[0].first));
        size_t keep = ref.size();
        if (top_p < 1.0f) {
            double cum = 0.0;
            for (keep = 0; keep < ref.size();) {
                cum += std::exp(static_cast<double>(ref[keep].first - ref[0].first)) / z;
                ++keep;
                if (cum >= top_p) break;
            }
        }
        if (min_p > 0.0f) {
            size_t k = 1;
            while (k < keep && std::exp(static_cast<double>(ref[k].first - ref[0].first)) >= min_p) ++k;
            keep = k;
        }
        std::map<int32_t, double> want;
        double wz = 0.0;
        for (size_t k = 0; k < keep; ++k) wz += std::exp(static_cast<double>(ref[k].first - ref[0].first));
        for (size_t k = 0; k < keep; ++k) want[ref[k].second] = std::exp(static_cast<double>(ref[k].first - ref[0].first)) / wz;

        SamplingParams p;
        p.temperature = 1.0f;
        p.top_k = 0;
        p.top_p = top_p;
        p.min_p = min_p;
        p.seed = 5;
        Sampler s(p);
        std::map<int32_t, int> got;
        const int draws = 1500;
        for (int i = 0; i < draws; ++i) ++got[s.sample(l.data(), V)];
        for (const auto& [id, cnt] : got) EXPECT_TRUE(want.count(id)) << "token " << id << " is outside the nucleus";
        const auto best = ref[0].second;
        EXPECT_NEAR(got[best] / static_cast<double>(draws), want[best], 0.05) << "top_p " << top_p << " min_p " << min_p;
    }
}

TEST(Sampler, PenaltiesSteerAwayFromHistory) {
    auto l = logits_of({2.0f, 1.9f, 0.0f});
    SamplingParams p;
    p.temperature = 0.0f;
    p.repeat_penalty = 1.5f;  // 2.0 / 1.5 = 1.33 < 1.9
    Sampler rep(p);
    rep.accept(0);
    EXPECT_EQ(rep.sample(l.data(), 3), 1);
    p.repeat_penalty = 1.0f;
    p.presence_penalty = 0.5f;
    Sampler pres(p);
    pres.accept(0);
    EXPECT_EQ(pres.sample(l.data(), 3), 1);
    p.presence_penalty = 0.0f;
    p.frequency_penalty = 0.05f;  // one occurrence: 2.0 - 0.05 > 1.9; three: 1.85 < 1.9
    Sampler freq(p);
    freq.accept(0);
    EXPECT_EQ(freq.sample(l.data(), 3), 0);
    freq.accept(0);
    freq.accept(0);
    EXPECT_EQ(freq.sample(l.data(), 3), 1);
}

}  // namespace
}  // namespace edgeseek
