// One sequence being evaluated: the model, its KV cache, the thread pool and scratch memory.
// Tokens already in the cache are never recomputed; eval() only runs what is new.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "model/model.h"

namespace edgeseek {

class Session {
public:
    Session(const Model& model, int64_t n_ctx, int n_threads, int64_t n_batch = 512);

    // Appends tokens at positions n_past()..; the prompt goes through in batched passes of up
    // to n_batch tokens. Returns the logits of the last token, or of every token (n x n_vocab)
    // when all_logits. Throws Error when the context would overflow.
    const std::vector<float>& eval(const std::vector<int32_t>& tokens, bool all_logits = false);
    // The same, returning the logits of tokens[first_output..] only ((n - first_output) x n_vocab):
    // perplexity scores the second half of a chunk and need not project the first half.
    const std::vector<float>& eval_outputs(const std::vector<int32_t>& tokens, size_t first_output);

    int64_t n_past() const { return static_cast<int64_t>(tokens_.size()); }
    int64_t n_ctx() const { return cache_.n_ctx(); }
    const std::vector<int32_t>& tokens() const { return tokens_; }
    // Forgets cached positions from n on (keeps a common prefix for reuse).
    void truncate(int64_t n);
    // Length of the longest common prefix of the cache and `tokens`.
    int64_t common_prefix(const std::vector<int32_t>& tokens) const;

    const Model& model() const { return model_; }
    ThreadPool& pool() { return pool_; }

private:
    const Model& model_;
    KvCache cache_;
    ThreadPool pool_;
    int64_t n_batch_;
    ForwardScratch scratch_;
    std::vector<int32_t> tokens_;
    std::vector<float> logits_, chunk_logits_;
};

}  // namespace edgeseek
