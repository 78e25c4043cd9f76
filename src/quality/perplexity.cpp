#include "quality/perplexity.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "engine/session.h"

namespace edgeseek {

ChunkPlan plan_chunks(size_t n_tokens, int64_t n_ctx, int64_t max_chunks) {
    if (n_ctx < 4) {
        throw Error("context size " + std::to_string(n_ctx) + " is too small to score anything", "perplexity",
                    "pass -c 4 or more (llama.cpp's default is 512)");
    }
    const auto n = static_cast<int64_t>(n_tokens);
    if (n < 2 * n_ctx) {
        throw Error("the text has " + std::to_string(n) + " tokens; perplexity with a context of " +
                        std::to_string(n_ctx) + " needs at least " + std::to_string(2 * n_ctx) +
                        " (two chunks, as llama.cpp requires)",
                    "perplexity", "use a longer text or a smaller -c");
    }
    ChunkPlan p;
    p.n_ctx = n_ctx;
    p.n_chunk = n / n_ctx;
    if (max_chunks > 0) p.n_chunk = std::min(p.n_chunk, max_chunks);
    p.first = n_ctx / 2;
    return p;
}

LogSumExp log_sum_exp(const float* logits, int64_t n_vocab) {
    LogSumExp r;
    float mx = logits[0];
    for (int64_t i = 1; i < n_vocab; ++i) {
        if (logits[i] > mx) {
            mx = logits[i];
            r.argmax = static_cast<int32_t>(i);
        }
    }
    double sum = 0.0;
    for (int64_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
    r.lse = static_cast<double>(mx) + std::log(sum);
    return r;
}

double token_nll(const float* logits, int64_t n_vocab, int32_t target) {
    return log_sum_exp(logits, n_vocab).lse - static_cast<double>(logits[target]);
}

MeanError mean_and_error(double sum, double sum2, size_t count, size_t min_count) {
    MeanError r;
    if (count < 1) return r;
    const auto n = static_cast<double>(count);
    r.mean = sum / n;
    const double var = sum2 / n - r.mean * r.mean;
    r.err = var > 0 && count > min_count && count > 1 ? std::sqrt(var / (n - 1)) : 0.0;
    return r;
}

double NllAccumulator::mean_nll() const { return mean_; }

double NllAccumulator::ppl() const { return std::exp(mean_nll()); }

double NllAccumulator::ppl_error() const {
    // Standard error of the mean NLL: sqrt(population variance / (n - 1)), as llama.cpp.
    if (count_ < 2 || m2_ <= 0) return 0.0;
    const auto n = static_cast<double>(count_);
    return ppl() * std::sqrt(m2_ / n / (n - 1));
}

void run_chunks(const Model& model, const std::vector<int32_t>& tokens, const ChunkPlan& plan,
                const ChunkRunOptions& opts, const std::function<void(const ChunkLogits&)>& score) {
    if (static_cast<int64_t>(tokens.size()) < plan.n_chunk * plan.n_ctx) {
        throw Error("fewer tokens than the chunks need", "perplexity");
    }
    const int64_t V = model.config().n_vocab;
    Session session(model, plan.n_ctx, std::max(1, opts.threads), opts.n_batch);
    std::vector<int32_t> chunk(static_cast<size_t>(plan.n_ctx));
    for (int64_t c = 0; c < plan.n_chunk; ++c) {
        const auto start = tokens.begin() + c * plan.n_ctx;
        std::copy(start, start + plan.n_ctx, chunk.begin());
        if (opts.bos >= 0) chunk[0] = opts.bos;
        session.truncate(0);
        const std::vector<float>& logits = session.eval_outputs(chunk, static_cast<size_t>(plan.first));
        ChunkLogits cl;
        cl.chunk = c;
        cl.logits = logits.data();
        // The original tokens are predicted (a BOS put at position 0 is never a target).
        cl.next_tokens = tokens.data() + c * plan.n_ctx + plan.first + 1;
        cl.n = plan.scored_per_chunk();
        cl.n_vocab = V;
        cl.pool = &session.pool();
        score(cl);
    }
}

}  // namespace edgeseek
