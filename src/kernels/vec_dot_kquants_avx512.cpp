// AVX-512 (BW, VNNI) dot products for the k-quants and IQ4_XS (against Q8_K) and for the other
// 32-value blocks: Q4_1, Q5_1 (against Q8_1), Q5_0, IQ4_NL (against Q8_0).
//
// Shape of every k-quant kernel: unpack 64 weights into unsigned bytes, vpmaddubsw them with 64
// activations (pairs stay inside int16: at most 2 * 63 * 127), then vpdpwssd with the sub-block
// scales spread over the int16 lanes, so one int32 accumulator holds the block's exact integer
// sum split over 16 lanes. Offsets (Q6_K's -32, Q3_K's -4) and mins are applied once per block
// through the activation's 16-value sums (bsums). The float accumulation is per lane, reduced
// once per row, so results differ from the scalar reference only in float summation order.
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

inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline __m512i bcast256(const void* p) { return _mm512_broadcast_i64x4(load256(p)); }
inline __m512i bytes(int v) { return _mm512_set1_epi8(static_cast<char>(v)); }
inline float f16(uint16_t h) { return _cvtsh_ss(h); }

inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// 16-bit lanes 0..15 get `lo`, lanes 16..31 get `hi` (shift counts for the two 256-bit halves).
inline __m512i halves16(int lo, int hi) {
    return _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(lo)), _mm256_set1_epi16(static_cast<short>(hi)), 1);
}
// Bytes 0..31 get `lo`, bytes 32..63 get `hi`.
inline __m512i halves8(int lo, int hi) {
    return _mm512_inserti64x4(bytes(lo), _mm256_set1_epi8(static_cast<char>(hi)), 1);
}

// vpermw indices spreading scales over the 32 int16 lanes of a maddubs result: lane l takes
// scale first + l / run (run 16: one scale per 32 values, run 8: one per 16 values).
struct alignas(64) LaneIndex {
    int16_t v[32];
};
constexpr LaneIndex make_index(int first, int run) {
    LaneIndex r{};
    for (int l = 0; l < 32; ++l) r.v[l] = static_cast<int16_t>(first + l / run);
    return r;
}
constexpr LaneIndex kPairIndex[4] = {make_index(0, 16), make_index(2, 16), make_index(4, 16), make_index(6, 16)};
constexpr LaneIndex kQuadIndex[4] = {make_index(0, 8), make_index(4, 8), make_index(8, 8), make_index(12, 8)};
inline __m512i spread(const LaneIndex& idx, __m512i scales16) {
    return _mm512_permutexvar_epi16(_mm512_load_si512(idx.v), scales16);
}

// Byte masks selecting bit 2k in the lower 32 bytes and bit 2k+1 in the upper 32 (Q5_K's qh and
// Q3_K's hmask keep one bit plane per 32 values).
struct BitPlanes {
    __m512i sel[4];
    BitPlanes() {
        for (int k = 0; k < 4; ++k) sel[k] = halves8(1 << (2 * k), 1 << (2 * k + 1));
    }
};

// Q4_K / Q5_K: 8 six-bit scales and 8 six-bit mins in 12 bytes (layout in quant/k_quants.h),
// returned as 8 bytes each.
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

// Q3_K: 16 six-bit scales (stored +32) in 12 bytes, as 16 signed bytes.
inline __m128i unpack_q3_k_scales(const uint8_t* s) {
    const uint32_t w0 = load_u32(s), w1 = load_u32(s + 4), w2 = load_u32(s + 8);
    const uint32_t a = (w0 & 0x0f0f0f0fu) | ((w2 << 4) & 0x30303030u);
    const uint32_t b = (w1 & 0x0f0f0f0fu) | ((w2 << 2) & 0x30303030u);
    const uint32_t c = ((w0 >> 4) & 0x0f0f0f0fu) | (w2 & 0x30303030u);
    const uint32_t d = ((w1 >> 4) & 0x0f0f0f0fu) | ((w2 >> 2) & 0x30303030u);
    return _mm_sub_epi8(_mm_setr_epi32(static_cast<int>(a), static_cast<int>(b), static_cast<int>(c), static_cast<int>(d)),
                        _mm_set1_epi8(32));
}

