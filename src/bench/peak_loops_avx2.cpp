// AVX2 + FMA peak loops (CPUs without AVX-512). int8 has no multiply-accumulate into int32
// here: the peak is vpmaddubsw's (32 u8 x s8 products summed in pairs to i16) with the i16
// additions the AVX2 tiles chain them with (CPUs with AVX-VNNI: peak_loops_avx2_vnni.cpp).
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgeseek {

double peak_read_bytes_avx2(const uint8_t* data, size_t n, bool prefetch);
double peak_int8_loop_avx2(int64_t iters);
double peak_fp32_loop_avx2(int64_t iters);

#if defined(__x86_64__)
// The AVX-512 read loop in 32-byte loads.
double peak_read_bytes_avx2(const uint8_t* data, size_t n, bool prefetch) {
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        if (prefetch) {
            for (int l = 0; l < 128; l += 64) prefetch_stream(data + i + l);
        }
        a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i)));
        a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i + 32)));
        a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i + 64)));
        a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(data + i + 96)));
    }
    const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
    alignas(32) uint64_t out[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), s);
    return static_cast<double>(out[0] + out[1] + out[2] + out[3]);
}

#define EDGESEEK_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
constexpr int64_t kChains = 12;

// Six chains of vpmaddubsw into i16 sums (the tiles' inner step; their vpmaddwd widening
// comes after several), each multiplying its own bytes: with one x for all twelve chains and
// a widening per product (the loop until method 4) the compiler computed the product once per
// iteration and the loop measured twelve additions.
double peak_int8_loop_avx2(int64_t iters) {
    constexpr int64_t kPairs = 6;
#define EDGESEEK_SIX(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define EDGESEEK_DECL(n) __m256i a##n = _mm256_set1_epi32(n), x##n = _mm256_set1_epi8(static_cast<char>(3 + n));
#define EDGESEEK_STEP(n) a##n = _mm256_add_epi16(a##n, _mm256_maddubs_epi16(x##n, y));
#define EDGESEEK_SUM(n) s = _mm256_add_epi32(s, a##n);
    EDGESEEK_SIX(EDGESEEK_DECL)
    __m256i y = _mm256_set1_epi8(-2);
    for (int64_t i = 0; i < iters / kPairs; ++i) {
        EDGESEEK_SIX(EDGESEEK_STEP)
        // Keeps the products from being hoisted out of the loop.
        __asm__ volatile("" : "+x"(x0), "+x"(x1), "+x"(x2), "+x"(x3), "+x"(x4), "+x"(x5));
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
    }
    __m256i s = _mm256_setzero_si256();
    EDGESEEK_SIX(EDGESEEK_SUM)
#undef EDGESEEK_SIX
#undef EDGESEEK_DECL
#undef EDGESEEK_STEP
#undef EDGESEEK_SUM
    alignas(32) int32_t out[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), s);
    volatile int32_t sink = out[0] + out[7];
    (void)sink;
    return static_cast<double>(iters / kPairs * kPairs) * 32.0;  // 32 int8 multiply-adds per sequence
}

double peak_fp32_loop_avx2(int64_t iters) {
#define EDGESEEK_DECL(n) __m256 a##n = _mm256_set1_ps(static_cast<float>(n));
#define EDGESEEK_STEP(n) a##n = _mm256_fmadd_ps(a##n, x, y);
#define EDGESEEK_SUM(n) s = _mm256_add_ps(s, a##n);
    EDGESEEK_CHAINS(EDGESEEK_DECL)
    const __m256 x = _mm256_set1_ps(0.9999f), y = _mm256_set1_ps(1e-4f);
    for (int64_t i = 0; i < iters / kChains; ++i) {
        EDGESEEK_CHAINS(EDGESEEK_STEP)
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
        __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    __m256 s = _mm256_setzero_ps();
    EDGESEEK_CHAINS(EDGESEEK_SUM)
#undef EDGESEEK_DECL
#undef EDGESEEK_STEP
#undef EDGESEEK_SUM
    alignas(32) float out[8];
    _mm256_store_ps(out, s);
    volatile float sink = out[0] + out[7];
    (void)sink;
    return static_cast<double>(iters / kChains * kChains) * 8.0;  // 8 fused multiply-adds per instruction
}
#undef EDGESEEK_CHAINS
#endif

}  // namespace edgeseek
