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

// One batched pass over n_prompt tokens, `reps` times, after `depth` tokens already in the
// cache (untimed: a long conversation or reasoning trace; llama-bench's -d); before_rep (when
// set) runs just before each counted repetition (bench measures the compute peaks there).
SpeedStat measure_prompt_speed(const Model& model, int n_prompt, int reps, int threads,
                               const std::function<void()>& before_rep = {}, int depth = 0);
// n_gen single-token decode steps, `reps` times, after `depth` cached tokens; before_rep (when
// set) runs just before each counted repetition (bench measures the read bandwidth there).
SpeedStat measure_generation_speed(const Model& model, int n_gen, int reps, int threads,
                                   const std::function<void()>& before_rep = {}, int depth = 0);

// What the matrix products of a forward pass cost. A decode step reads every matrix once
// (the embedding table only when it doubles as the output projection). A prompt of n tokens
// runs the layers' matrices for every token but the output projection only for the last one,
// whose logits are wanted (as llama-bench's pp test does): 2 x prompt_macs(n) / n ops a token.
// Attention's score and value products (float, growing with the context) are not counted.
// At a depth (tokens already cached) attention is counted too: a decode step reads every
// cached position's keys and values (kv_bytes_per_position, f16), and a prompt's token scores
// and weighs every position before it (attention_macs_per_pair multiply-adds per pair, in f32).
struct ModelCosts {
    double weight_bytes = 0;  // bytes a decode step reads
    double layer_macs = 0;    // multiply-adds per token in the layers' matrices
    double output_macs = 0;   // multiply-adds of one output projection
    double kv_bytes_per_position = 0;
    double attention_macs_per_pair = 0;
    double decode_macs() const { return layer_macs + output_macs; }
    double prompt_macs_per_token(int n_prompt) const { return layer_macs + output_macs / n_prompt; }
    // Mean bytes a decode step reads when steps go from position `depth` to depth + n_gen - 1.
    double decode_bytes(int depth, int n_gen) const {
        return weight_bytes + kv_bytes_per_position * (depth + (n_gen + 1) / 2.0);
    }
    // Mean attention multiply-adds per token of an n_prompt-token pass after `depth` cached
    // tokens (token i attends to depth + i + 1 positions).
    double prompt_attention_macs_per_token(int depth, int n_prompt) const {
        return attention_macs_per_pair * (depth + (n_prompt + 1) / 2.0);
    }
};
ModelCosts model_costs(const Model& m);

}  // namespace edgeseek
