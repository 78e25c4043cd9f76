#include "bench/machine_peaks.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include <unistd.h>

#include "core/mapped_file.h"
#include "kernels/cpu_features.h"
#include "kernels/packed.h"
#include "kernels/thread_pool.h"

namespace edgeseek {

// ISA-specific inner loops (bench/peak_loops_*.cpp).
// A checksum of n bytes; `prefetch`: asking for the bytes ahead as the kernels do.
double peak_read_bytes(const uint8_t* data, size_t n, Isa isa, bool prefetch);
double peak_int8_loop(int64_t iters, Isa isa);                      // returns MACs done
double peak_fp32_loop(int64_t iters, Isa isa);                      // returns FMAs done

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// GB/s of one pass over `bytes` at data, split among the pool's threads.
double read_pass(ThreadPool& pool, const uint8_t* data, size_t bytes, bool prefetch) {
    const Isa isa = active_isa();
    std::vector<double> sink(static_cast<size_t>(pool.size()));
    const size_t chunk = bytes / static_cast<size_t>(pool.size());
    const auto t = Clock::now();
    pool.parallel_for(pool.size(), [&](int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i) {
            sink[static_cast<size_t>(i)] = peak_read_bytes(data + chunk * static_cast<size_t>(i), chunk, isa, prefetch);
        }
    });
    const double s = seconds_since(t);
    if (sink[0] < 0) return 0.0;  // keep the reads alive
    return static_cast<double>(chunk * static_cast<size_t>(pool.size())) / s / 1e9;
}

double measure_read(ThreadPool& pool) {
    // Far larger than any cache; every page touched once before timing. Huge-page advised like
    // the repacked weights and --no-mmap buffers decode reads from (with 4 KiB pages the TLB
    // misses cost this VM ~30%, and decode then measured above the "peak"). The best of a read
    // with and without software prefetch, alternated: which is faster depends on the CPU (a
    // Xeon gained from asking 4 KiB into L1 and 16 KiB into L2 ahead; a Zen 5 EPYC read 80 GB/s
    // with its hardware prefetchers alone and 71 with those requests).
    const size_t bytes = size_t{1} << 30;
    AnonymousMemory mem(bytes, "bench --machine");
    std::memset(mem.data(), 1, bytes);
    double best = 0.0;
    for (int rep = 0; rep < 10; ++rep) best = std::max(best, read_pass(pool, mem.data(), bytes, rep % 2 == 1));
    return best;
}

// The best of three passes of the loop on every thread of the pool (20 M instructions a thread
// each: ~4 ms at two vector instructions a cycle).
template <typename Loop>
double measure_compute(ThreadPool& pool, Loop loop) {
    double best = 0.0;
    const int64_t iters = 20'000'000;
    for (int rep = 0; rep < 3; ++rep) {
        std::vector<double> done(static_cast<size_t>(pool.size()));
        const auto t = Clock::now();
        pool.parallel_for(pool.size(), [&](int64_t b, int64_t e, int) {
            for (int64_t i = b; i < e; ++i) done[static_cast<size_t>(i)] = loop(iters);
        });
        const double s = seconds_since(t);
        double total = 0.0;
        for (double d : done) total += d;
        best = std::max(best, 2.0 * total / s / 1e9);
    }
    return best;
}

// Bumped whenever a peak loop changes, so figures cached by an older loop are measured again
// (2: sixteen multiply chains instead of eight, which had measured the latency; also AVX2 loops,
// the AVX2 path had been measured with the scalar ones. 3: the read's best with and without
// software prefetch. 4: the AVX2 int8 peak with vpdpbusd where the CPU has AVX-VNNI, which its
// AVX2 tiles then use, and without it vpmaddubsw's own rate: the old loop had timed additions).
constexpr int kPeakMethod = 4;

// The kernel path in use: the ISA, and whether the AVX2 tiles multiply with AVX-VNNI (whose
// int8 peak is another instruction's).
std::string path_name() {
    const Isa isa = active_isa();
    const bool vnni = isa == Isa::Avx2 && cpu_features().avxvnni && packed_avx_vnni_enabled();
    return std::string(isa_name(isa)) + (vnni ? "-vnni" : "");
}

