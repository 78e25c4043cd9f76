// Peak-throughput loops. Independent accumulators hide instruction latency so the loop runs
// at the core's issue rate; the results are returned so nothing is optimised away.
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"
#if defined(__x86_64__)
#include "kernels/simd.h"
#endif

namespace edgeseek {

double peak_read_bytes_avx512(const uint8_t* data, size_t n);
double peak_int8_loop_avx512(int64_t iters);
double peak_fp32_loop_avx512(int64_t iters);

#if defined(__x86_64__)
double peak_read_bytes_avx512(const uint8_t* data, size_t n) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 256 <= n; i += 256) {
        // Software prefetch into L1 4 KiB ahead and into L2 16 KiB ahead, as decode's weight
        // streams do (a peak below what decode reaches would flatter every ratio).
        for (int l = 0; l < 256; l += 64) {
            _mm_prefetch(reinterpret_cast<const char*>(data + i + 4096 + l), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(data + i + 16384 + l), _MM_HINT_T1);
        }
        a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(data + i));
        a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(data + i + 64));
        a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(data + i + 128));
        a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(data + i + 192));
    }
    const __m512i s = _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3));
    return static_cast<double>(_mm512_reduce_add_epi64(s));
}

double peak_int8_loop_avx512(int64_t iters) {
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const __m512i x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(-2);
    for (int64_t i = 0; i < iters / 8; ++i) {
        a0 = _mm512_dpbusd_epi32(a0, x, y);
        a1 = _mm512_dpbusd_epi32(a1, x, y);
        a2 = _mm512_dpbusd_epi32(a2, x, y);
        a3 = _mm512_dpbusd_epi32(a3, x, y);
        a4 = _mm512_dpbusd_epi32(a4, x, y);
        a5 = _mm512_dpbusd_epi32(a5, x, y);
        a6 = _mm512_dpbusd_epi32(a6, x, y);
        a7 = _mm512_dpbusd_epi32(a7, x, y);
        // Keeps the eight chains distinct (identical chains would be merged into one).
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
    }
    const __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)),
                                       _mm512_add_epi32(_mm512_add_epi32(a4, a5), _mm512_add_epi32(a6, a7)));
    volatile int sink = _mm512_reduce_add_epi32(s);
    (void)sink;
    return static_cast<double>(iters / 8 * 8) * 64.0;  // 64 int8 multiply-adds per instruction
}

double peak_fp32_loop_avx512(int64_t iters) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    const __m512 x = _mm512_set1_ps(0.9999f), y = _mm512_set1_ps(1e-4f);
    for (int64_t i = 0; i < iters / 8; ++i) {
        a0 = _mm512_fmadd_ps(a0, x, y);
        a1 = _mm512_fmadd_ps(a1, x, y);
        a2 = _mm512_fmadd_ps(a2, x, y);
        a3 = _mm512_fmadd_ps(a3, x, y);
        a4 = _mm512_fmadd_ps(a4, x, y);
        a5 = _mm512_fmadd_ps(a5, x, y);
        a6 = _mm512_fmadd_ps(a6, x, y);
        a7 = _mm512_fmadd_ps(a7, x, y);
        __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
    }
    const __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                                   _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
    return static_cast<double>(iters / 8 * 8) * 16.0;  // 16 fused multiply-adds per instruction
}
#endif

}  // namespace edgeseek
