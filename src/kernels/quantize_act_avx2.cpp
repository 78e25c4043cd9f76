// AVX2 activation quantizers: Q8_0, Q8_1 and Q8_K rows, byte-identical to the references
// (quant/q8_0.cpp, quant/q8_1.cpp, quant/k_quants_quantize.cpp) for every input, NaN and
// infinity included: the same float operations per value, the references' rounding modes, and
// their clamps (vmaxps/vminps return the second operand for a NaN, which reproduces where
// std::fmax/fmin and the clamps send it).
#if defined(__x86_64__)
#include <cstring>

#include "kernels/simd.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

inline __m256 abs8(const float* x) {
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_loadu_ps(x));
}

// max |x| over 8 * nvec floats, NaN ignored (as std::fmax does).
inline float abs_max(const float* x, int nvec) {
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < nvec; ++j) m = _mm256_max_ps(abs8(x + 8 * j), m);
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

inline int hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

// 8 rounded, clamped quants as int32: NaN goes to `nan_to` (the bound the reference's clamps
// send it to), the rest is clamped to [-127, 127] and rounded by `round`.
template <typename Round>
inline __m256i quants8(__m256 v, float nan_to, Round round) {
    const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    v = nan_to < 0.0f ? _mm256_min_ps(_mm256_max_ps(v, lo), hi) : _mm256_max_ps(_mm256_min_ps(v, hi), lo);
    return _mm256_cvtps_epi32(round(v));
}

inline __m256 round_half_even(__m256 v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

// std::round: half away from zero. v - trunc(v) is exact, so the comparison with 0.5 is too.
inline __m256 round_half_away(__m256 v) {
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, t));
    const __m256 up = _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    const __m256 one = _mm256_or_ps(_mm256_and_ps(v, _mm256_set1_ps(-0.0f)), _mm256_set1_ps(1.0f));
    return _mm256_add_ps(t, _mm256_and_ps(up, one));
}

// 32 int32 quants (four vectors in order) stored as 32 bytes.
inline void store32(int8_t* dst, __m256i a, __m256i b, __m256i c, __m256i d) {
    // The packs work per 128-bit lane; the permute restores element order.
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

void q8_0_row(const float* src, void* dst, int64_t n) {
    BlockQ8_0* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        const float* x = src + i * kQK8_0;
        const float d = abs_max(x, 4) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        __m256i q[4];
        for (int k = 0; k < 4; ++k) q[k] = quants8(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), _mm256_set1_ps(id)), -127.0f, round_half_even);
        store32(b[i].qs, q[0], q[1], q[2], q[3]);
    }
}

void q8_1_row(const float* src, void* dst, int64_t n) {
    BlockQ8_1* b = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQK8_1; ++i) {
        const float* x = src + i * kQK8_1;
        const float d = abs_max(x, 4) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        __m256i q[4];
        for (int k = 0; k < 4; ++k) q[k] = quants8(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), _mm256_set1_ps(id)), -127.0f, round_half_away);
        store32(b[i].qs, q[0], q[1], q[2], q[3]);
        const int sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
        b[i].d = fp32_to_fp16(d);
        b[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
    }
}

void q8_k_row(const float* src, void* dst, int64_t n) {
    BlockQ8_K* blocks = static_cast<BlockQ8_K*>(dst);
    constexpr int kVecs = kQK_K / 8;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float* x = src + i * kQK_K;
        BlockQ8_K& b = blocks[i];
        const float amax = abs_max(x, kVecs);
        if (amax == 0.0f) {
            std::memset(&b, 0, sizeof b);
            continue;
        }
        // The scale follows the first value of largest magnitude, with its sign.
        float max = 0.0f;
        for (int j = 0; j < kVecs; ++j) {
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs8(x + 8 * j), _mm256_set1_ps(amax), _CMP_EQ_OQ));
            if (hit) {
                max = x[8 * j + __builtin_ctz(static_cast<unsigned>(hit))];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const __m256 s = _mm256_set1_ps(iscale);
        for (int j = 0; j < kQK_K / 32; ++j) {
            __m256i q[4];
            for (int k = 0; k < 4; ++k) q[k] = quants8(_mm256_mul_ps(s, _mm256_loadu_ps(x + 32 * j + 8 * k)), 127.0f, round_half_even);
            store32(b.qs + 32 * j, q[0], q[1], q[2], q[3]);
            b.bsums[2 * j] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[0], q[1])));
            b.bsums[2 * j + 1] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[2], q[3])));
        }
        b.d = 1.0f / iscale;
    }
}

}  // namespace

FromFloatFn quantize_act_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q8_0: return q8_0_row;
        case GgmlType::Q8_1: return q8_1_row;
        case GgmlType::Q8_K: return q8_k_row;
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
