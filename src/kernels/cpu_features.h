// Which SIMD path this CPU runs. Detected once at start; EDGESEEK_ISA=scalar|avx2|avx512
// forces a lower path (tests use it to cover every path the machine can run).
#pragma once
#include <atomic>
#include <cstddef>
#include <optional>
#include <string>

namespace edgeseek {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false, avx512bf16 = false;
    bool gfni = false;     // Galois-field byte affine transforms (used for nibble unpacking)
    bool avxvnni = false;  // AVX-VNNI: vpdpbusd on 256-bit vectors (the AVX2 tiles' products)
    bool amd = false;   // AuthenticAMD / HygonGenuine (prefetch distances differ)
    Isa best() const;
};

const CpuFeatures& cpu_features();
// The path in use: the best the CPU has, lowered by EDGESEEK_ISA when set.
Isa active_isa();
// Forces a path for the rest of the process (tests); clamps to what the CPU supports.
void set_active_isa(Isa isa);
const char* isa_name(Isa isa);
// EDGESEEK_ISA=avx2-novnni: the AVX2 path without AVX-VNNI on a CPU that has it (as an older
// AVX2 CPU runs; packed_avx_vnni_enabled starts from it).
bool isa_env_disables_vnni();

// How far ahead of use the kernels that stream weights from memory ask for them, in bytes:
// the K-quant tiles into L1 (l1) and into L2 as well (l2; 0: not), the streams the hardware
// prefetcher follows into L2 by itself (the 32-value block types' tiles, the per-row kernels)
// into L1 alone (l1_alone). EDGESEEK_PREFETCH=L1[,L2[,L1_ALONE]] (bytes) overrides the default;
// L1_ALONE left out is L1, so a setting of two numbers means what it did before l1_alone.
// History: measured on a Xeon first (the L2 step at 16 KiB took the 1.5B Q4_0 decode from 22.6
// to 26.3 t/s); on the Zen 5 EPYC the L2 step moved from 16 to 8 KiB (a replay of the 1.5B
// decode's 28 layers of matrices, `/tmp/mb/layer_cfg.cpp`: Q4_K 90.6% -> 97.7% of a read loop's
// bandwidth, Q6_K 82.8% -> 93.1%; L1 alone 89.6%, 90.1%). Then the settings alternated token
// by token inside one decode (docs/PERFORMANCE.md, "Decode settings compared token by token"),
// against 4096,8192 for all: the K-quant tiles at 6144,8192 0.6-2.0% faster, whether the host
// gave ~47 or ~85 GB/s (1.5B Q4_K_M; 5120 the same, 7168 or an L2 step of 10240 0.7-1% slower,
// L1 alone at 8192 2-4% faster at ~85 GB/s but 4-8% slower at ~47); the block types' L1 step
// at 8192 instead of 4096 0.2-2.3% slower at ~47 GB/s (Q4_0, Q8_0), so it stays.
// l2_alone: the L2 step of the streams l1_alone is the L1 step of (0: none), in decode. On the Zen 5 it cost
// them (below); on the Xeon (2026-12-01, token by token, 1.5B) 8192 made Q4_0 decode 11-12%
// and Q8_0 11-13% faster (12288 the same). So it is 8192 on every CPU but AMD's.
// l2 there: the Xeon's K-quant decode, token by token against 8192 (1.5B / 7B Q4_K_M), 2.0-2.6%
// faster at 16384 (five runs), 12288 the same as 16384, 24576 1.5% and 32768 1.2% faster than
// 8192. So 16384 on every CPU but AMD's, 8192 there (10240 cost the Zen 5 0.4-1.9%).
// The defaults below are AMD's; choose_prefetch sets the others'.
struct StreamPrefetch {
    size_t l1 = 6144, l2 = 8192, l1_alone = 4096, l2_alone = 0;
};
extern const StreamPrefetch g_stream_prefetch;
// Whether the K-quant tiles take their L2 step (g_stream_prefetch.l2) now: decode's prefetch
// tuner (kernels/prefetch_tuner.h) turns it off and on between tokens, as measured.
extern std::atomic<bool> g_stream_l2_step;
// "L1", "L1,L2", "L1,L2,L1_ALONE" or "L1,L2,L1_ALONE,L2_ALONE" in decimal bytes (L1 and L1_ALONE
// 64..1 MiB, L2 and L2_ALONE 0..4 MiB; L2_ALONE left out is 0); nullopt for anything else.
std::optional<StreamPrefetch> parse_stream_prefetch(const char* text);

