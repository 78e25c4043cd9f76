#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace edgeseek {

Sampler::Sampler(const SamplingParams& p)
    : p_(p), seed_(p.seed == 0xFFFFFFFFu ? std::random_device{}() : p.seed), rng_(seed_) {}

void Sampler::reset() {
    history_.clear();
    rng_.seed(seed_);
}

void Sampler::accept(int32_t token) {
    if (p_.penalty_last_n <= 0) return;
    history_.push_back(token);
    while (static_cast<int32_t>(history_.size()) > p_.penalty_last_n) history_.pop_front();
}

int32_t Sampler::argmax(const float* logits, int64_t n_vocab) {
    int64_t best = 0;
    for (int64_t i = 1; i < n_vocab; ++i) {
        if (logits[i] > logits[best]) best = i;
    }
    return static_cast<int32_t>(best);
}

void Sampler::apply_penalties(std::vector<Candidate>& c) const {
    if (history_.empty()) return;
    if (p_.repeat_penalty == 1.0f && p_.presence_penalty == 0.0f && p_.frequency_penalty == 0.0f) return;
    std::unordered_map<int32_t, int> count;
    for (int32_t t : history_) ++count[t];
    for (const auto& [tok, cnt] : count) {
        if (tok < 0 || tok >= static_cast<int32_t>(c.size())) continue;
        float& l = c[static_cast<size_t>(tok)].logit;  // candidates are still indexed by id here
        // Repetition penalty as in CTRL / llama.cpp: shrink positive logits, grow negative ones.
        l = l > 0.0f ? l / p_.repeat_penalty : l * p_.repeat_penalty;
        l -= static_cast<float>(cnt) * p_.frequency_penalty + p_.presence_penalty;
    }
}

int32_t Sampler::sample(const float* logits, int64_t n_vocab) {
    cand_.resize(static_cast<size_t>(n_vocab));
    for (int64_t i = 0; i < n_vocab; ++i) cand_[static_cast<size_t>(i)] = {static_cast<int32_t>(i), logits[i], 0.0f};
    apply_penalties(cand_);
    auto by_logit = [](const Candidate& a, const Candidate& b) { return a.logit > b.logit; };
    if (p_.temperature <= 0.0f) {
        return std::max_element(cand_.begin(), cand_.end(), [](const Candidate& a, const Candidate& b) {
                   return a.logit < b.logit;
               })->id;
    }
    auto softmax = [&]() {
        const float mx = cand_.front().logit;
        double sum = 0.0;
        for (auto& c : cand_) {
            c.p = std::exp(c.logit - mx);
            sum += c.p;
        }
        for (auto& c : cand_) c.p = static_cast<float>(c.p / sum);
    };
    auto sort_prefix = [&](size_t k) {
        std::partial_sort(cand_.begin(), cand_.begin() + static_cast<std::ptrdiff_t>(k), cand_.end(), by_logit);
    };
    const size_t n = cand_.size();
    if ((p_.top_k <= 0 || static_cast<size_t>(p_.top_k) >= n) && (p_.top_p < 1.0f || p_.min_p > 0.0f)) {
        // No top-k over the whole vocabulary: sorting 150k candidates per token costs more than
        // the forward pass of a small model. Probabilities need the full sum, but only the head
        // that top-p / min-p can keep needs sorting: grow a sorted prefix until it covers them.
        float mx = cand_.front().logit;
        for (const auto& c : cand_) mx = std::max(mx, c.logit);
        double sum = 0.0;
        for (auto& c : cand_) {
            c.p = std::exp(c.logit - mx);
            sum += c.p;
        }
        size_t k = std::min<size_t>(n, 64);
        for (;;) {
            sort_prefix(k);
            double cum = 0.0;
            for (size_t i = 0; i < k; ++i) cum += cand_[i].p;
            const bool top_p_covered = p_.top_p < 1.0f && cum / sum >= p_.top_p;
            const bool min_p_covered = p_.min_p > 0.0f && cand_[k - 1].p < p_.min_p;  // p relative to the max here
            if (top_p_covered || min_p_covered || k == n) break;
            k = std::min(n, k * 4);
        }
        cand_.resize(k);
        for (auto& c : cand_) c.p = static_cast<float>(c.p / sum);
    } else {
        size_t keep = n;
        if (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < keep) keep = static_cast<size_t>(p_.top_k);
        sort_prefix(keep);
        cand_.resize(keep);
        softmax();
    }
    if (p_.top_p < 1.0f) {
        double cum = 0.0;
        size_t k = 0;
        while (k < cand_.size()) {
            cum += cand_[k].p;
            ++k;
            if (cum >= p_.top_p) break;
        }
        cand_.resize(std::max<size_t>(1, k));
    }
    if (p_.min_p > 0.0f) {
        const float threshold = cand_.front().p * p_.min_p;
        size_t k = 1;
        while (k < cand_.size() && cand_[k].p >= threshold) ++k;
        cand_.resize(k);
    }
    for (auto& c : cand_) c.logit /= p_.temperature;
    softmax();
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double r = u(rng_), cum = 0.0;
    for (const auto& c : cand_) {
        cum += c.p;
        if (r < cum) return c.id;
    }
    return cand_.back().id;
}

}  // namespace edgeseek