// IQ4_XS: 8 six-bit scales (stored +32) as 8 int16.
inline __m128i unpack_iq4_xs_scales(const BlockIQ4_XS& b) {
    const __m128i l = _mm_cvtsi32_si128(static_cast<int>(load_u32(b.scales_l)));
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i lo = _mm_cvtepu8_epi16(_mm_unpacklo_epi8(_mm_and_si128(l, nib), _mm_and_si128(_mm_srli_epi16(l, 4), nib)));
    // Multiplying by 2^(14 - 2ib) moves bits 2ib..2ib+1 of scales_h to the top of lane ib.
    const __m128i hi = _mm_srli_epi16(_mm_mullo_epi16(_mm_set1_epi16(static_cast<short>(b.scales_h)),
                                                      _mm_setr_epi16(1 << 14, 1 << 12, 1 << 10, 1 << 8, 1 << 6, 1 << 4, 1 << 2, 1)),
                                      14);
    return _mm_sub_epi16(_mm_or_si128(lo, _mm_slli_epi16(hi, 4)), _mm_set1_epi16(32));
}

// 16 nibble-packed bytes of blocks p and q as 64 indices: [p low, p high, q low, q high].
inline __m512i nibbles2(const uint8_t* p, const uint8_t* q) {
    const __m512i z = _mm512_shuffle_i64x2(_mm512_castsi128_si512(load128(p)), _mm512_castsi128_si512(load128(q)), 0x00);
    return _mm512_and_si512(_mm512_mask_srli_epi16(z, 0xff00ff00u, z, 4), bytes(0x0f));
}

inline __m512i load2x256(const void* a, const void* b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(load256(a)), load256(b), 1);
}
inline __m512 scales2(float a, float b) { return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1); }

// |kIQ4NLValues| (the levels below index 8 are negative).
inline __m512i iq4_abs_table() {
    return _mm512_broadcast_i32x4(_mm_setr_epi8(127, 104, 83, 65, 49, 35, 22, 10, 1, 13, 25, 38, 53, 69, 89, 113));
}
// IQ4 levels for 64 indices as |level| (unsigned) and the activations with the level's sign.
inline void iq4_signed_pair(__m512i idx, __m512i table, __m512i& mag, __m512i& act) {
    mag = _mm512_shuffle_epi8(table, idx);
    act = _mm512_mask_sub_epi8(act, _mm512_testn_epi8_mask(idx, bytes(8)), _mm512_setzero_si512(), act);
}

// ---- k-quants ------------------------------------------------------------------------------

float q4_k_ahead(int64_t n, const void* row, const void* act, size_t l1_ahead, size_t l2_ahead) {
    const BlockQ4_K* x = static_cast<const BlockQ4_K*>(row);
    AheadOfRows ahead(row, static_cast<size_t>(n / kQK_K) * sizeof(BlockQ4_K), n / kQK_K, l1_ahead, l2_ahead);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    __m512 acc = _mm512_setzero_ps();
    __m256 acc_min = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        ahead.next_step();
        const ScalesMins sm = unpack_k4_scales(x[i].scales);
        const __m512i sc16 = _mm512_zextsi128_si512(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(sm.scales))));
        // Each min covers two 16-value activation sums.
        const __m128i m8 = _mm_cvtsi64_si128(static_cast<long long>(sm.mins));
        const __m256i msum = _mm256_madd_epi16(load256(y[i].bsums), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
        __m512i isum = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
            // 32 bytes hold 64 values: low nibbles are sub-block 2c, high nibbles 2c+1.
            __m512i q = bcast256(x[i].qs + 32 * c);
            q = _mm512_and_si512(_mm512_mask_srli_epi16(q, 0xffff0000u, q, 4), bytes(0x0f));
            const __m512i p = _mm512_maddubs_epi16(q, load512(y[i].qs + 64 * c));
            isum = _mm512_dpwssd_epi32(isum, p, spread(kPairIndex[c], sc16));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[i].d * f16(x[i].d)), acc);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[i].d * f16(x[i].dmin)), acc_min);
    }
    return _mm512_reduce_add_ps(acc) - hsum256(acc_min);
}

float q4_k_q8_k(int64_t n, const void* row, const void* act) { return q4_k_ahead(n, row, act, 0, 0); }

