// AVX2 activation quantizers: Q8_0, Q8_1 and Q8_K rows, byte-identical to the references
// (quant/q8_0.cpp, quant/q8_1.cpp, quant/k_quants_quantize.cpp) for every input, NaN and
// infinity included: the same float operations per value, the references' rounding modes, and
// their clamps (vmaxps/vminps return the second operand for a NaN, which reproduces where
// std::fmax/fmin and the clamps send it).
#if defined(__x86_64__)
#include <algorithm>
#include <cstring>

#include "kernels/packed.h"
#include "kernels/simd.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

inline __m256 abs8(const float* x) {
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_loadu_ps(x));
}

// max |x| over 8 * nvec floats, NaN ignored (as std::fmax does: vmaxps returns its second
// operand, the running maximum, for a NaN). Four running maxima where there are 4k vectors, so
// the dependent chain is a quarter as long (max is exact: any order gives the same value).
inline float abs_max(const float* x, int nvec) {
    __m256 m = _mm256_setzero_ps();
    if (nvec % 4 == 0) {
        __m256 r[4] = {m, m, m, m};
        for (int j = 0; j < nvec; j += 4) {
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) r[k] = _mm256_max_ps(abs8(x + 8 * (j + k)), r[k]);
        }
        m = _mm256_max_ps(_mm256_max_ps(r[0], r[1]), _mm256_max_ps(r[2], r[3]));
    } else {
        for (int j = 0; j < nvec; ++j) m = _mm256_max_ps(abs8(x + 8 * j), m);
    }
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

// One Q8_K super-block of 256 values: quants into qs, the sums of each 16 into bsums (reduced
// side by side, reduce8, rather than one horizontal sum each); returns the scale (0 for an
// all-zero block, whose quants and sums are then 0).
float q8_k_super(const float* x, int8_t* qs, int32_t (&bsums)[16]) {
    constexpr int kVecs = kQK_K / 8;
    const float amax = abs_max(x, kVecs);
    if (amax == 0.0f) {
        std::memset(qs, 0, kQK_K);
        std::memset(bsums, 0, sizeof bsums);
        return 0.0f;
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
    const __m256 scale = _mm256_set1_ps(iscale);
    __m256 sums[2][8];  // the sums of each 16: sixteen vectors of 8 partial sums
#pragma GCC unroll 8
    for (int j = 0; j < kQK_K / 32; ++j) {
        __m256i q[4];
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) q[k] = quants8(_mm256_mul_ps(scale, _mm256_loadu_ps(x + 32 * j + 8 * k)), 127.0f, round_half_even);
        store32(qs + 32 * j, q[0], q[1], q[2], q[3]);
        sums[j / 4][2 * (j % 4)] = _mm256_castsi256_ps(_mm256_add_epi32(q[0], q[1]));
        sums[j / 4][2 * (j % 4) + 1] = _mm256_castsi256_ps(_mm256_add_epi32(q[2], q[3]));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bsums), _mm256_castps_si256(reduce8(sums[0], AddEpi32{})));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bsums + 8), _mm256_castps_si256(reduce8(sums[1], AddEpi32{})));
    return 1.0f / iscale;
}

void q8_k_row(const float* src, void* dst, int64_t n) {
    BlockQ8_K* blocks = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        BlockQ8_K& b = blocks[i];
        int32_t bsums[16];
        b.d = q8_k_super(src + i * kQK_K, b.qs, bsums);
        for (int j = 0; j < 16; ++j) b.bsums[j] = static_cast<int16_t>(bsums[j]);
    }
}

