// The AVX2 int8 peak on CPUs with AVX-VNNI, whose AVX2 tiles then multiply with vpdpbusd on
// 256-bit vectors (packed_avx2_vnni.cpp): twelve independent vpdpbusd chains, as the AVX-512
// loop, at half the width.
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgeseek {

double peak_int8_loop_avx2_vnni(int64_t iters);

#if defined(__x86_64__)
double peak_int8_loop_avx2_vnni(int64_t iters) {
    constexpr int64_t kChains = 12;
#define EDGESEEK_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define EDGESEEK_DECL(n) __m256i a##n = _mm256_set1_epi32(n);
#define EDGESEEK_STEP(n) a##n = _mm256_dpbusd_avx_epi32(a##n, x, y);
#define EDGESEEK_SUM(n) s = _mm256_add_epi32(s, a##n);
    EDGESEEK_CHAINS(EDGESEEK_DECL)
    __m256i x = _mm256_set1_epi8(3), y = _mm256_set1_epi8(-2);
    for (int64_t i = 0; i < iters / kChains; ++i) {
        EDGESEEK_CHAINS(EDGESEEK_STEP)
        // Keeps the products from being hoisted out of the loop and the chains distinct.
        __asm__ volatile("" : "+x"(x), "+x"(y));
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
        __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    __m256i s = _mm256_setzero_si256();
    EDGESEEK_CHAINS(EDGESEEK_SUM)
#undef EDGESEEK_CHAINS
#undef EDGESEEK_DECL
#undef EDGESEEK_STEP
#undef EDGESEEK_SUM
    alignas(32) int32_t out[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), s);
    volatile int32_t sink = out[0] + out[7];
    (void)sink;
    return static_cast<double>(iters / kChains * kChains) * 32.0;  // 32 int8 multiply-adds per vpdpbusd
}
#endif

}  // namespace edgeseek