// One file per path and thread count: a run forced onto another path (EDGESEEK_ISA) measures
// its own peaks and leaves the others' in place.
std::string cache_path(int threads) {
    std::string dir;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = std::string(x) + "/edgeseek";
    else if (const char* h = std::getenv("HOME"); h && *h) dir = std::string(h) + "/.cache/edgeseek";
    else dir = "/tmp/edgeseek";
    return dir + "/machine-" + path_name() + "-t" + std::to_string(threads) + ".json";
}

}  // namespace

struct ReadProbe::Impl {
    ThreadPool pool;
    AnonymousMemory mem;
    explicit Impl(int threads) : pool(threads) {}
};

ReadProbe::ReadProbe(int threads) : impl_(std::make_unique<Impl>(threads)) {
    // Four times the last-level cache, at least 256 MiB, at most 1 GiB: reads from memory.
#if defined(_SC_LEVEL3_CACHE_SIZE)
    const long l3 = ::sysconf(_SC_LEVEL3_CACHE_SIZE);  // glibc; 0 where it cannot tell
#else
    const long l3 = 0;
#endif
    const size_t llc = l3 > 0 ? static_cast<size_t>(l3) : size_t{256} << 20;
    const size_t bytes = std::clamp<size_t>(4 * llc, size_t{256} << 20, size_t{1} << 30);
    impl_->mem = AnonymousMemory(bytes, "bench read probe");
    std::memset(impl_->mem.data(), 1, bytes);
}

ReadProbe::~ReadProbe() = default;

double ReadProbe::measure() {
    return std::max(read_pass(impl_->pool, impl_->mem.data(), impl_->mem.size(), false),
                    read_pass(impl_->pool, impl_->mem.data(), impl_->mem.size(), true));
}

struct ComputeProbe::Impl {
    ThreadPool pool;
    explicit Impl(int threads) : pool(threads) {}
};

ComputeProbe::ComputeProbe(int threads) : impl_(std::make_unique<Impl>(threads)) {}

ComputeProbe::~ComputeProbe() = default;

double ComputeProbe::int8_gops() {
    const Isa isa = active_isa();
    return measure_compute(impl_->pool, [isa](int64_t n) { return peak_int8_loop(n, isa); });
}

double ComputeProbe::fp32_gflops() {
    const Isa isa = active_isa();
    return measure_compute(impl_->pool, [isa](int64_t n) { return peak_fp32_loop(n, isa); });
}

MachinePeaks MachinePeaks::measure(int threads) {
    MachinePeaks p;
    p.threads = threads;
    p.isa = path_name();
    {
        ThreadPool pool(threads);
        p.read_gbps = measure_read(pool);
    }
    ComputeProbe compute(threads);
    p.int8_gops = compute.int8_gops();
    p.fp32_gflops = compute.fp32_gflops();
    return p;
}

MachinePeaks MachinePeaks::cached(int threads, bool remeasure) {
    const std::string path = cache_path(threads);
    if (!remeasure) {
        std::ifstream in(path);
        if (in) {
            try {
                const auto j = nlohmann::json::parse(in);
                if (j.at("isa") == path_name() && j.value("method", 0) == kPeakMethod) {
                    MachinePeaks p;
                    p.threads = threads;
                    p.isa = j.at("isa");
                    p.read_gbps = j.at("read_gbps");
                    p.int8_gops = j.at("int8_gops");
                    p.fp32_gflops = j.at("fp32_gflops");
                    return p;
                }
            } catch (const std::exception&) {
                // unreadable cache: measure again
            }
        }
    }
    MachinePeaks p = measure(threads);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream out(path);
    if (out) {
        out << nlohmann::json{{"isa", p.isa}, {"method", kPeakMethod}, {"threads", threads}, {"read_gbps", p.read_gbps},
                              {"int8_gops", p.int8_gops}, {"fp32_gflops", p.fp32_gflops}}.dump(2);
    }
    return p;
}

}  // namespace edgeseek
