#include "sampling/sampler.h"

#include <gtest/gtest.h>

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