// The cache line of a weight stream at p is asked for ahead of use, as g_stream_prefetch says
// (a prefetch past the end of a mapping is harmless: it never faults).
// prefetch_l1 / prefetch_l2 (p's line into L1 / L2) are volatile asm on x86-64, for every
// prefetch in the kernels: GCC 12 treats __builtin_prefetch as free of side effects and deleted
// some loops made only of them (the first prefetch_stream_part emitted nothing at all).
inline void prefetch_l1(const void* p) {
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__ volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p, 0, 3);
#endif
}
inline void prefetch_l2(const void* p) {
#if defined(__x86_64__) && defined(__GNUC__)
    __asm__ volatile("prefetcht1 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p, 0, 2);
#endif
}
// How far ahead the K-quant tiles' L2 step asks now (0: no L2 step), g_stream_l2_step applied.
inline size_t stream_l2_ahead() {
    return g_stream_l2_step.load(std::memory_order_relaxed) ? g_stream_prefetch.l2 : 0;
}
// l2: stream_l2_ahead(), which a loop over many lines reads once.
inline void prefetch_stream(const void* p, size_t l2 = stream_l2_ahead()) {
    const char* c = static_cast<const char*>(p);
    prefetch_l1(c + g_stream_prefetch.l1);
    if (l2 != 0) prefetch_l2(c + l2);
}

// Into L1 only, l1_alone ahead: for the streams the hardware prefetcher follows into L2 by
// itself (the 32-value block types' groups, one forward stream each since the block-pair
// layout, kernels/packed.h): on the Zen 5 EPYC the L2 step cost them (two threads, 24 packed
// 8960 x 1536 matrices per round against a read loop run just before: Q8_0 87% -> 95%, Q4_0
// 84-92% -> 91-97% with L1 alone; 1.5B Q8_0 decode 87.6% -> 92.0% of the read bandwidth).
inline void prefetch_stream_l1(const void* p) { prefetch_l1(static_cast<const char*>(p) + g_stream_prefetch.l1_alone); }
// Their L2 step now (0: none): g_stream_prefetch.l2_alone, under the tuner's flag as the K-quant
// tiles' step is (one decision for both: the tuner times whole tokens).
inline size_t stream_l2_alone_ahead() {
    return g_stream_l2_step.load(std::memory_order_relaxed) ? g_stream_prefetch.l2_alone : 0;
}

// Every cache line of the bytes at p, as prefetch_stream asks for one.
inline void prefetch_stream_range(const void* p, size_t bytes) {
    const size_t l2 = stream_l2_ahead();
    for (size_t off = 0; off < bytes; off += 64) prefetch_stream(static_cast<const char*>(p) + off, l2);
}

// Part `part` of kParts of a Bytes-long super-block's cache lines, as prefetch_stream asks for
// one. The K-quant tiles ask for a super-block's lines a few at a time as they go through it
// rather than all at its start (53 lines for Q6_K, 37 for Q4_K): 1.5B Q4_K_M decode (tg32,
// two threads, binaries alternated) 40.1 -> 44.6 t/s, 81.3% -> 89.1% of the read bandwidth.
template <size_t Bytes, int kParts>
__attribute__((always_inline)) inline void prefetch_stream_part(const void* p, int part) {
    constexpr int kLines = static_cast<int>((Bytes + 63) / 64);
    const int first = kLines * part / kParts, last = kLines * (part + 1) / kParts;
    const size_t l2 = stream_l2_ahead();
    for (int l = first; l < last; ++l) prefetch_stream(static_cast<const char*>(p) + 64 * l, l2);
}

}  // namespace edgeseek