float q5_k_ahead(int64_t n, const void* row, const void* act, size_t l1_ahead, size_t l2_ahead) {
    const BlockQ5_K* x = static_cast<const BlockQ5_K*>(row);
    AheadOfRows ahead(row, static_cast<size_t>(n / kQK_K) * sizeof(BlockQ5_K), n / kQK_K, l1_ahead, l2_ahead);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const BitPlanes planes;
    __m512 acc = _mm512_setzero_ps();
    __m256 acc_min = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        ahead.next_step();
        const ScalesMins sm = unpack_k4_scales(x[i].scales);
        const __m512i sc16 = _mm512_zextsi128_si512(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(sm.scales))));
        const __m128i m8 = _mm_cvtsi64_si128(static_cast<long long>(sm.mins));
        const __m256i msum = _mm256_madd_epi16(load256(y[i].bsums), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8)));
        const __m512i qh = bcast256(x[i].qh);
        __m512i isum = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
            __m512i q = bcast256(x[i].qs + 32 * c);
            q = _mm512_and_si512(_mm512_mask_srli_epi16(q, 0xffff0000u, q, 4), bytes(0x0f));
            // The fifth bit of value 32j + l is bit j of qh[l].
            q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(qh, planes.sel[c]), q, bytes(0x10));
            const __m512i p = _mm512_maddubs_epi16(q, load512(y[i].qs + 64 * c));
            isum = _mm512_dpwssd_epi32(isum, p, spread(kPairIndex[c], sc16));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[i].d * f16(x[i].d)), acc);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[i].d * f16(x[i].dmin)), acc_min);
    }
    return _mm512_reduce_add_ps(acc) - hsum256(acc_min);
}

float q5_k_q8_k(int64_t n, const void* row, const void* act) { return q5_k_ahead(n, row, act, 0, 0); }

float q6_k_ahead(int64_t n, const void* row, const void* act, size_t l1_ahead, size_t l2_ahead) {
    const BlockQ6_K* x = static_cast<const BlockQ6_K*>(row);
    AheadOfRows ahead(row, static_cast<size_t>(n / kQK_K) * sizeof(BlockQ6_K), n / kQK_K, l1_ahead, l2_ahead);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const __m512i shl01 = halves16(4, 2), shr23 = halves16(0, 2);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        ahead.next_step();
        const __m256i sc16y = _mm256_cvtepi8_epi16(load128(x[i].scales));
        const __m512i sc16 = _mm512_zextsi256_si512(sc16y);
        // Levels are q - 32: start from -32 * sum_j scale_j * bsum_j.
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(load256(y[i].bsums), sc16y), 5);
        __m512i isum = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_zextsi256_si512(offset));
        for (int h = 0; h < 2; ++h) {
            // Values 128h + 32s + l: low bits in ql[64h + 32(s%2) + l] (nibble s/2), high bits
            // in qh[32h + l] (bits 2s..2s+1); moved to bits 4..5 by the per-half shifts.
            const __m512i ql = load512(x[i].ql + 64 * h);
            const __m512i qh = bcast256(x[i].qh + 32 * h);
            const __m512i q01 = _mm512_or_si512(_mm512_and_si512(ql, bytes(0x0f)),
                                                _mm512_and_si512(_mm512_sllv_epi16(qh, shl01), bytes(0x30)));
            const __m512i q23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), bytes(0x0f)),
                                                _mm512_and_si512(_mm512_srlv_epi16(qh, shr23), bytes(0x30)));
            const __m512i p01 = _mm512_maddubs_epi16(q01, load512(y[i].qs + 128 * h));
            const __m512i p23 = _mm512_maddubs_epi16(q23, load512(y[i].qs + 128 * h + 64));
            isum = _mm512_dpwssd_epi32(isum, p01, spread(kQuadIndex[2 * h], sc16));
            isum = _mm512_dpwssd_epi32(isum, p23, spread(kQuadIndex[2 * h + 1], sc16));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[i].d * f16(x[i].d)), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

float q6_k_q8_k(int64_t n, const void* row, const void* act) { return q6_k_ahead(n, row, act, 0, 0); }

