// AVX2 (+FMA, F16C) dot products for the k-quants and IQ4_XS (against Q8_K) and for the other
// 32-value blocks: Q4_1, Q5_1 (against Q8_1), Q5_0, IQ4_NL (against Q8_0).
//
// Same plan as the AVX-512 file: weights unpacked to bytes, vpmaddubsw with the activations
// (int16 pairs cannot saturate: at most 2 * 127 * 127), vpmaddwd with the sub-block scale
// broadcast over the int16 lanes, exact int32 per block; offsets and mins through bsums.
// Unpacking strategies after ggml's x86 kernels (ggml-cpu/arch/x86/quants.c); code our own.
#if defined(__x86_64__)
#include <cstring>
#include <type_traits>

#include "kernels/simd.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"

namespace edgeseek {
namespace {

// ---- small pieces ----------------------------------------------------------------------------

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline __m256i bytes(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }
inline float f16(uint16_t h) { return _cvtsh_ss(h); }

inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// vpshufb control repeating int16 element j of a 128-bit lane.
inline __m128i word_ctrl(int j) { return _mm_set1_epi16(static_cast<short>(0x0100 + 0x0202 * j)); }
// scales16 holds 8 int16 scales in both 128-bit lanes. pick: scale j in every lane;
// pick_pair: scale j in the lower 128 bits, scale j + 1 in the upper (one scale per 16 values).
inline __m256i pick(__m256i scales16, int j) {
    return _mm256_shuffle_epi8(scales16, _mm256_broadcastsi128_si256(word_ctrl(j)));
}
inline __m256i pick_pair(__m256i scales16, int j) {
    return _mm256_shuffle_epi8(scales16, _mm256_set_m128i(word_ctrl(j + 1), word_ctrl(j)));
}

// Bit `from` of every byte moved to bit `to` (other bits are garbage; callers mask). Shifting
// 16-bit lanes by at most 7 keeps the moved bit inside its byte.
inline __m256i move_bit(__m256i v, int from, int to) {
    if (from > to) return _mm256_srli_epi16(v, from - to);
    if (from < to) return _mm256_slli_epi16(v, to - from);
    return v;
}

// Scaled int16 pairs: sum(u * a) over 32 bytes (u unsigned), times `scale` per int16 lane.
inline __m256i scaled_dot(__m256i u, __m256i a, __m256i scale) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, a), scale);
}

struct ScalesMins {
    uint64_t scales, mins;
};
inline ScalesMins unpack_k4_scales(const uint8_t* s) {
    const uint32_t w0 = load_u32(s), w1 = load_u32(s + 4), w2 = load_u32(s + 8);
    const uint32_t sc_hi = (w2 & 0x0f0f0f0fu) | ((w0 >> 2) & 0x30303030u);
    const uint32_t mn_hi = ((w2 >> 4) & 0x0f0f0f0fu) | ((w1 >> 2) & 0x30303030u);
    return {(w0 & 0x3f3f3f3fu) | static_cast<uint64_t>(sc_hi) << 32,
            (w1 & 0x3f3f3f3fu) | static_cast<uint64_t>(mn_hi) << 32};
}

inline __m128i unpack_q3_k_scales(const uint8_t* s) {
    const uint32_t w0 = load_u32(s), w1 = load_u32(s + 4), w2 = load_u32(s + 8);
    const uint32_t a = (w0 & 0x0f0f0f0fu) | ((w2 << 4) & 0x30303030u);
    const uint32_t b = (w1 & 0x0f0f0f0fu) | ((w2 << 2) & 0x30303030u);
    const uint32_t c = ((w0 >> 4) & 0x0f0f0f0fu) | (w2 & 0x30303030u);
    const uint32_t d = ((w1 >> 4) & 0x0f0f0f0fu) | ((w2 >> 2) & 0x30303030u);
    return _mm_sub_epi8(_mm_setr_epi32(static_cast<int>(a), static_cast<int>(b), static_cast<int>(c), static_cast<int>(d)),
                        _mm_set1_epi8(32));
}

