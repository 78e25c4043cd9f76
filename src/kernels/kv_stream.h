// One KV head's cached rows (keys or values: head_dim f16 values per position, positions
// kv_stride values apart) asked for ahead of use, by the decode's attention kernels of every ISA:
// each row into L1 a few positions ahead and into L2 much further ahead (the L1 requests alone
// are bounded by the core's few line-fill buffers, the L2 ones by the larger queue behind L2, as
// the weight tiles' L2 step). The model's cache keeps a head's rows contiguous (model/kv_cache.h);
// the kernels take any stride.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/cpu_features.h"

namespace edgeseek {

// How far ahead of use the rows are asked into L2, in bytes of one head's rows. Decode at
// depth (`bench -d`, two settings alternated token by token in one run, 2-vCPU Xeon), faster per
// token than with no L2 step, with the cache's heads interleaved ([pos][kv_head][head_dim], a
// strided stream): 1.5B Q4_0 at 4096 cached tokens 4.4% with 32 KiB, 3.6-4.6% with 64 KiB,
// 2.5-6.2% with 128 KiB (AVX2: 3.4-4.8%); 7B Q4_0 at 4096 -0.9 to 6.7% (three runs); 128 against
// 64 KiB: 1.3% (1.5B), 1.8% (7B) faster; 256 against 128 KiB within the noise (±1.5%). With each
// head's rows contiguous: 1.3% and 4.2% faster (1.5B Q4_0 at 4096); the L1 step dropped: 1.6%
// faster once, 2.5% slower once (kept).
constexpr int64_t kKvL2AheadBytes = 128 << 10;

class KvStream {
public:
    // Rows 0 .. n_pos - 1 of the head at p0; `l1_rows` positions ahead into L1.
    KvStream(const uint16_t* p0, int64_t kv_stride, int64_t head_dim, int64_t n_pos, int64_t l1_rows)
        : p0_(p0), stride_(kv_stride), bytes_(2 * head_dim), n_pos_(n_pos), l1_(l1_rows),
          l2_(std::max(l1_rows, kKvL2AheadBytes / std::max<int64_t>(1, 2 * head_dim))) {}

    // Before the first row is used: the rows up to the L1 distance into L1, from there up to the
    // L2 distance into L2.
    void start() const {
        for (int64_t p = 0; p < std::min(l1_, n_pos_); ++p) row(p, prefetch_l1);
        for (int64_t p = l1_; p < std::min(l2_, n_pos_); ++p) row(p, prefetch_l2);
    }
    // As row p is used: the rows the two distances ahead of it.
    void step(int64_t p) const {
        if (p + l1_ < n_pos_) row(p + l1_, prefetch_l1);
        if (p + l2_ < n_pos_) row(p + l2_, prefetch_l2);
    }

private:
    template <typename Fetch>
    void row(int64_t p, Fetch fetch) const {
        const char* r = reinterpret_cast<const char*>(p0_ + p * stride_);
        for (int64_t off = 0; off < bytes_; off += 64) fetch(r + off);
    }

    const uint16_t* p0_;
    int64_t stride_, bytes_, n_pos_, l1_, l2_;
};

}  // namespace edgeseek
