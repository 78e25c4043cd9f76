// The two passes a quality measurement makes over the chunks of a text: the base model's
// (perplexity, and the summaries of its distributions that KL divergence needs) and a
// compared model's (perplexity, KL divergence, top-1 agreement against those summaries).
// Per-position work runs on the session's threads; results are added in position order, so
// they do not depend on the thread count.
#pragma once
#include <functional>
#include <vector>

#include "quality/kl_divergence.h"
#include "quality/perplexity.h"

namespace edgeseek {

// Called after each chunk with its index and the running perplexity.
using ChunkDone = std::function<void(int64_t chunk, const NllAccumulator& running)>;

// Perplexity of `model`; when top_k > 0, sink() receives the summary of every scored
// position in order (n_chunk * scored_per_chunk of them).
NllAccumulator evaluate_base(const Model& model, const std::vector<int32_t>& tokens, const ChunkPlan& plan,
                             const ChunkRunOptions& run, int top_k,
                             const std::function<void(BaseLogProbs&&)>& sink, const ChunkDone& done);

// Compares `model` against the base summaries; base_chunk(c) returns chunk c's
// scored_per_chunk summaries (called once per chunk, in order).
KldAccumulator evaluate_against_base(const Model& model, const std::vector<int32_t>& tokens, const ChunkPlan& plan,
                                     const ChunkRunOptions& run,
                                     const std::function<std::vector<BaseLogProbs>(int64_t chunk)>& base_chunk,
                                     const ChunkDone& done);

}  // namespace edgeseek