inline __m128i unpack_iq4_xs_scales(const BlockIQ4_XS& b) {
    const __m128i l = _mm_cvtsi32_si128(static_cast<int>(load_u32(b.scales_l)));
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i lo = _mm_cvtepu8_epi16(_mm_unpacklo_epi8(_mm_and_si128(l, nib), _mm_and_si128(_mm_srli_epi16(l, 4), nib)));
    const __m128i hi = _mm_srli_epi16(_mm_mullo_epi16(_mm_set1_epi16(static_cast<short>(b.scales_h)),
                                                      _mm_setr_epi16(1 << 14, 1 << 12, 1 << 10, 1 << 8, 1 << 6, 1 << 4, 1 << 2, 1)),
                                      14);
    return _mm_sub_epi16(_mm_or_si128(lo, _mm_slli_epi16(hi, 4)), _mm_set1_epi16(32));
}

// Mins of Q4_K/Q5_K (8 bytes) against the 16 bsums: each min covers two of them.
inline __m256i min_sums(uint64_t mins, const int16_t* bsums) {
    const __m128i m8 = _mm_cvtsi64_si128(static_cast<long long>(mins));
    return _mm256_madd_epi16(load256(bsums), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
}

// 16 nibble-packed bytes as 32 indices: low nibbles, then high nibbles.
inline __m256i nibbles(const uint8_t* qs) {
    const __m128i b = load128(qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), bytes(0x0f));
}

// 0xff in byte j where bit j of `bits` is set.
inline __m256i bits_to_bytes(uint32_t bits) {
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                                               _mm256_setr_epi64x(0, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
    const __m256i sel = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, sel), sel);
}

// Signed x signed bytes as int16 pairs: |w| * (a with w's sign).
inline __m256i signed_pairs(__m256i w, __m256i a) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

inline __m256i iq4_table() {
    return _mm256_broadcastsi128_si256(_mm_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113));
}

// ---- k-quants ------------------------------------------------------------------------------

float q4_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ4_K* x = static_cast<const BlockQ4_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const ScalesMins sm = unpack_k4_scales(x[i].scales);
        const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(sm.scales))));
        const __m256i msum = min_sums(sm.mins, y[i].bsums);
        __m256i isum = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            const __m256i q = load256(x[i].qs + 32 * c);
            const __m256i lo = _mm256_and_si256(q, bytes(0x0f)), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), bytes(0x0f));
            isum = _mm256_add_epi32(isum, scaled_dot(lo, load256(y[i].qs + 64 * c), pick(sc16, 2 * c)));
            isum = _mm256_add_epi32(isum, scaled_dot(hi, load256(y[i].qs + 64 * c + 32), pick(sc16, 2 * c + 1)));
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(y[i].d * f16(x[i].d)), acc);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[i].d * f16(x[i].dmin)), acc_min);
    }
    return hsum256(acc) - hsum256(acc_min);
}

float q5_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ5_K* x = static_cast<const BlockQ5_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const ScalesMins sm = unpack_k4_scales(x[i].scales);
        const __m256i sc16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(sm.scales))));
        const __m256i msum = min_sums(sm.mins, y[i].bsums);
        const __m256i qh = load256(x[i].qh);
        __m256i isum = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c) {
            const __m256i q = load256(x[i].qs + 32 * c);
            // The fifth bit of value 32j + l is bit j of qh[l]; moved to bit 4.
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, bytes(0x0f)),
                                               _mm256_and_si256(move_bit(qh, 2 * c, 4), bytes(0x10)));
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), bytes(0x0f)),
                                               _mm256_and_si256(move_bit(qh, 2 * c + 1, 4), bytes(0x10)));
            isum = _mm256_add_epi32(isum, scaled_dot(lo, load256(y[i].qs + 64 * c), pick(sc16, 2 * c)));
            isum = _mm256_add_epi32(isum, scaled_dot(hi, load256(y[i].qs + 64 * c + 32), pick(sc16, 2 * c + 1)));
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(y[i].d * f16(x[i].d)), acc);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[i].d * f16(x[i].dmin)), acc_min);
    }
    return hsum256(acc) - hsum256(acc_min);
}

