// Peak-throughput loops. Independent accumulators hide instruction latency so the loop runs
// at the core's issue rate; the results are returned so nothing is optimised away.
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"
#if defined(__x86_64__)
#include "kernels/simd.h"
#endif

namespace edgeseek {

double peak_read_bytes_avx512(const uint8_t* data, size_t n, bool prefetch);
double peak_int8_loop_avx512(int64_t iters);
double peak_fp32_loop_avx512(int64_t iters);

#if defined(__x86_64__)
double peak_read_bytes_avx512(const uint8_t* data, size_t n, bool prefetch) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        if (prefetch) {
            for (int l = 0; l < 256; l += 64) prefetch_stream(data + i + l);
        }
        a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(data + i));
        a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(data + i + 64));
        a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(data + i + 128));
        a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(data + i + 192));
    }
    const __m512i s = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
    return static_cast<double>(_mm512_reduce_add_epi64(s));
}

// Sixteen independent chains: the multiply units take two instructions per cycle with a
// latency of 4-5, so fewer chains measure the latency instead of the peak (eight: 1.31
// vpdpbusd and 1.61 FMA per cycle on this Xeon; sixteen: 1.96 and 1.83).
#define EDGESEEK_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
constexpr int64_t kChains = 16;

double peak_int8_loop_avx512(int64_t iters) {
#define EDGESEEK_DECL(n) __m512i a##n = _mm512_set1_epi32(n);
#define EDGESEEK_STEP(n) a##n = _mm512_dpbusd_epi32(a##n, x, y);
#define EDGESEEK_SUM(n) s = _mm512_add_epi32(s, a##n);
    EDGESEEK_CHAINS(EDGESEEK_DECL)
    const __m512i x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(-2);
    for (int64_t i = 0; i < iters / kChains; ++i) {
        EDGESEEK_CHAINS(EDGESEEK_STEP)
        // Keeps the chains distinct (identical chains would be merged into one).
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
        __asm__ volatile("" : "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a12), "+v"(a13), "+v"(a14), "+v"(a15));
    }
    __m512i s = _mm512_setzero_si512();
    EDGESEEK_CHAINS(EDGESEEK_SUM)
#undef EDGESEEK_DECL
#undef EDGESEEK_STEP
#undef EDGESEEK_SUM
    volatile int sink = _mm512_reduce_add_epi32(s);
    (void)sink;
    return static_cast<double>(iters / kChains * kChains) * 64.0;  // 64 int8 multiply-adds per instruction
}

double peak_fp32_loop_avx512(int64_t iters) {
#define EDGESEEK_DECL(n) __m512 a##n = _mm512_set1_ps(static_cast<float>(n));
#define EDGESEEK_STEP(n) a##n = _mm512_fmadd_ps(a##n, x, y);
#define EDGESEEK_SUM(n) s = _mm512_add_ps(s, a##n);
    EDGESEEK_CHAINS(EDGESEEK_DECL)
    const __m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-4f);
    for (int64_t i = 0; i < iters / kChains; ++i) {
        EDGESEEK_CHAINS(EDGESEEK_STEP)
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
        __asm__ volatile("" : "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a12), "+v"(a13), "+v"(a14), "+v"(a15));
    }
    __m512 s = _mm512_setzero_ps();
    EDGESEEK_CHAINS(EDGESEEK_SUM)
#undef EDGESEEK_DECL
#undef EDGESEEK_STEP
#undef EDGESEEK_SUM
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
    return static_cast<double>(iters / kChains * kChains) * 16.0;  // 16 fused multiply-adds per instruction
}
#undef EDGESEEK_CHAINS
#endif

}  // namespace edgeseek
