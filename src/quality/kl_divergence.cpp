#include "quality/kl_divergence.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace edgeseek {

namespace {

// log of the probability mass of the tokens not in `top`, given log(sum(exp(logits))).
// Summed directly over those tokens (not 1 - sum(top)), so a tiny tail keeps its precision.
float tail_logprob(const float* logits, int64_t n_vocab, double lse, const std::vector<int32_t>& top) {
    if (static_cast<int64_t>(top.size()) >= n_vocab) return -std::numeric_limits<float>::infinity();
    std::vector<uint8_t> in_top(static_cast<size_t>(n_vocab), 0);
    for (int32_t id : top) in_top[static_cast<size_t>(id)] = 1;
    double sum = 0.0;
    for (int64_t i = 0; i < n_vocab; ++i) {
        if (!in_top[static_cast<size_t>(i)]) sum += std::exp(static_cast<double>(logits[i]) - lse);
    }
    return sum > 0 ? static_cast<float>(std::log(sum)) : -std::numeric_limits<float>::infinity();
}

// Log-probabilities are rounded to float on both sides the same way, so a model compared
// with itself gives exactly 0.
float logprob(const float* logits, int32_t id, double lse) {
    return static_cast<float>(static_cast<double>(logits[id]) - lse);
}

// A log-probability of -inf (a token the compared model rules out) would make the divergence
// infinite; it is floored at the log of the smallest float instead.
constexpr double kMinLogProb = -103.28;

}  // namespace

BaseLogProbs summarize_base(const float* logits, int64_t n_vocab, int32_t target, int k) {
    const LogSumExp s = log_sum_exp(logits, n_vocab);
    const auto kk = static_cast<size_t>(std::clamp<int64_t>(k, 1, n_vocab));
    std::vector<int32_t> idx(static_cast<size_t>(n_vocab));
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(kk), idx.end(), [&](int32_t a, int32_t b) {
        return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    idx.resize(kk);
    BaseLogProbs b;
    b.top_logprobs.reserve(kk);
    for (int32_t id : idx) b.top_logprobs.push_back(logprob(logits, id, s.lse));
    b.tail_logprob = tail_logprob(logits, n_vocab, s.lse, idx);
    b.target_logprob = logprob(logits, target, s.lse);
    b.top_ids = std::move(idx);
    return b;
}

PositionDivergence compare_position(const BaseLogProbs& base, const float* logits, int64_t n_vocab, int32_t target) {
    const LogSumExp s = log_sum_exp(logits, n_vocab);
    PositionDivergence d;
    double kld = 0.0;
    for (size_t i = 0; i < base.top_ids.size(); ++i) {
        const double lp = base.top_logprobs[i];
        const double lq = std::max<double>(logprob(logits, base.top_ids[i], s.lse), kMinLogProb);
        kld += std::exp(lp) * (lp - lq);
    }
    if (std::isfinite(base.tail_logprob)) {
        const double lp = base.tail_logprob;
        const double lq = std::max<double>(tail_logprob(logits, n_vocab, s.lse, base.top_ids), kMinLogProb);
        kld += std::exp(lp) * (lp - lq);
    }
    d.kld = kld;
    d.nll = s.lse - static_cast<double>(logits[target]);
    d.nll_base = -static_cast<double>(base.target_logprob);
    d.same_top = !base.top_ids.empty() && base.top_ids[0] == s.argmax;
    return d;
}

void KldAccumulator::add(const PositionDivergence& d) {
    sum_nll_ += d.nll;
    sum_nll2_ += d.nll * d.nll;
    sum_nll_base_ += d.nll_base;
    sum_nll_base2_ += d.nll_base * d.nll_base;
    sum_nll_nll_base_ += d.nll * d.nll_base;
    sum_kld_ += d.kld;
    sum_kld2_ += d.kld * d.kld;
    same_top_ += d.same_top ? 1 : 0;
    ++count_;
    kld_values_.push_back(d.kld);
}

double percentile(const std::vector<double>& sorted, double fraction) {
    if (sorted.empty()) return 0.0;
    if (fraction <= 0) return sorted.front();
    if (fraction >= 1) return sorted.back();
    double p = fraction * static_cast<double>(sorted.size() - 1);
    const auto ip = static_cast<size_t>(p);
    p -= static_cast<double>(ip);
    return (1 - p) * sorted[ip] + p * sorted[std::min(ip + 1, sorted.size() - 1)];
}

KldSummary KldAccumulator::summary() const {
    KldSummary s;
    s.count = count_;
    if (count_ == 0) return s;
    const auto n = static_cast<double>(count_);
    // llama.cpp reports no uncertainty from 10 values or fewer.
    s.kld = mean_and_error(sum_kld_, sum_kld2_, count_, 10);
    std::vector<double> sorted = kld_values_;
    std::sort(sorted.begin(), sorted.end());
    const size_t m = sorted.size();
    s.kld_median = m % 2 == 0 ? 0.5 * (sorted[m / 2] + sorted[m / 2 - 1]) : sorted[m / 2];
    s.kld_p99 = percentile(sorted, 0.99);
    s.kld_max = sorted.back();

    const double top = static_cast<double>(same_top_) / n;
    s.same_top.mean = top;
    s.same_top.err = count_ > 1 ? std::sqrt(top * (1 - top) / (n - 1)) : 0.0;

    const MeanError lq = mean_and_error(sum_nll_, sum_nll2_, count_, 10);
    const MeanError lb = mean_and_error(sum_nll_base_, sum_nll_base2_, count_, 10);
    // Covariance of the two mean NLLs: the positions are the same, so the errors correlate.
    const double cov = count_ < 10 ? 0.0 : (sum_nll_nll_base_ / n - (sum_nll_ / n) * (sum_nll_base_ / n)) / (n - 1);
    s.ln_ppl_ratio.mean = lq.mean - lb.mean;
    s.ln_ppl_ratio.err = std::sqrt(std::max(0.0, lq.err * lq.err + lb.err * lb.err - 2.0 * cov));
    s.ppl = std::exp(lq.mean);
    s.ppl_err = s.ppl * lq.err;
    s.ppl_base = std::exp(lb.mean);
    s.ppl_base_err = s.ppl_base * lb.err;
    s.ppl_ratio = std::exp(s.ln_ppl_ratio.mean);
    s.ppl_ratio_err = s.ppl_ratio * s.ln_ppl_ratio.err;
    return s;
}

}  // namespace edgeseek