float q3_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ3_K* x = static_cast<const BlockQ3_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const __m512i shr01 = halves16(0, 2), shr23 = halves16(4, 6);
    const BitPlanes planes;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const __m256i sc16y = _mm256_cvtepi8_epi16(unpack_q3_k_scales(x[i].scales));
        const __m512i sc16 = _mm512_zextsi256_si512(sc16y);
        // Levels are u - 4 with u = low bits + 4 * high bit in 0..7.
        const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(load256(y[i].bsums), sc16y), 2);
        __m512i isum = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_zextsi256_si512(offset));
        const __m512i hm = bcast256(x[i].hmask);
        for (int h = 0; h < 2; ++h) {
            // Values 128h + 32s + l: low bits 2s..2s+1 of qs[32h + l], high bit 4h + s of hmask[l].
            const __m512i qs = bcast256(x[i].qs + 32 * h);
            __m512i u01 = _mm512_and_si512(_mm512_srlv_epi16(qs, shr01), bytes(3));
            __m512i u23 = _mm512_and_si512(_mm512_srlv_epi16(qs, shr23), bytes(3));
            u01 = _mm512_mask_add_epi8(u01, _mm512_test_epi8_mask(hm, planes.sel[2 * h]), u01, bytes(4));
            u23 = _mm512_mask_add_epi8(u23, _mm512_test_epi8_mask(hm, planes.sel[2 * h + 1]), u23, bytes(4));
            const __m512i p01 = _mm512_maddubs_epi16(u01, load512(y[i].qs + 128 * h));
            const __m512i p23 = _mm512_maddubs_epi16(u23, load512(y[i].qs + 128 * h + 64));
            isum = _mm512_dpwssd_epi32(isum, p01, spread(kQuadIndex[2 * h], sc16));
            isum = _mm512_dpwssd_epi32(isum, p23, spread(kQuadIndex[2 * h + 1], sc16));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[i].d * f16(x[i].d)), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

float q2_k_q8_k(int64_t n, const void* row, const void* act) {
    const BlockQ2_K* x = static_cast<const BlockQ2_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const __m512i shr01 = halves16(0, 2), shr23 = halves16(4, 6);
    const __m128i nib = _mm_set1_epi8(0x0f);
    __m512 acc = _mm512_setzero_ps();
    __m256 acc_min = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        // Per 16 values: scale in the low nibble, min in the high nibble.
        const __m128i s = load128(x[i].scales);
        const __m512i sc16 = _mm512_zextsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(s, nib)));
        const __m256i mn16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s, 4), nib));
        const __m256i msum = _mm256_madd_epi16(load256(y[i].bsums), mn16);
        __m512i isum = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m512i qs = bcast256(x[i].qs + 32 * h);
            const __m512i u01 = _mm512_and_si512(_mm512_srlv_epi16(qs, shr01), bytes(3));
            const __m512i u23 = _mm512_and_si512(_mm512_srlv_epi16(qs, shr23), bytes(3));
            const __m512i p01 = _mm512_maddubs_epi16(u01, load512(y[i].qs + 128 * h));
            const __m512i p23 = _mm512_maddubs_epi16(u23, load512(y[i].qs + 128 * h + 64));
            isum = _mm512_dpwssd_epi32(isum, p01, spread(kQuadIndex[2 * h], sc16));
            isum = _mm512_dpwssd_epi32(isum, p23, spread(kQuadIndex[2 * h + 1], sc16));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[i].d * f16(x[i].d)), acc);
        acc_min = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[i].d * f16(x[i].dmin)), acc_min);
    }
    return _mm512_reduce_add_ps(acc) - hsum256(acc_min);
}

float iq4_xs_q8_k(int64_t n, const void* row, const void* act) {
    const BlockIQ4_XS* x = static_cast<const BlockIQ4_XS*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const __m512i table = iq4_abs_table();
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const __m512i sc16 = _mm512_zextsi128_si512(unpack_iq4_xs_scales(x[i]));
        __m512i isum = _mm512_setzero_si512();
        for (int p = 0; p < 4; ++p) {
            // Sub-blocks 2p and 2p+1: 16 bytes each, low nibbles first.
            const __m256i b = load256(x[i].qs + 32 * p);
            const __m512i z = _mm512_shuffle_i64x2(_mm512_castsi256_si512(b), _mm512_castsi256_si512(b), 0x50);
            const __m512i idx = _mm512_and_si512(_mm512_mask_srli_epi16(z, 0xff00ff00u, z, 4), bytes(0x0f));
            __m512i mag, a = load512(y[i].qs + 64 * p);
            iq4_signed_pair(idx, table, mag, a);
            isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(mag, a), spread(kPairIndex[p], sc16));
        }
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[i].d * f16(x[i].d)), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

