// Perplexity as llama.cpp's perplexity tool defines it (tools/perplexity/perplexity.cpp): the
// text is tokenized once (BOS first when the vocabulary adds one), cut into non-overlapping
// chunks of n_ctx tokens, each evaluated in a fresh context with its first token replaced by
// BOS (when the vocabulary adds one), and only the second half of each chunk is scored: the
// logits at positions n_ctx/2 .. n_ctx-2 predict tokens n_ctx/2+1 .. n_ctx-1.
// PPL = exp(mean negative log-likelihood).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "model/model.h"

namespace edgeseek {

struct ChunkPlan {
    int64_t n_ctx = 0;
    int64_t n_chunk = 0;
    int64_t first = 0;  // n_ctx / 2: the first position whose logits are scored
    int64_t scored_per_chunk() const { return n_ctx - 1 - first; }
    int64_t scored_total() const { return n_chunk * scored_per_chunk(); }
};

// Chunks for n_tokens tokens: tokens / n_ctx of them, at most max_chunks (<= 0: all). Throws
// Error when n_ctx < 4 or the text has fewer than 2 * n_ctx tokens (llama.cpp's requirement).
ChunkPlan plan_chunks(size_t n_tokens, int64_t n_ctx, int64_t max_chunks);

// log(sum(exp(logits))) accumulated in double, and the first index of the largest logit.
struct LogSumExp {
    double lse = 0.0;
    int32_t argmax = 0;
};
LogSumExp log_sum_exp(const float* logits, int64_t n_vocab);
// -log(softmax(logits)[target])
double token_nll(const float* logits, int64_t n_vocab, int32_t target);

// A mean and its standard error, as llama.cpp computes them from a sum and a sum of squares:
// sqrt((E[x^2] - E[x]^2) / (n - 1)); 0 when the variance is not positive or n <= min_count.
struct MeanError {
    double mean = 0.0;
    double err = 0.0;
};
MeanError mean_and_error(double sum, double sum2, size_t count, size_t min_count = 1);

// Running perplexity over scored tokens.
class NllAccumulator {
public:
    // Welford's update: the same variance as llama.cpp's E[x^2] - E[x]^2, without its
    // cancellation when the values are (nearly) equal.
    void add(double nll) {
        ++count_;
        const double d = nll - mean_;
        mean_ += d / static_cast<double>(count_);
        m2_ += d * (nll - mean_);
    }
    size_t count() const { return count_; }
    double mean_nll() const;
    double ppl() const;
    // llama.cpp's "Final estimate: PPL = X +/- Y": Y = PPL * standard error of the mean NLL.
    double ppl_error() const;

private:
    double mean_ = 0.0, m2_ = 0.0;  // running mean and sum of squared deviations
    size_t count_ = 0;
};

// One evaluated chunk: logits[i * n_vocab ..] (i < n) predict next_tokens[i].
struct ChunkLogits {
    int64_t chunk = 0;
    const float* logits = nullptr;
    const int32_t* next_tokens = nullptr;
    int64_t n = 0;
    int64_t n_vocab = 0;
    ThreadPool* pool = nullptr;  // the session's threads, free while the callback runs
};

struct ChunkRunOptions {
    int threads = 1;
    int64_t n_batch = 512;
    int32_t bos = -1;  // replaces each chunk's first token when >= 0
};

// Evaluates plan.n_chunk chunks of `tokens` and calls score() once per chunk, in order.
void run_chunks(const Model& model, const std::vector<int32_t>& tokens, const ChunkPlan& plan,
                const ChunkRunOptions& opts, const std::function<void(const ChunkLogits&)>& score);

}  // namespace edgeseek
