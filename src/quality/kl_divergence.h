// KL divergence between a base model (full precision) and a quantized one, position by
// position, from a compact summary of the base distribution: its top-K log-probabilities plus
// the log of the probability mass of all other tokens (the "tail"), so
//   KLD = sum_{i in top-K} p_i (log p_i - log q_i) + p_tail (log p_tail - log q_tail).
// With K = n_vocab this is the exact KL divergence; with K < n_vocab it is the divergence of
// the distributions with their tails merged into one outcome, a lower bound that is tight when
// the tail holds little mass. Statistics (mean +/- error, percentiles, top-1 agreement, PPL
// ratio with the covariance of the two NLLs) follow llama.cpp's kl_divergence().
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "quality/perplexity.h"

namespace edgeseek {

// The base model at one scored position.
struct BaseLogProbs {
    std::vector<int32_t> top_ids;     // K ids by decreasing probability (ties: lower id first)
    std::vector<float> top_logprobs;  // their log-probabilities
    float target_logprob = 0.0f;      // log-probability of the token that follows in the text
    float tail_logprob = 0.0f;        // log of the mass outside top_ids; -inf when there is none
};

// Summary of softmax(logits) keeping the k most likely tokens (k is capped at n_vocab).
BaseLogProbs summarize_base(const float* logits, int64_t n_vocab, int32_t target, int k);

// One position compared.
struct PositionDivergence {
    double kld = 0.0;
    double nll = 0.0;       // of the compared model
    double nll_base = 0.0;  // of the base model
    bool same_top = false;  // both models' most likely token agree
};

PositionDivergence compare_position(const BaseLogProbs& base, const float* logits, int64_t n_vocab, int32_t target);

struct KldSummary {
    size_t count = 0;
    MeanError kld;               // mean KL divergence and its standard error
    double kld_median = 0.0, kld_p99 = 0.0, kld_max = 0.0;
    MeanError same_top;          // fraction of positions whose top token agrees
    MeanError ln_ppl_ratio;      // mean ln(PPL(Q) / PPL(base)), error with the covariance
    double ppl = 0.0, ppl_err = 0.0;            // PPL(Q)
    double ppl_base = 0.0, ppl_base_err = 0.0;  // PPL(base)
    double ppl_ratio = 0.0, ppl_ratio_err = 0.0;
};

class KldAccumulator {
public:
    void add(const PositionDivergence& d);
    size_t count() const { return count_; }
    KldSummary summary() const;

private:
    double sum_nll_ = 0, sum_nll2_ = 0, sum_nll_base_ = 0, sum_nll_base2_ = 0, sum_nll_nll_base_ = 0;
    double sum_kld_ = 0, sum_kld2_ = 0;
    size_t same_top_ = 0, count_ = 0;
    std::vector<double> kld_values_;
};

// llama.cpp's percentile: linear interpolation between the sorted values around fraction*(n-1).
double percentile(const std::vector<double>& sorted, double fraction);

}  // namespace edgeseek