float q6_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ6_K* x = static_cast<const BlockQ6_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const __m256i sc16y = _mm256_cvtepi8_epi16(load128(x[i].scales));
        // Levels are q - 32: start from -32 * sum_j scale_j * bsum_j.
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(load256(y[i].bsums), sc16y), 5);
        __m256i isum = _mm256_sub_epi32(_mm256_setzero_si256(), offset);
        for (int h = 0; h < 2; ++h) {
            const __m256i sc16 = h == 0 ? _mm256_permute2x128_si256(sc16y, sc16y, 0x00) : _mm256_permute2x128_si256(sc16y, sc16y, 0x11);
            // Values 128h + 32s + l: low bits in ql[64h + 32(s%2) + l] (nibble s/2), high bits
            // in qh[32h + l] (bits 2s..2s+1), moved to bits 4..5.
            const __m256i l0 = load256(x[i].ql + 64 * h), l1 = load256(x[i].ql + 64 * h + 32);
            const __m256i qh = load256(x[i].qh + 32 * h);
            const __m256i q[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, bytes(0x0f)), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bytes(0x30))),
                _mm256_or_si256(_mm256_and_si256(l1, bytes(0x0f)), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bytes(0x30))),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), bytes(0x0f)), _mm256_and_si256(qh, bytes(0x30))),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), bytes(0x0f)),
                                _mm256_and_si256(_mm256_srli_epi16(qh, 2), bytes(0x30))),
            };
            for (int s = 0; s < 4; ++s) {
                isum = _mm256_add_epi32(isum, scaled_dot(q[s], load256(y[i].qs + 128 * h + 32 * s), pick_pair(sc16, 2 * s)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(y[i].d * f16(x[i].d)), acc);
    }
    return hsum256(acc);
}

float q3_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ3_K* x = static_cast<const BlockQ3_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const __m256i sc16y = _mm256_cvtepi8_epi16(unpack_q3_k_scales(x[i].scales));
        // Levels are u - 4 with u = low bits + 4 * high bit in 0..7.
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(load256(y[i].bsums), sc16y), 2);
        __m256i isum = _mm256_sub_epi32(_mm256_setzero_si256(), offset);
        const __m256i hm = load256(x[i].hmask);
        for (int h = 0; h < 2; ++h) {
            const __m256i sc16 = h == 0 ? _mm256_permute2x128_si256(sc16y, sc16y, 0x00) : _mm256_permute2x128_si256(sc16y, sc16y, 0x11);
            const __m256i qs = load256(x[i].qs + 32 * h);
            for (int s = 0; s < 4; ++s) {
                // Value 128h + 32s + l: bits 2s..2s+1 of qs[32h + l], high bit 4h + s of hmask[l].
                const __m256i u = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qs, 2 * s), bytes(3)),
                                                  _mm256_and_si256(move_bit(hm, 4 * h + s, 2), bytes(4)));
                isum = _mm256_add_epi32(isum, scaled_dot(u, load256(y[i].qs + 128 * h + 32 * s), pick_pair(sc16, 2 * s)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(y[i].d * f16(x[i].d)), acc);
    }
    return hsum256(acc);
}

float q2_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ2_K* x = static_cast<const BlockQ2_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const __m128i nib = _mm_set1_epi8(0x0f);
    __m256 acc = _mm256_setzero_ps(), acc_min = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        // Per 16 values: scale in the low nibble, min in the high nibble.
        const __m128i s = load128(x[i].scales);
        const __m256i sc16y = _mm256_cvtepu8_epi16(_mm_and_si128(s, nib));
        const __m256i msum = _mm256_madd_epi16(load256(y[i].bsums), _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s, 4), nib)));
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h) {
            const __m256i sc16 = h == 0 ? _mm256_permute2x128_si256(sc16y, sc16y, 0x00) : _mm256_permute2x128_si256(sc16y, sc16y, 0x11);
            const __m256i qs = load256(x[i].qs + 32 * h);
            for (int k = 0; k < 4; ++k) {
                const __m256i u = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * k), bytes(3));
                isum = _mm256_add_epi32(isum, scaled_dot(u, load256(y[i].qs + 128 * h + 32 * k), pick_pair(sc16, 2 * k)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(y[i].d * f16(x[i].d)), acc);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[i].d * f16(x[i].dmin)), acc_min);
    }
    return hsum256(acc) - hsum256(acc_min);
}