// Panels for Q4_0 / Q8_0 (and IQ4_NL, Q5_0) weights: 8 blocks at a time, their maxima, scales
// and quant sums reduced side by side (reduce8), the scales divided and rounded to f16 as one
// vector, each block's quants straight into its panel slot. (Through the row quantizer, a block
// at a time with two scalar divisions and the scale's rounding in branchy scalar code, then
// moved: 3.7-4.7 GB/s of input on one core.)
template <GgmlType W>
void pack_acts_q8_0(const float* x, int64_t cols, const ActsSlot& slot) {
    const int64_t nb = cols / kQK8_0;
    const __m256i bias = _mm256_set1_epi32(-packed_bias(W));
    for (int64_t i0 = 0; i0 < nb; i0 += 8) {
        if (i0 + 32 < nb) {  // the input 4 KiB ahead, as the AVX-512 packer asks
            const int64_t ahead = std::min<int64_t>(8, nb - i0 - 32) * kQK8_0;
            for (int64_t i = 0; i < ahead; i += 16) _mm_prefetch(reinterpret_cast<const char*>(x + (i0 + 32) * kQK8_0 + i), _MM_HINT_T0);
        }
        const int n = static_cast<int>(std::min<int64_t>(8, nb - i0));
        __m256 m[8];
#pragma GCC unroll 8
        for (int b = 0; b < 8; ++b) {
            // As abs_max: each vector max'd into the running one, NaN ignored.
            m[b] = _mm256_setzero_ps();
            if (b < n) {
#pragma GCC unroll 4
                for (int k = 0; k < 4; ++k) m[b] = _mm256_max_ps(abs8(x + (i0 + b) * kQK8_0 + 8 * k), m[b]);
            }
        }
        const __m256 d = _mm256_div_ps(reduce8(m, MaxPs{}), _mm256_set1_ps(127.0f));
        const __m256 id = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(1.0f), d), _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_NEQ_UQ));
        alignas(32) float ids[8], dh[8];
        _mm256_store_ps(ids, id);
        _mm256_store_ps(dh, _mm256_cvtph_ps(_mm256_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        __m256 sums[8];
#pragma GCC unroll 8
        for (int b = 0; b < 8; ++b) {
            sums[b] = _mm256_setzero_ps();
            if (b >= n) continue;
            const float* xb = x + (i0 + b) * kQK8_0;
            __m256i q[4];
            for (int k = 0; k < 4; ++k) {
                q[k] = quants8(_mm256_mul_ps(_mm256_loadu_ps(xb + 8 * k), _mm256_set1_ps(ids[b])), -127.0f, round_half_even);
            }
            store32(slot.q + (i0 + b) * slot.panel * kQK8_0, q[0], q[1], q[2], q[3]);
            sums[b] = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
        }
        alignas(32) int32_t init[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(init), _mm256_mullo_epi32(bias, _mm256_castps_si256(reduce8(sums, AddEpi32{}))));
        for (int b = 0; b < n; ++b) {
            slot.d[(i0 + b) * slot.stride] = dh[b];
            slot.init[(i0 + b) * slot.stride] = init[b];
        }
    }
}

// Panels for k-quant weights of type W: the row quantizer's super-blocks straight into the panel
// slot.
template <GgmlType W>
void pack_acts_q8_k(const float* x, int64_t cols, const ActsSlot& slot) {
    for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
        if (sb + 4 < cols / kQK_K) {  // the input 4 KiB ahead
            for (int i = 0; i < 16; ++i) _mm_prefetch(reinterpret_cast<const char*>(x + (sb + 4) * kQK_K + 16 * i), _MM_HINT_T0);
        }
        int32_t bsums[16];
        const float d = q8_k_super(x + sb * kQK_K, slot.q + sb * slot.panel * kQK_K, bsums);
        write_k_tables<W>(d, bsums, sb, slot);
    }
}

}  // namespace

PackActsFn pack_acts_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return pack_acts_q8_0<GgmlType::Q4_0>;
        case GgmlType::IQ4_NL: return pack_acts_q8_0<GgmlType::IQ4_NL>;
        case GgmlType::Q5_0: return pack_acts_q8_0<GgmlType::Q5_0>;
        case GgmlType::Q8_0: return pack_acts_q8_0<GgmlType::Q8_0>;
        case GgmlType::Q2_K: return pack_acts_q8_k<GgmlType::Q2_K>;
        case GgmlType::Q3_K: return pack_acts_q8_k<GgmlType::Q3_K>;
        case GgmlType::Q4_K: return pack_acts_q8_k<GgmlType::Q4_K>;
        case GgmlType::Q5_K: return pack_acts_q8_k<GgmlType::Q5_K>;
        case GgmlType::Q6_K: return pack_acts_q8_k<GgmlType::Q6_K>;
        case GgmlType::IQ4_XS: return pack_acts_q8_k<GgmlType::IQ4_XS>;
        default: return nullptr;
    }
}

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
