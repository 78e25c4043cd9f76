// Prompt processing (ppN) and generation (tgN) speed of a model, as `edgeseek bench` measures
// them: random tokens, a fresh session per repetition, a first (warm-up) run not counted.
#pragma once
#include <functional>
#include <vector>

#include "model/model.h"

namespace edgeseek {

struct SpeedStat {
    double mean = 0.0;  // tokens/s
    double sd = 0.0;
    std::vector<double> runs;
};

SpeedStat speed_stat(const std::vector<double>& tokens_per_s);

// One batched pass over n_prompt tokens, `reps` times.
SpeedStat measure_prompt_speed(const Model& model, int n_prompt, int reps, int threads);
// n_gen single-token decode steps, `reps` times; before_rep (when set) runs just before each
// counted repetition (bench measures the read bandwidth there).
SpeedStat measure_generation_speed(const Model& model, int n_gen, int reps, int threads,
                                   const std::function<void()>& before_rep = {});

// What the matrix products of a forward pass cost. A decode step reads every matrix once
// (the embedding table only when it doubles as the output projection). A prompt of n tokens
// runs the layers' matrices for every token but the output projection only for the last one,
// whose logits are wanted (as llama-bench's pp test does): 2 x prompt_macs(n) / n ops a token.
// Attention's score and value products (float, growing with the context) are not counted.
struct ModelCosts {
    double weight_bytes = 0;  // bytes a decode step reads
    double layer_macs = 0;    // multiply-adds per token in the layers' matrices
    double output_macs = 0;   // multiply-adds of one output projection
    double decode_macs() const { return layer_macs + output_macs; }
    double prompt_macs_per_token(int n_prompt) const { return layer_macs + output_macs / n_prompt; }
};
ModelCosts model_costs(const Model& m);

}  // namespace edgeseek
