// `edgeseek bench`: prompt processing (ppN) and generation (tgN) speed, each as tokens/s and
// as a share of the machine's own limits (read bandwidth for decode, int8/fp32 peak for prefill).
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "bench/machine_peaks.h"
#include "bench/speed_bench.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "engine/session.h"
#include "kernels/cpu_features.h"
#include "kernels/prefetch_tuner.h"

namespace edgeseek::cli {

namespace {

struct Opts {
    std::string model;
    int p = 512, n = 128, threads = 0, reps = 3, depth = 0;
    bool json = false, machine = false, remeasure = false, cached_peak = false;
    ModelLoadFlags load;
};

}  // namespace

CommandRun add_bench_command(CLI::App& app) {
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("bench", "Measure prompt and generation speed against the machine's limits");
    sub->add_option("-m,--model", o->model, "GGUF model file");
    sub->add_option("-p,--n-prompt", o->p, "prompt tokens for the ppN test (0: skip)")->default_val(512);
    sub->add_option("-n,--n-gen", o->n, "generated tokens for the tgN test (0: skip)")->default_val(128);
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_option("-r,--repetitions", o->reps, "repetitions")->default_val(3)->check(CLI::Range(1, 100));
    sub->add_option("-d,--depth", o->depth,
                    "tokens already in the context before each test (a long conversation or reasoning trace): "
                    "decode then reads their keys and values too, and the ratios count that")
        ->default_val(0)
        ->check(CLI::Range(0, 1 << 20));
    sub->add_flag("--json", o->json, "print JSON");
    sub->add_flag("--machine", o->machine, "measure (or show cached) machine peaks: read bandwidth, int8 and fp32 throughput");
    sub->add_flag("--remeasure", o->remeasure, "ignore cached machine peaks");
    sub->add_flag("--cached-peak", o->cached_peak,
                  "ratios against the cached peaks only (default: against the peaks measured just before each "
                  "repetition: the read bandwidth for decode, the int8 / fp32 peaks for prefill)");
    add_model_load_flags(sub, &o->load);
    return [o]() -> int {
        const int threads = o->threads > 0 ? o->threads : default_threads();
        const MachinePeaks peaks = MachinePeaks::cached(threads, o->remeasure);
        nlohmann::json out = {{"machine", {{"threads", threads}, {"isa", peaks.isa}, {"read_gbps", peaks.read_gbps},
                                           {"int8_gops", peaks.int8_gops}, {"fp32_gflops", peaks.fp32_gflops}}}};
        if (o->machine || o->model.empty()) {
            if (!o->machine) throw Error("no model given", "bench", "pass -m FILE, or --machine for the machine's peaks");
            if (o->json) {
                std::printf("%s\n", out.dump(2).c_str());
            } else {
                std::printf("machine (%d threads, %s): read %.2f GB/s | int8 %.1f GOPS | fp32 %.1f GFLOPS\n", threads,
                            peaks.isa.c_str(), peaks.read_gbps, peaks.int8_gops, peaks.fp32_gflops);
            }
            if (o->model.empty()) return 0;
        }
        const LoadOptions lo = o->load.options();
        auto model = Model::load(o->model, lo);
        const ModelConfig& c = model->config();
        const ModelCosts costs = model_costs(*model);
        bool quantized = false;
        for (const auto& L : model->weights().layers) quantized |= type_traits(L.w_gate.type)->quantized;

        nlohmann::json tests = nlohmann::json::array();
        auto report = [&](const std::string& name, const SpeedStat& s, double pct, const char* pct_of) {
            tests.push_back({{"test", name}, {"tokens_per_s", s.mean}, {"stddev", s.sd}, {"runs_tokens_per_s", s.runs},
                             {"percent", pct}, {"of", pct_of}});
        };
        const int64_t ctx_needed = static_cast<int64_t>(o->depth) + std::max(o->p, o->n) + 1;
        if (ctx_needed > c.n_ctx_train && c.n_ctx_train > 0) {
            throw Error("--depth " + std::to_string(o->depth) + " with these tests needs " + std::to_string(ctx_needed) +
                            " positions",
                        o->model, "the model was trained for " + std::to_string(c.n_ctx_train) + "; use a smaller depth");
        }
        const std::string at = o->depth > 0 ? " @ d" + std::to_string(o->depth) : "";
        if (o->p > 0) {
            // Each repetition's ratio against the peaks measured just before it (the cached
            // peaks' ratio as well, in the JSON), as decode's against the bandwidth: the compute
            // a shared host leaves to this VM moves from minute to minute too. Behind a deep
            // context attention is much of the work: the ratio is then the share of the time the
            // matrices (at their peak) and attention's f32 products (at the fp32 peak) need.
            std::unique_ptr<ComputeProbe> probe;
            if (!o->cached_peak) probe = std::make_unique<ComputeProbe>(threads);
            const bool attention = o->depth > 0;
            const bool int8 = quantized, fp32 = !quantized || attention;
            std::vector<double> int8_now, fp32_now;
            const SpeedStat st = measure_prompt_speed(
                *model, o->p, o->reps, threads,
                [&] {
                    if (!probe) return;
                    if (int8) int8_now.push_back(probe->int8_gops());
                    if (fp32) fp32_now.push_back(probe->fp32_gflops());
                },
                o->depth);
            const double ops_per_token = 2.0 * costs.prompt_macs_per_token(o->p);
            const double flops_per_token = attention ? 2.0 * costs.prompt_attention_macs_per_token(o->depth, o->p) : 0.0;
            // The share of one second's peaks that tps tokens a second take.
            auto share = [&](double tps, double int8_peak, double fp32_peak) {
                const double matrices = ops_per_token * tps / 1e9 / (quantized ? int8_peak : fp32_peak);
                return 100.0 * (attention ? matrices + flops_per_token * tps / 1e9 / fp32_peak : matrices);
            };
            const double cached_pct = share(st.mean, peaks.int8_gops, peaks.fp32_gflops);
            const bool live = probe && !st.runs.empty() && (!int8 || int8_now.size() == st.runs.size()) &&
                              (!fp32 || fp32_now.size() == st.runs.size());
            double pct = cached_pct;
            if (live) {
                pct = 0.0;
                for (size_t i = 0; i < st.runs.size(); ++i) {
                    pct += share(st.runs[i], int8 ? int8_now[i] : 0.0, fp32 ? fp32_now[i] : 0.0);
                }
                pct /= static_cast<double>(st.runs.size());
            }
            std::string of = !quantized ? "fp32 peak" : attention ? "int8 + fp32 (attention) peaks" : "int8 peak";
            if (live) of += " now";
            report("pp" + std::to_string(o->p) + at, st, pct, of.c_str());
            tests.back()["percent_of_cached_peak"] = cached_pct;
            if (live && int8) tests.back()["int8_gops_now"] = int8_now;
            if (live && fp32) tests.back()["fp32_gflops_now"] = fp32_now;
        }
        if (o->n > 0) {
            // Each repetition's ratio against the read bandwidth measured just before it (the
            // cached peak as well, in the JSON): on a shared host the bandwidth left to this VM
            // moves from minute to minute, the cached figure is one moment of it.
            std::vector<double> live;
            std::unique_ptr<ReadProbe> probe;
            if (!o->cached_peak) probe = std::make_unique<ReadProbe>(threads);
            const SpeedStat st = measure_generation_speed(
                *model, o->n, o->reps, threads,
                [&] {
                    if (probe) live.push_back(probe->measure());
                },
                o->depth);
            const double step_bytes = costs.decode_bytes(o->depth, o->n);  // weights, and the cached keys and values
            const double gbps = step_bytes * st.mean / 1e9;
            const double cached_pct = 100.0 * gbps / peaks.read_gbps;
            double pct = cached_pct;
            if (probe && live.size() == st.runs.size() && !live.empty()) {
                pct = 0.0;
                for (size_t i = 0; i < live.size(); ++i) pct += 100.0 * step_bytes * st.runs[i] / 1e9 / live[i];
                pct /= static_cast<double>(live.size());
            }
            report("tg" + std::to_string(o->n) + at, st, pct, probe ? "read bandwidth now" : "read bandwidth");
            tests.back()["bytes_per_token"] = step_bytes;
            tests.back()["percent_of_cached_peak"] = cached_pct;
            if (probe) tests.back()["read_gbps_now"] = live;
        }
        std::string type = type_name(model->weights().layers[0].w_gate.type);
        out["model"] = {{"file", o->model}, {"arch", c.arch_name}, {"size_bytes", model->file().file_size()},
                        {"type", type}, {"weight_bytes_per_token", costs.weight_bytes},
                        {"layer_macs_per_token", costs.layer_macs}, {"output_macs", costs.output_macs},
                        {"kv_bytes_per_position", costs.kv_bytes_per_position}, {"depth", o->depth}};
        out["tests"] = tests;
        if (o->json) {
            std::printf("%s\n", out.dump(2).c_str());
            return 0;
        }
        std::printf("machine: %d threads, %s, read %.2f GB/s, int8 %.1f GOPS, fp32 %.1f GFLOPS\n", threads,
                    peaks.isa.c_str(), peaks.read_gbps, peaks.int8_gops, peaks.fp32_gflops);
        std::printf("| %-8s | %-10s | %-7s | %-9s | %-15s | %-17s | %-47s |\n", "arch", "size", "type", "threads", "test",
                    "t/s", "% of roofline");
        std::printf("|----------|------------|---------|-----------|-----------------|-------------------|-------------------------------------------------|\n");
        for (const auto& t : tests) {
            char size[32], tps[64], pct[64];
            std::snprintf(size, sizeof size, "%.2f MiB", static_cast<double>(model->file().file_size()) / 1048576.0);
            std::snprintf(tps, sizeof tps, "%.2f ± %.2f", t["tokens_per_s"].get<double>(), t["stddev"].get<double>());
            std::snprintf(pct, sizeof pct, "%.1f%% of %s", t["percent"].get<double>(), t["of"].get<std::string>().c_str());
            std::printf("| %-8s | %-10s | %-7s | %-9d | %-15s | %-17s | %-47s |\n", c.arch_name.c_str(), size, type.c_str(),
                        threads, t["test"].get<std::string>().c_str(), tps, pct);
        }
        // What each repetition's ratio was measured against, and the ratio against the cached peaks.
        auto list = [](const nlohmann::json& values) {
            std::string s;
            for (const auto& g : values) {
                char b[32];
                std::snprintf(b, sizeof b, "%s%.1f", s.empty() ? "" : ", ", g.get<double>());
                s += b;
            }
            return s;
        };
        for (const auto& t : tests) {
            const std::string name = t["test"].get<std::string>();
            const double cached = t["percent_of_cached_peak"].get<double>();
            if (t.contains("read_gbps_now")) {
                std::printf("%s: read bandwidth just before each repetition %s GB/s; against the cached %.2f GB/s: %.1f%%\n",
                            name.c_str(), list(t["read_gbps_now"]).c_str(), peaks.read_gbps, cached);
                continue;
            }
            std::string now;
            if (t.contains("int8_gops_now")) now += "int8 " + list(t["int8_gops_now"]) + " GOPS";
            if (t.contains("fp32_gflops_now")) now += (now.empty() ? "fp32 " : ", fp32 ") + list(t["fp32_gflops_now"]) + " GFLOPS";
            if (now.empty()) continue;
            std::printf("%s: peaks just before each repetition %s; against the cached %.1f GOPS / %.1f GFLOPS: %.1f%%\n",
                        name.c_str(), now.c_str(), peaks.int8_gops, peaks.fp32_gflops, cached);
        }
        const PrefetchTuner& tuner = prefetch_tuner();
        bool decoded = false;
        for (const auto& t : tests) decoded = decoded || t.contains("read_gbps_now");
        if (decoded && tuner.enabled()) {
            std::printf("decode prefetch: the tiles' L2 steps (%zu bytes ahead for the K-quants, %zu for the "
                        "Q4_0/Q8_0 family; 0: none) %s at the end (the tuner switched them %d times)\n",
                        g_stream_prefetch.l2, g_stream_prefetch.l2_alone, tuner.l2_step() ? "on" : "off", tuner.switches());
        }
        return 0;
    };
}

}  // namespace edgeseek::cli
