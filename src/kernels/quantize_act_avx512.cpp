// AVX-512 activation quantizers: Q8_0, Q8_1 and Q8_K rows, and the packed kernels' panels
// (kernels/packed.h), byte-identical to the references (quant/q8_0.cpp, quant/q8_1.cpp,
// quant/k_quants_quantize.cpp) for every input, NaN and infinity included: the same float
// operations in the same order per value, the references' rounding modes, and their clamps
// (vmaxps/vminps return the second operand for a NaN, which reproduces where std::fmax/fmin
// and the clamps send it).
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

inline __m512 abs16(const float* x) { return _mm512_abs_ps(_mm512_loadu_ps(x)); }

// max |x| over 16 * nvec floats, NaN ignored (as std::fmax does: vmaxps returns its second
// operand, the running maximum, for a NaN). Four running maxima where there are 4k vectors, so
// the dependent chain is a quarter as long (max is exact: any order gives the same value).
inline float abs_max(const float* x, int nvec) {
    __m512 m[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    if (nvec % 4 == 0) {
        for (int j = 0; j < nvec; j += 4) {
#pragma GCC unroll 4
            for (int k = 0; k < 4; ++k) m[k] = _mm512_max_ps(abs16(x + 16 * (j + k)), m[k]);
        }
    } else {
        for (int j = 0; j < nvec; ++j) m[0] = _mm512_max_ps(abs16(x + 16 * j), m[0]);
    }
    return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m[0], m[1]), _mm512_max_ps(m[2], m[3])));
}

// 16 rounded, clamped quants as int32: NaN goes to `nan_to` (the bound the reference's clamps
// send it to), the rest is clamped to [-127, 127] and rounded by `round`.
template <typename Round>
inline __m512i quants16(__m512 v, float nan_to, Round round) {
    const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
    v = nan_to < 0.0f ? _mm512_min_ps(_mm512_max_ps(v, lo), hi) : _mm512_max_ps(_mm512_min_ps(v, hi), lo);
    return _mm512_cvtps_epi32(round(v));
}

inline __m512 round_half_even(__m512 v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

// std::round: half away from zero. v - trunc(v) is exact, so the comparison with 0.5 is too.
inline __m512 round_half_away(__m512 v) {
    const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __mmask16 up = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(v, t)), _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    const __m512 one = _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)),
                                                           _mm512_castps_si512(_mm512_set1_ps(1.0f))));
    return _mm512_mask_add_ps(t, up, t, one);
}

inline void store16(int8_t* dst, __m512i q) { _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi32_epi8(q)); }

void q8_0_row(const float* src, void* dst, int64_t n) {
    BlockQ8_0* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        const float* x = src + i * kQK8_0;
        const float d = abs_max(x, 2) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        for (int k = 0; k < 2; ++k) {
            store16(b[i].qs + 16 * k, quants16(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * k), _mm512_set1_ps(id)), -127.0f, round_half_even));
        }
    }
}

void q8_1_row(const float* src, void* dst, int64_t n) {
    BlockQ8_1* b = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQK8_1; ++i) {
        const float* x = src + i * kQK8_1;
        const float d = abs_max(x, 2) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int k = 0; k < 2; ++k) {
            const __m512i q = quants16(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * k), _mm512_set1_ps(id)), -127.0f, round_half_away);
            sum += _mm512_reduce_add_epi32(q);
            store16(b[i].qs + 16 * k, q);
        }
        b[i].d = fp32_to_fp16(d);
        b[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
    }
}

