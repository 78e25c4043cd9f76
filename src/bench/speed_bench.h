// Prompt processing (ppN) and generation (tgN) speed of a model, as `edgeseek bench` measures
// them: random tokens, a fresh session per repetition, a first (warm-up) run not counted.
#pragma once
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
// n_gen single-token decode steps, `reps` times.
SpeedStat measure_generation_speed(const Model& model, int n_gen, int reps, int threads);

// Weight bytes a decode step reads and multiply-adds a token costs: every matrix the forward
// pass multiplies by (the embedding table only when it doubles as the output projection).
void model_costs(const Model& m, double* bytes, double* macs);

}  // namespace edgeseek
