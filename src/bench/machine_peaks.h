// The physical limits performance is measured against: memory read bandwidth (decode is
// bound by it) and int8 / fp32 dot-product throughput (prefill is bound by it).
#pragma once
#include <memory>
#include <string>

namespace edgeseek {

struct MachinePeaks {
    int threads = 0;
    double read_gbps = 0.0;      // GB/s (1e9 bytes), multi-threaded streaming read
    double int8_gops = 0.0;      // int8 multiply-adds counted as 2 ops, G ops/s
    double fp32_gflops = 0.0;    // fused multiply-adds counted as 2 flops
    std::string isa;

    // Measures with `threads` threads (a few seconds).
    static MachinePeaks measure(int threads);
    // Cached measurement in $XDG_CACHE_HOME/edgeseek or ~/.cache/edgeseek (per thread count);
    // measures and stores when absent or stale (other ISA, or written by an older measuring loop).
    static MachinePeaks cached(int threads, bool remeasure = false);
};

// The read bandwidth at this moment, for decode ratios on a shared host whose bandwidth moves
// with its other tenants (a 2-vCPU cloud VM measured 40 to 80 GB/s within an hour): one pass
// with and one without software prefetch over a buffer of four times the last-level cache
// (256 MiB to 1 GiB, kept between calls) on `threads` threads, the faster kept. ~0.1 s a call.
class ReadProbe {
public:
    explicit ReadProbe(int threads);
    ~ReadProbe();
    ReadProbe(const ReadProbe&) = delete;
    ReadProbe& operator=(const ReadProbe&) = delete;
    double measure();  // GB/s (1e9 bytes)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The int8 and fp32 throughput at this moment, for prefill ratios on a shared host whose
// compute left to this VM moves as its bandwidth does (a 2-vCPU Xeon measured 634 to 1416 int8
// GOPS within one morning): the peak loops on `threads` threads, the best of three passes of a
// few milliseconds each.
class ComputeProbe {
public:
    explicit ComputeProbe(int threads);
    ~ComputeProbe();
    ComputeProbe(const ComputeProbe&) = delete;
    ComputeProbe& operator=(const ComputeProbe&) = delete;
    double int8_gops();     // G ops/s, a multiply-add counted as 2
    double fp32_gflops();   // G flops/s, an FMA counted as 2

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace edgeseek