// One Q8_K super-block of 256 values: quants into qs, the sums of each 16 into bsums; returns
// the scale (0 for an all-zero block, whose quants and sums are then 0).
float q8_k_super(const float* x, int8_t* qs, int32_t (&bsums)[16]) {
    constexpr int kVecs = kQK_K / 16;
    const float amax = abs_max(x, kVecs);
    if (amax == 0.0f) {
        std::memset(qs, 0, kQK_K);
        std::memset(bsums, 0, sizeof bsums);
        return 0.0f;
    }
    // The scale follows the first value of largest magnitude, with its sign.
    float max = 0.0f;
    for (int j = 0; j < kVecs; ++j) {
        const __mmask16 hit = _mm512_cmp_ps_mask(abs16(x + 16 * j), _mm512_set1_ps(amax), _CMP_EQ_OQ);
        if (hit) {
            max = x[16 * j + __builtin_ctz(hit)];
            break;
        }
    }
    const float iscale = -127.0f / max;
    __m512 qv[kVecs];
#pragma GCC unroll 16
    for (int j = 0; j < kVecs; ++j) {
        const __m512i v = quants16(_mm512_mul_ps(_mm512_set1_ps(iscale), _mm512_loadu_ps(x + 16 * j)), 127.0f, round_half_even);
        store16(qs + 16 * j, v);
        qv[j] = _mm512_castsi512_ps(v);
    }
    // The 16 sums side by side (reduce16) rather than one horizontal sum each.
    _mm512_storeu_si512(bsums, _mm512_castps_si512(reduce16(qv, AddEpi32{})));
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

// Panels for Q4_0 / Q8_0 weights: 16 blocks at a time, their maxima, scales and quant sums
// reduced side by side (reduce16) instead of one horizontal reduction and scalar division each.
template <int kBias>
void pack_acts_q8_0(const float* x, int64_t cols, const ActsSlot& slot) {
    const int64_t nb = cols / 32;
    for (int64_t i0 = 0; i0 < nb; i0 += 16) {
        // The input 4 KiB ahead (a prompt's rows are usually in L3 or memory; see
        // docs/PERFORMANCE.md, eleventh session: this packer's share of a 1536 x 8960 product
        // 10.7% -> 6.4%).
        if (i0 + 32 < nb) {
            const int64_t ahead = std::min<int64_t>(16, nb - i0 - 32) * 32;
            for (int64_t i = 0; i < ahead; i += 16) _mm_prefetch(reinterpret_cast<const char*>(x + (i0 + 32) * 32 + i), _MM_HINT_T0);
        }
        const int n = static_cast<int>(std::min<int64_t>(16, nb - i0));
        __m512 m[16];
#pragma GCC unroll 16
        for (int b = 0; b < 16; ++b) {
            const float* xb = x + (i0 + b) * 32;
            // As abs_max: each vector max'd into the running one, NaN ignored.
            m[b] = b < n ? _mm512_max_ps(abs16(xb + 16), _mm512_max_ps(abs16(xb), _mm512_setzero_ps())) : _mm512_setzero_ps();
        }
        const __m512 d = _mm512_div_ps(reduce16(m, MaxPs{}), _mm512_set1_ps(127.0f));
        const __m512 id = _mm512_maskz_div_ps(_mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_NEQ_UQ), _mm512_set1_ps(1.0f), d);
        alignas(64) float ids[16], dh[16];
        _mm512_store_ps(ids, id);
        _mm512_store_ps(dh, _mm512_cvtph_ps(_mm512_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        __m512 sums[16];
#pragma GCC unroll 16
        for (int b = 0; b < 16; ++b) {
            if (b >= n) {
                sums[b] = _mm512_setzero_ps();
                continue;
            }
            const float* xb = x + (i0 + b) * 32;
            const __m512i q0 = quants16(_mm512_mul_ps(_mm512_loadu_ps(xb), _mm512_set1_ps(ids[b])), -127.0f, round_half_even);
            const __m512i q1 = quants16(_mm512_mul_ps(_mm512_loadu_ps(xb + 16), _mm512_set1_ps(ids[b])), -127.0f, round_half_even);
            int8_t* q = slot.q + (i0 + b) * slot.panel * 32;
            store16(q, q0);
            store16(q + 16, q1);
            sums[b] = _mm512_castsi512_ps(_mm512_add_epi32(q0, q1));
        }
        alignas(64) int32_t s[16];
        _mm512_store_si512(s, _mm512_castps_si512(reduce16(sums, AddEpi32{})));
        for (int b = 0; b < n; ++b) {
            slot.d[(i0 + b) * slot.stride] = dh[b];
            slot.init[(i0 + b) * slot.stride] = -kBias * s[b];
        }
    }
}

// Panels for k-quant weights of type W: the row quantizer's super-blocks straight into the
// panel slot.
template <GgmlType W>
void pack_acts_q8_k(const float* x, int64_t cols, const ActsSlot& slot) {
    for (int64_t sb = 0; sb < cols / kQK_K; ++sb) {
        if (sb + 4 < cols / kQK_K) {  // the input 4 KiB ahead, as pack_acts_q8_0
            for (int i = 0; i < 16; ++i) _mm_prefetch(reinterpret_cast<const char*>(x + (sb + 4) * kQK_K + 16 * i), _MM_HINT_T0);
        }
        int32_t bsums[16];
        const float d = q8_k_super(x + sb * kQK_K, slot.q + sb * slot.panel * kQK_K, bsums);
        write_k_tables<W>(d, bsums, sb, slot);
    }
}

}  // namespace

PackActsFn pack_acts_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return pack_acts_q8_0<8>;
        case GgmlType::IQ4_NL: return pack_acts_q8_0<128>;
        case GgmlType::Q5_0: return pack_acts_q8_0<16>;
        case GgmlType::Q8_0: return pack_acts_q8_0<128>;
        case GgmlType::Q2_K: return pack_acts_q8_k<GgmlType::Q2_K>;
        case GgmlType::Q3_K: return pack_acts_q8_k<GgmlType::Q3_K>;
        case GgmlType::Q4_K: return pack_acts_q8_k<GgmlType::Q4_K>;
        case GgmlType::Q5_K: return pack_acts_q8_k<GgmlType::Q5_K>;
        case GgmlType::Q6_K: return pack_acts_q8_k<GgmlType::Q6_K>;
        case GgmlType::IQ4_XS: return pack_acts_q8_k<GgmlType::IQ4_XS>;
        default: return nullptr;
    }
}

FromFloatFn quantize_act_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q8_0: return q8_0_row;
        case GgmlType::Q8_1: return q8_1_row;
        case GgmlType::Q8_K: return q8_k_row;
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