float iq4_xs_q8_k(int64_t n, const void* row, const void* act) {
    const BlockIQ4_XS* x = static_cast<const BlockIQ4_XS*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const __m256i table = iq4_table();
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const __m256i sc16 = _mm256_broadcastsi128_si256(unpack_iq4_xs_scales(x[i]));
        __m256i isum = _mm256_setzero_si256();
        for (int ib = 0; ib < kQK_K / 32; ++ib) {
            const __m256i w = _mm256_shuffle_epi8(table, nibbles(x[i].qs + 16 * ib));
            const __m256i p = signed_pairs(w, load256(y[i].qs + 32 * ib));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, pick(sc16, ib)));
        }
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(y[i].d * f16(x[i].d)), acc);
    }
    return hsum256(acc);
}

// ---- 32-value blocks -----------------------------------------------------------------------

// body(x, y) gives the block's integer dot as int16 pairs.
template <typename Block, typename Act, typename Body>
float blocks32(int64_t n, const void* row, const void* act, Body body) {
    const Block* x = static_cast<const Block*>(row);
    const Act* y = static_cast<const Act*>(act);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc = _mm256_setzero_ps();
    float extra = 0.0f;
    for (int64_t i = 0; i < n / 32; ++i) {
        const __m256i dot = _mm256_madd_epi16(body(x[i], y[i]), ones);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(f16(x[i].d) * f16(y[i].d)), acc);
        if constexpr (std::is_same_v<Act, BlockQ8_1>) extra += f16(x[i].m) * f16(y[i].s);  // value = q * d + m
    }
    return hsum256(acc) + extra;
}

template <typename Block>
inline __m256i q5_quants(const Block& b) {
    return _mm256_or_si256(nibbles(b.qs), _mm256_and_si256(bits_to_bytes(load_u32(b.qh)), bytes(0x10)));
}

float q4_1_q8_1(int64_t n, const void* row, const void* act) {
    return blocks32<BlockQ4_1, BlockQ8_1>(n, row, act, [](const BlockQ4_1& x, const BlockQ8_1& y) {
        return _mm256_maddubs_epi16(nibbles(x.qs), load256(y.qs));
    });
}

float q5_1_q8_1(int64_t n, const void* row, const void* act) {
    return blocks32<BlockQ5_1, BlockQ8_1>(n, row, act, [](const BlockQ5_1& x, const BlockQ8_1& y) {
        return _mm256_maddubs_epi16(q5_quants(x), load256(y.qs));
    });
}

float q5_0_q8_0(int64_t n, const void* row, const void* act) {
    return blocks32<BlockQ5_0, BlockQ8_0>(n, row, act, [](const BlockQ5_0& x, const BlockQ8_0& y) {
        return signed_pairs(_mm256_sub_epi8(q5_quants(x), bytes(16)), load256(y.qs));
    });
}

float iq4_nl_q8_0(int64_t n, const void* row, const void* act) {
    const __m256i table = iq4_table();
    return blocks32<BlockIQ4_NL, BlockQ8_0>(n, row, act, [table](const BlockIQ4_NL& x, const BlockQ8_0& y) {
        return signed_pairs(_mm256_shuffle_epi8(table, nibbles(x.qs)), load256(y.qs));
    });
}

}  // namespace

VecDotFn vec_dot_kquants_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q2_K: return q2_k_q8_k;
        case GgmlType::Q3_K: return q3_k_q8_k;
        case GgmlType::Q4_K: return q4_k_q8_k;
        case GgmlType::Q5_K: return q5_k_q8_k;
        case GgmlType::Q6_K: return q6_k_q8_k;
        case GgmlType::IQ4_XS: return iq4_xs_q8_k;
        case GgmlType::Q4_1: return q4_1_q8_1;
        case GgmlType::Q5_1: return q5_1_q8_1;
        case GgmlType::Q5_0: return q5_0_q8_0;
        case GgmlType::IQ4_NL: return iq4_nl_q8_0;
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
