// AVX2 + FMA + F16C dot products (no VNNI): int8 products via maddubs, f16 via cvtph.
#if defined(__x86_64__)
#include "kernels/simd.h"

#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

// sum over 32 lanes of x*y (int8 x int8) as 8 int32 lanes, via |x| * sign(y, x).
inline __m256i dot_i8(__m256i x, __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    const __m256i p16 = _mm256_maddubs_epi16(ax, sy);
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

inline float scale(uint16_t a, uint16_t b) { return _cvtsh_ss(a) * _cvtsh_ss(b); }

float q8_0_q8_0(int64_t n, const void* row, const void* act) {
    const BlockQ8_0* x = static_cast<const BlockQ8_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs));
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_i8(xv, yv)), _mm256_set1_ps(scale(x[i].d, y[i].d)), acc);
    }
    return hsum256(acc);
}

inline __m256i unpack_q4(const uint8_t* qs) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
    return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0f)), _mm256_set1_epi8(8));
}

float q4_0_q8_0(int64_t n, const void* row, const void* act) {
    const BlockQ4_0* x = static_cast<const BlockQ4_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        const __m256i xv = unpack_q4(x[i].qs);
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_i8(xv, yv)), _mm256_set1_ps(scale(x[i].d, y[i].d)), acc);
    }
    return hsum256(acc);
}

float f32_f32(int64_t n, const void* row, const void* act) {
    const float* x = static_cast<const float*>(row);
    const float* y = static_cast<const float*>(act);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
    }
    float s = hsum256(_mm256_add_ps(a0, a1));
    for (; i < n; ++i) s += x[i] * y[i];
    return s;
}

float f16_f16(int64_t n, const void* row, const void* act) {
    const uint16_t* x = static_cast<const uint16_t*>(row);
    const uint16_t* y = static_cast<const uint16_t*>(act);
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
        const __m256 yv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i)));
        acc = _mm256_fmadd_ps(xv, yv, acc);
    }
    float s = hsum256(acc);
    for (; i < n; ++i) s += fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]);
    return s;
}

float bf16_bf16(int64_t n, const void* row, const void* act) {
    const uint16_t* x = static_cast<const uint16_t*>(row);
    const uint16_t* y = static_cast<const uint16_t*>(act);
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xv = _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))), 16));
        const __m256 yv = _mm256_castsi256_ps(_mm256_slli_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i))), 16));
        acc = _mm256_fmadd_ps(xv, yv, acc);
    }
    float s = hsum256(acc);
    for (; i < n; ++i) s += bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]);
    return s;
}

}  // namespace

VecDotFn vec_dot_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q8_0: return q8_0_q8_0;
        case GgmlType::Q4_0: return q4_0_q8_0;
        case GgmlType::F32: return f32_f32;
        case GgmlType::F16: return f16_f16;
        case GgmlType::BF16: return bf16_bf16;
        case GgmlType::Q2_K:
        case GgmlType::Q3_K:
        case GgmlType::Q4_K:
        case GgmlType::Q5_K:
        case GgmlType::Q6_K:
        case GgmlType::IQ4_XS:
        case GgmlType::Q4_1:
        case GgmlType::Q5_0:
        case GgmlType::Q5_1:
        case GgmlType::IQ4_NL: return vec_dot_kquants_avx2(t);
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
