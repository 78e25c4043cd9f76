// <immintrin.h> for the ISA-specific translation units. GCC 12 reports false
// -W(maybe-)uninitialized warnings inside its own AVX-512 headers (GCC bug 105593, the
// intrinsics start from an "undefined" register); they are silenced for the header only.
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif

#if defined(__AVX2__)
namespace edgeseek {

// Lane-wise operations for reduce16 (AVX-512) and reduce8 (AVX2).
struct AddPs {
#if defined(__AVX512F__)
    __m512 operator()(__m512 x, __m512 y) const { return _mm512_add_ps(x, y); }
#endif
    __m256 operator()(__m256 x, __m256 y) const { return _mm256_add_ps(x, y); }
};
struct MaxPs {  // of values that are not NaN
#if defined(__AVX512F__)
    __m512 operator()(__m512 x, __m512 y) const { return _mm512_max_ps(x, y); }
#endif
    __m256 operator()(__m256 x, __m256 y) const { return _mm256_max_ps(x, y); }
};
struct AddEpi32 {  // int32 lanes carried in float vectors
#if defined(__AVX512F__)
    __m512 operator()(__m512 x, __m512 y) const {
        return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(x), _mm512_castps_si512(y)));
    }
#endif
    __m256 operator()(__m256 x, __m256 y) const {
        return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(x), _mm256_castps_si256(y)));
    }
};

// The sum of v's 8 lanes: the two 128-bit halves, then pairs, then the last two. Internal to
// each translation unit (static): an AVX-512 unit's out-of-line copy may use EVEX encodings that
// an AVX2-only CPU lacks, and one inline copy stands for all units.
static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// reduce16's 8-lane form: r lane j = a[j]'s 8 lanes combined by op (8 -> 4 -> 2 vectors within
// 128-bit lanes, then the two 128-bit lanes): 7 ops and 14 shuffles where 8 separate
// reductions would take 24 and 24.
template <typename Op>
inline __m256 reduce8(const __m256 (&a)[8], Op op) {
    __m256 b[4], c[2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) b[i] = op(_mm256_unpacklo_ps(a[2 * i], a[2 * i + 1]), _mm256_unpackhi_ps(a[2 * i], a[2 * i + 1]));
#pragma GCC unroll 2
    for (int i = 0; i < 2; ++i) {
        const __m256d x = _mm256_castps_pd(b[2 * i]), y = _mm256_castps_pd(b[2 * i + 1]);
        c[i] = op(_mm256_castpd_ps(_mm256_unpacklo_pd(x, y)), _mm256_castpd_ps(_mm256_unpackhi_pd(x, y)));
    }
    return op(_mm256_permute2f128_ps(c[0], c[1], 0x20), _mm256_permute2f128_ps(c[0], c[1], 0x31));
}
#if defined(__AVX512F__)

// r[j] = a[j]'s 16 lanes combined by op (associative and commutative). Vectors are merged
// pairwise, unpacking 32- then 64-bit halves within each 128-bit lane (16 -> 8 -> 4 vectors:
// lane L of c[i] then holds lane L's results of a[4i..4i+3]), then combining 128-bit lanes
// (4 -> 2 -> 1): 15 ops and 30 shuffles where 16 separate reductions would take 64 and 64.
template <typename Op>
inline __m512 reduce16(const __m512 (&a)[16], Op op) {
    __m512 b[8], c[4];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) b[i] = op(_mm512_unpacklo_ps(a[2 * i], a[2 * i + 1]), _mm512_unpackhi_ps(a[2 * i], a[2 * i + 1]));
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
        const __m512d x = _mm512_castps_pd(b[2 * i]), y = _mm512_castps_pd(b[2 * i + 1]);
        c[i] = op(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    // 0x88 takes lanes 0 and 2 of each operand, 0xdd lanes 1 and 3.
    const __m512 d0 = op(_mm512_shuffle_f32x4(c[0], c[1], 0x88), _mm512_shuffle_f32x4(c[0], c[1], 0xdd));
    const __m512 d1 = op(_mm512_shuffle_f32x4(c[2], c[3], 0x88), _mm512_shuffle_f32x4(c[2], c[3], 0xdd));
    return op(_mm512_shuffle_f32x4(d0, d1, 0x88), _mm512_shuffle_f32x4(d0, d1, 0xdd));
}

// acc + x * (the float at p, broadcast), the broadcast taken by the FMA's own memory operand
// ({1to16}): one uop where GCC emits a separate broadcast and an FMA.
inline __m512 fma_bcast(__m512 acc, __m512 x, const float* p) {
#if defined(__GNUC__)
    __asm__("vfmadd231ps %[m]%{1to16%}, %[x], %[acc]" : [acc] "+v"(acc) : [x] "v"(x), [m] "m"(*p));
    return acc;
#else
    return _mm512_fmadd_ps(x, _mm512_set1_ps(*p), acc);
#endif
}

#endif  // __AVX512F__
}  // namespace edgeseek
#endif
