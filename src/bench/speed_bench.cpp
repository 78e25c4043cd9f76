#include "bench/speed_bench.h"

#include <chrono>
#include <cmath>
#include <random>

#include "engine/session.h"

namespace edgeseek {

namespace {

std::vector<int32_t> random_tokens(int n, int64_t vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int64_t> d(0, vocab - 1);
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (auto& x : t) x = static_cast<int32_t>(d(rng));
    return t;
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

SpeedStat speed_stat(const std::vector<double>& v) {
    SpeedStat s;
    s.runs = v;
    if (v.empty()) return s;
    for (double x : v) s.mean += x;
    s.mean /= static_cast<double>(v.size());
    for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
    s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0.0;
    return s;
}

namespace {
// A session whose cache holds `depth` random tokens, evaluated once (in prompt batches).
void fill_depth(Session& s, int depth) {
    if (depth > 0) s.eval(random_tokens(depth, s.model().config().n_vocab, 7u));
}
}  // namespace

SpeedStat measure_prompt_speed(const Model& model, int n_prompt, int reps, int threads,
                               const std::function<void()>& before_rep, int depth) {
    std::vector<double> tps;
    // One session for all runs, its cache cut back to the depth between them (as llama-bench
    // does): the first, untimed run warms the page cache and faults in the KV cache and scratch
    // memory.
    Session s(model, depth + n_prompt + 1, threads, n_prompt);
    fill_depth(s, depth);
    for (int r = 0; r < reps + 1; ++r) {
        s.truncate(depth);
        const auto toks = random_tokens(n_prompt, model.config().n_vocab, static_cast<uint32_t>(r));
        if (r > 0 && before_rep) before_rep();
        const double t0 = now_s();
        s.eval(toks);
        if (r > 0) tps.push_back(n_prompt / (now_s() - t0));
    }
    return speed_stat(tps);
}

SpeedStat measure_generation_speed(const Model& model, int n_gen, int reps, int threads,
                                   const std::function<void()>& before_rep, int depth) {
    std::vector<double> tps;
    Session s(model, depth + n_gen + 1, threads);
    fill_depth(s, depth);
    for (int r = 0; r < reps + 1; ++r) {
        s.truncate(depth);
        const auto toks = random_tokens(n_gen, model.config().n_vocab, 100u + static_cast<uint32_t>(r));
        if (r > 0 && before_rep) before_rep();
        const double t0 = now_s();
        for (int i = 0; i < n_gen; ++i) s.eval({toks[static_cast<size_t>(i)]});
        if (r > 0) tps.push_back(n_gen / (now_s() - t0));
    }
    return speed_stat(tps);
}

ModelCosts model_costs(const Model& m) {
    const ModelWeights& w = m.weights();
    ModelCosts c;
    auto add = [&](const TensorView& t, double* macs) {
        if (t.empty()) return;
        c.weight_bytes += static_cast<double>(t.row_bytes()) * static_cast<double>(t.rows);
        *macs += static_cast<double>(t.cols) * static_cast<double>(t.rows);
    };
    add(w.output, &c.output_macs);
    const ModelConfig& cfg = m.config();
    c.kv_bytes_per_position = static_cast<double>(cfg.kv_bytes(1));
    c.attention_macs_per_pair = 2.0 * static_cast<double>(cfg.n_layer * cfg.n_head * cfg.head_dim);
    for (const auto& L : w.layers) {
        for (const TensorView* t : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) add(*t, &c.layer_macs);
    }
    return c;
}

}  // namespace edgeseek
