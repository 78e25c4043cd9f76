// Microbenchmarks of the kernels behind `edgeseek bench`'s figures (Google Benchmark), so the
// measurements in docs/PERFORMANCE.md can be repeated from the repository:
//   prompt/TYPE/ROWSxCOLS/tokens:N/threads:T  one packed matrix times N tokens of activations
//       (activation packing included), as a prompt's products run: GOPS and % of the int8
//       peak of `edgeseek bench --machine` (per thread used);
//   decode/TYPE/ROWSxCOLS/threads:T  one token through enough packed copies of the matrix to
//       stream four times the last-level cache from memory: GB/s of weights and % of the
//       read bandwidth measured just before (ReadProbe, as `edgeseek bench` does);
//   pack_acts/TYPE/cols:C/tokens:N  the activation packer alone (f32 rows into the panels).
// The CPU path is this machine's best, or EDGESEEK_ISA's. Weights are random (seeded), which
// does not change the speed of any kernel here.
//   ./build/release/edgeseek_microbench [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/machine_peaks.h"
#include "kernels/matmul.h"
#include "kernels/packed.h"
#include "kernels/thread_pool.h"
#include "quant/types.h"

namespace edgeseek {
namespace {

// n bytes at a 64-byte boundary.
class Aligned {
public:
    explicit Aligned(size_t n) : buf_(n + 64) {
        data_ = buf_.data() + (64 - reinterpret_cast<uintptr_t>(buf_.data()) % 64) % 64;
    }
    uint8_t* data() { return data_; }

private:
    std::vector<uint8_t> buf_;
    uint8_t* data_;
};

// A rows x cols matrix of random weights of `type` in the file's layout, and its packed copy
// when this CPU path has packed kernels for the type.
struct Matrix {
    std::vector<uint8_t> rows_data;
    std::unique_ptr<Aligned> packed_data;
    TensorView view;
};

std::vector<float> random_floats(size_t n, float scale, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng);
    return v;
}

std::shared_ptr<Matrix> make_matrix(GgmlType type, int64_t rows, int64_t cols, uint32_t seed) {
    auto m = std::make_shared<Matrix>();
    const size_t row_bytes = row_size(type, cols);
    m->rows_data.resize(row_bytes * static_cast<size_t>(rows));
    // 64 rows of random values, repeated (quick to make for large matrices; no kernel's speed
    // depends on the values).
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = m->rows_data.data() + r * row_bytes;
        if (r < 64) {
            const std::vector<float> f = random_floats(static_cast<size_t>(cols), 0.02f, seed + static_cast<uint32_t>(r));
            type_traits(type)->from_float(f.data(), row, cols);
        } else {
            std::copy_n(m->rows_data.data() + (r % 64) * row_bytes, row_bytes, row);
        }
    }
    m->view.data = m->rows_data.data();
    m->view.type = type;
    m->view.rows = rows;
    m->view.cols = cols;
    m->view.name = "bench";
    if (packable(type)) {
        const size_t bytes = packed_bytes(type, rows, cols);
        m->packed_data = std::make_unique<Aligned>(bytes);
        pack_groups(type, m->rows_data.data(), rows, cols, 0, (rows + kPackRows - 1) / kPackRows, m->packed_data->data());
        m->view.packed = m->packed_data->data();
    }
    return m;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

const MachinePeaks& peaks(int threads) {
    static std::map<int, MachinePeaks> cache;
    auto it = cache.find(threads);
    if (it == cache.end()) it = cache.emplace(threads, MachinePeaks::cached(threads)).first;
    return it->second;
}

ReadProbe& read_probe(int threads) {
    static std::map<int, std::unique_ptr<ReadProbe>> probes;
    std::unique_ptr<ReadProbe>& p = probes[threads];
    if (!p) p = std::make_unique<ReadProbe>(threads);
    return *p;
}

size_t last_level_cache_bytes() {
    const long l3 = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
    return l3 > 0 ? static_cast<size_t>(l3) : size_t{32} << 20;
}

void prompt(benchmark::State& state, GgmlType type, int64_t rows, int64_t cols, int64_t tokens, int threads) {
    const std::shared_ptr<Matrix> m = make_matrix(type, rows, cols, 1);
    const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), 1.0f, 2);
    std::vector<float> y(static_cast<size_t>(rows * tokens));
    ThreadPool pool(threads);
    const Clock::time_point start = Clock::now();
    for (auto _ : state) {
        matmul(m->view, x.data(), tokens, y.data(), pool);
        benchmark::DoNotOptimize(y.data());
    }
    const double gops = 2.0 * static_cast<double>(rows * cols * tokens) * static_cast<double>(state.iterations()) /
                        seconds_since(start) / 1e9;
    state.counters["GOPS"] = gops;
    const double peak = peaks(threads).int8_gops;  // the registered types are all int8 products
    if (peak > 0) state.counters["pct_of_peak"] = gops / peak * 100.0;
}