// ---- 32-value blocks, two per 512-bit step ------------------------------------------------
// An odd last block is paired with itself and its copy weighted by zero.

template <typename Block, typename Act, typename Body>
float pairs(int64_t n, const void* row, const void* act, Body body) {
    const Block* x = static_cast<const Block*>(row);
    const Act* y = static_cast<const Act*>(act);
    const int64_t nb = n / 32;
    __m512 acc = _mm512_setzero_ps();
    float extra = 0.0f;
    for (int64_t i = 0; i < nb; i += 2) {
        const bool two = i + 1 < nb;
        const Block& x1 = two ? x[i + 1] : x[i];
        const Act& y1 = two ? y[i + 1] : y[i];
        const __m512i dot = body(x[i], x1, y[i], y1);
        const float s0 = f16(x[i].d) * f16(y[i].d), s1 = two ? f16(x1.d) * f16(y1.d) : 0.0f;
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scales2(s0, s1), acc);
        if constexpr (std::is_same_v<Act, BlockQ8_1>) {
            // value = q * d + m: the offset meets the activation's stored d * sum(qs).
            extra += f16(x[i].m) * f16(y[i].s);
            if (two) extra += f16(x1.m) * f16(y1.s);
        }
    }
    return _mm512_reduce_add_ps(acc) + extra;
}

// The fifth bits of two Q5 blocks as one byte mask (bit j of qh belongs to element j).
template <typename Block>
inline __mmask64 fifth_bits(const Block& a, const Block& b) {
    return static_cast<__mmask64>(load_u32(a.qh)) | static_cast<__mmask64>(load_u32(b.qh)) << 32;
}

float q4_1_q8_1(int64_t n, const void* row, const void* act) {
    return pairs<BlockQ4_1, BlockQ8_1>(n, row, act, [](const BlockQ4_1& x0, const BlockQ4_1& x1, const BlockQ8_1& y0, const BlockQ8_1& y1) {
        return _mm512_dpbusd_epi32(_mm512_setzero_si512(), nibbles2(x0.qs, x1.qs), load2x256(y0.qs, y1.qs));
    });
}

float q5_1_q8_1(int64_t n, const void* row, const void* act) {
    return pairs<BlockQ5_1, BlockQ8_1>(n, row, act, [](const BlockQ5_1& x0, const BlockQ5_1& x1, const BlockQ8_1& y0, const BlockQ8_1& y1) {
        __m512i q = nibbles2(x0.qs, x1.qs);
        q = _mm512_mask_add_epi8(q, fifth_bits(x0, x1), q, bytes(0x10));
        return _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, load2x256(y0.qs, y1.qs));
    });
}

float q5_0_q8_0(int64_t n, const void* row, const void* act) {
    return pairs<BlockQ5_0, BlockQ8_0>(n, row, act, [](const BlockQ5_0& x0, const BlockQ5_0& x1, const BlockQ8_0& y0, const BlockQ8_0& y1) {
        __m512i q = nibbles2(x0.qs, x1.qs);
        q = _mm512_mask_add_epi8(q, fifth_bits(x0, x1), q, bytes(0x10));
        const __m512i a = load2x256(y0.qs, y1.qs);
        // sum((q - 16) * a) = sum(q * a) - sum(16 * a)
        return _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), q, a),
                                _mm512_dpbusd_epi32(_mm512_setzero_si512(), bytes(16), a));
    });
}

float iq4_nl_q8_0(int64_t n, const void* row, const void* act) {
    const __m512i table = iq4_abs_table();
    return pairs<BlockIQ4_NL, BlockQ8_0>(n, row, act, [table](const BlockIQ4_NL& x0, const BlockIQ4_NL& x1, const BlockQ8_0& y0, const BlockQ8_0& y1) {
        __m512i mag, a = load2x256(y0.qs, y1.qs);
        iq4_signed_pair(nibbles2(x0.qs, x1.qs), table, mag, a);
        return _mm512_dpbusd_epi32(_mm512_setzero_si512(), mag, a);
    });
}

}  // namespace

VecDotAheadFn vec_dot_ahead_kquants_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_K: return q4_k_ahead;
        case GgmlType::Q5_K: return q5_k_ahead;
        case GgmlType::Q6_K: return q6_k_ahead;
        default: return nullptr;
    }
}

VecDotFn vec_dot_kquants_avx512(GgmlType t) {
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