void decode(benchmark::State& state, GgmlType type, int64_t rows, int64_t cols, int threads) {
    const std::shared_ptr<Matrix> m = make_matrix(type, rows, cols, 3);
    const size_t bytes = m->view.packed ? packed_bytes(type, rows, cols) : m->rows_data.size();
    // Copies of the matrix (each its own memory) past four times the last-level cache.
    const size_t copies = std::max<size_t>(2, 4 * last_level_cache_bytes() / bytes + 1);
    std::vector<std::unique_ptr<Aligned>> store;
    std::vector<TensorView> views;
    for (size_t i = 0; i < copies; ++i) {
        store.push_back(std::make_unique<Aligned>(bytes));
        TensorView v = m->view;
        if (v.packed) {
            std::copy_n(m->packed_data->data(), bytes, store.back()->data());
            v.packed = store.back()->data();
        } else {
            std::copy_n(m->rows_data.data(), bytes, store.back()->data());
            v.data = store.back()->data();
        }
        views.push_back(v);
    }
    const std::vector<float> x = random_floats(static_cast<size_t>(cols), 1.0f, 4);
    std::vector<float> y(static_cast<size_t>(rows));
    ThreadPool pool(threads);
    const double now_gbps = read_probe(threads).measure();
    const Clock::time_point start = Clock::now();
    for (auto _ : state) {
        for (const TensorView& v : views) matmul(v, x.data(), 1, y.data(), pool);
        benchmark::DoNotOptimize(y.data());
    }
    const double gbps = static_cast<double>(bytes) * static_cast<double>(copies) * static_cast<double>(state.iterations()) /
                        seconds_since(start) / 1e9;
    state.counters["GBps"] = gbps;
    // Against the read bandwidth measured just before (a shared host's moves by 2x within
    // minutes), as `edgeseek bench` reports decode.
    if (now_gbps > 0) state.counters["pct_of_read_bw_now"] = gbps / now_gbps * 100.0;
}

void pack_acts(benchmark::State& state, GgmlType type, int64_t cols, int64_t tokens) {
    const PackActsFn pack = pack_acts_kernel(type);
    if (!pack) {
        state.SkipWithError("no packed activations for this type on this CPU path");
        return;
    }
    const std::vector<float> x = random_floats(static_cast<size_t>(cols * tokens), 1.0f, 5);
    const ActBlock block = packed_act_block(type);
    const int64_t blocks = cols / block.values, panel = act_panel(tokens), panels = (tokens + panel - 1) / panel;
    std::vector<int8_t> q(static_cast<size_t>(blocks * block.bytes * panels * panel));
    std::vector<float> d(static_cast<size_t>(cols / 32 * tokens)), sums(d.size());
    std::vector<int32_t> init(static_cast<size_t>(cols / 16 * tokens));
    const Clock::time_point start = Clock::now();
    for (auto _ : state) {
        for (int64_t t = 0; t < tokens; ++t) {
            ActsSlot slot;
            slot.q = q.data() + act_panel_offset(t, blocks, block.bytes, panel);
            slot.panel = panel;
            slot.d = d.data() + t;
            slot.init = init.data() + t;
            slot.sums = sums.data() + t;
            slot.stride = tokens;
            pack(x.data() + t * cols, cols, slot);
        }
        benchmark::DoNotOptimize(q.data());
    }
    state.counters["GBps_in"] =
        4.0 * static_cast<double>(cols * tokens) * static_cast<double>(state.iterations()) / seconds_since(start) / 1e9;
}

struct Shape {
    int64_t rows, cols;
};

void register_all() {
    // The 1.5B shape's FFN matrices (gate/up, down) and its attention projection.
    const Shape shapes[] = {{8960, 1536}, {1536, 8960}, {1536, 1536}};
    for (const char* name : {"q4_0", "q8_0", "q4_K", "q6_K"}) {
        const GgmlType type = *type_from_name(name);
        for (const Shape& s : shapes) {
            const std::string dims = std::to_string(s.rows) + "x" + std::to_string(s.cols);
            for (int threads : {1, 2}) {
                benchmark::RegisterBenchmark(
                    ("prompt/" + std::string(name) + "/" + dims + "/tokens:256/threads:" + std::to_string(threads)).c_str(),
                    [=](benchmark::State& st) { prompt(st, type, s.rows, s.cols, 256, threads); })
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
                benchmark::RegisterBenchmark(
                    ("decode/" + std::string(name) + "/" + dims + "/threads:" + std::to_string(threads)).c_str(),
                    [=](benchmark::State& st) { decode(st, type, s.rows, s.cols, threads); })
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
            }
        }
        for (int64_t cols : {1536, 8960}) {
            benchmark::RegisterBenchmark(("pack_acts/" + std::string(name) + "/cols:" + std::to_string(cols) + "/tokens:256").c_str(),
                                         [=](benchmark::State& st) { pack_acts(st, type, cols, 256); })
                ->Unit(benchmark::kMicrosecond)
                ->UseRealTime();
        }
    }
}

}  // namespace
}  // namespace edgeseek

int main(int argc, char** argv) {
    edgeseek::register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
