// AVX-512 VNNI kernels over the packed Q4_0 / Q8_0 layout (kernels/packed.h). Per block a
// group's 16 rows come in as 64-byte vectors of 4 consecutive k per row; each `vpdpbusd`
// multiplies one of them with 4 activation bytes broadcast from memory. Integer sums start at
// -bias * sum(activation) (the unsigned weights' offset) and are converted once per block:
// one convert, one scale product and one FMA per 16 rows x token x 32 values.
//
// Included by two translation units: packed_avx512.cpp and packed_avx512_gfni.cpp, the latter
// compiled with GFNI, where the high nibbles of a byte vector take one instruction
// (gf2p8affineqb) instead of a shift and a mask. Everything here has internal linkage, so
// each unit has its own copy compiled for its own instruction set.
#pragma once
#if defined(__x86_64__)
#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/cpu_features.h"
#include "kernels/packed.h"
#include "kernels/packed_gemm.h"
#include "kernels/simd.h"
#include "quant/blocks.h"
#include "quant/k_quants.h"

namespace edgeseek {
namespace {

// Each byte's high nibble, in its low 4 bits.
inline __m512i high_nibbles(__m512i v, __m512i m4) {
#if defined(__GFNI__)
    (void)m4;
    // Affine map over GF(2) per byte: output bit i (i < 4) is input bit i + 4, bits 4-7 zero.
    return _mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(0x1020408000000000LL), 0);
#else
    return _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
#endif
}

// acc + (u8 x s8 dot of w's 4-byte lanes with the 4 bytes at p broadcast to every lane), the
// broadcast taken by vpdpbusd's own memory operand ({1to16}): GCC emitted a separate
// vpbroadcastd per product, two uops where one does (one core, 256 tokens x 8960 x 1536:
// Q4_0 390-397 -> 403-419 GOPS, Q8_0 387-398 -> 414-422).
inline __m512i dpbusd_bcast(__m512i acc, __m512i w, const int8_t* p) {
#if defined(__GNUC__)
    __asm__("vpdpbusd %[m]%{1to16%}, %[w], %[acc]" : [acc] "+v"(acc) : [w] "v"(w), [m] "m"(*reinterpret_cast<const int32_t*>(p)));
    return acc;
#else
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_dpbusd_epi32(acc, w, _mm512_set1_epi32(v));
#endif
}

// p, as a value the compiler cannot take apart: a block's activation pointer stays one register
// and every product addresses it with a constant displacement (GCC otherwise kept base + index
// and spent an lea, which competes for the vector ports, on each address: Q4_K tiles -6%).
inline const int8_t* one_register(const int8_t* p) {
#if defined(__GNUC__)
    __asm__("" : "+r"(p));
#endif
    return p;
}

// acc + (s16 x s16 pair dot of a's lanes with the 2 int16 at p broadcast), as dpbusd_bcast.
inline __m512i dpwssd_bcast(__m512i acc, __m512i a, const int32_t* p) {
#if defined(__GNUC__)
    __asm__("vpdpwssd %[m]%{1to16%}, %[a], %[acc]" : [acc] "+v"(acc) : [a] "v"(a), [m] "m"(*p));
    return acc;
#else
    return _mm512_dpwssd_epi32(acc, a, _mm512_set1_epi32(*p));
#endif
}

// The 64 bytes at p, loaded once into a register: GCC otherwise folds the load into every
// instruction that reads the value (Q6_K: the top bits four times, each nibble chunk twice),
// and the one-token tiles are bound by the two 512-bit loads a cycle.
inline __m512i load_once(const void* p) {
    __m512i v = _mm512_load_si512(p);
#if defined(__GNUC__)
    __asm__("" : "+v"(v));
#endif
    return v;
}

// The 16 IQ4 levels + 128 (flipping a byte's sign bit adds 128), in every 128-bit lane: the
// table a shuffle looks IQ4_NL/IQ4_XS nibbles up in.
inline __m512i iq4_levels_plus_128() {
    return _mm512_xor_si512(_mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kquant::kIQ4NLValues))),
                            _mm512_set1_epi8(-128));
}

// The 32-value block formats: Q4_0's 4 chunks of 64 bytes per block (low nibbles = k-quads
// 0..3, high nibbles = 4..7), or Q8_0's 8 chunks (unsigned: value + 128). kLevels: the nibbles
// index IQ4_NL's levels (shuffled to level + 128); kFive: a fifth chunk holds each value's
// fifth bit (Q5_0, Q5_1); kOffsets: a second table of per-row offsets m, added as m times the
// activation block's sum s (Q4_1, Q5_1).
template <int kChunks_, bool kLevels_ = false, bool kFive_ = false, bool kOffsets_ = false>
struct Blocks {
    static constexpr int kChunks = kChunks_;
    static constexpr bool kLevels = kLevels_, kFive = kFive_, kOffsets = kOffsets_;
    static constexpr size_t kQuantBytes = kChunks == 8 ? 512 : kFive ? 320 : 256;
    static constexpr BlockPairs kLayout{kQuantBytes, kOffsets};
};
using Q4 = Blocks<4>;
using IQ4NL = Blocks<4, true>;
using Q8 = Blocks<8>;
using Q41 = Blocks<4, false, false, true>;
using Q50 = Blocks<4, false, true, false>;
using Q51 = Blocks<4, false, true, true>;

// A tile's start: zeroed accumulators.
template <int T>
inline void start_tile(__m512 (&acc)[T]) {
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
}

// A tile's end: token t's 16 (or fewer, by the mask) row results at y[(t0 + t) * ldy].
template <int T>
inline void store_tile(const __m512 (&acc)[T], float* y, int64_t t0, int64_t ldy, __mmask16 rows_mask, bool add) {
    if (add) {
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) {
            float* yt = y + (t0 + t) * ldy;
            _mm512_mask_storeu_ps(yt, rows_mask, _mm512_add_ps(_mm512_maskz_loadu_ps(rows_mask, yt), acc[t]));
        }
        return;
    }
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + (t0 + t) * ldy, rows_mask, acc[t]);
}

// 5-bit values of one 64-byte chunk (kept inline, so bit is a constant): raw's low (or high)
// nibbles with bit `bit` of each byte of hb, the chunk's fifth bits, as bit 4 (Q5_K: bit 2k or
// 2k + 1 for sub-block pair k; Q5_0/Q5_1: bit c or 4 + c for chunk c). With GFNI an affine
// map moves that bit alone to bit 4 and one ternary op merges it with the low nibbles;
// without, a 16-bit shift brings it there (the byte's own bit: shifts by at most 4) and a
// ternary op masks and merges.
__attribute__((always_inline)) inline __m512i five_bits(__m512i raw, __m512i hb, int bit, bool high, __m512i m4) {
#if defined(__GFNI__)
    // Output bit 4 takes matrix byte 3; its one set bit picks the input bit.
    const __m512i fifth = _mm512_gf2p8affine_epi64_epi8(hb, _mm512_set1_epi64(static_cast<int64_t>(1u << bit) << 24), 0);
    if (high) return _mm512_or_si512(high_nibbles(raw, m4), fifth);
    return _mm512_ternarylogic_epi32(raw, fifth, m4, 0xEC);  // (raw & m4) | fifth
#else
    const __m512i fifth = bit < 4 ? _mm512_slli_epi16(hb, 4 - bit) : bit > 4 ? _mm512_srli_epi16(hb, bit - 4) : hb;
    const __m512i nib = high ? high_nibbles(raw, m4) : _mm512_and_si512(raw, m4);
    return _mm512_ternarylogic_epi32(nib, fifth, _mm512_set1_epi8(0x10), 0xF8);  // nib | (fifth & 0x10)
#endif
}

// Rows of one group x T tokens, one integer chain per token: each product's chain is next
// touched T products later (the low nibbles for every token, then the high ones), so with 12
// tokens the 5-cycle vpdpbusd latency is covered without a second chain per token, whose
// zeroing and merge cost two vector ops per token and block. Every vector op shares the two
// 512-bit ports with vpdpbusd, so per block and token the 8 products carry 3 more (convert,
// scale product, FMA) plus the weights' unpacking spread over the tile: one core, 256 tokens x
// 8960 x 1536: two chains with 8 tokens 392-407 GOPS, one chain with 12: 429-435 (Q4_0 and
// Q8_0 alike). 12 tokens fit only with the activations in panels (one register per block).
template <typename F, int T, bool Stream>
void tile_q4_0_q8_0(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
          __mmask16 rows_mask) {
    const int64_t nb = cols / 32;
    constexpr BlockPairs L = F::kLayout;
    __m512 acc[T];
    start_tile(acc);
    const int8_t* aq = a.quants<32>(t0);  // block b of token t at aq + (b * a.panel + t) * 32
    const float* ad = a.d + t0;           // block b, token t at [b * a.stride + t]
    const int32_t* ai = a.init + t0;
    // The blocks' sums, indexed as ad (Q4_1, Q5_1; the table is null for the others).
    [[maybe_unused]] const float* as = F::kOffsets ? a.sums + t0 : nullptr;
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    [[maybe_unused]] const __m512i levels = iq4_levels_plus_128();
    [[maybe_unused]] const size_t l2 = block_l2_ahead(T);
    for (int64_t b = 0; b < nb; ++b) {
        const __m512 dw = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(grp + L.scales(b))));
        const uint8_t* qb = grp + L.quants(b);
        // A group's first tile reads its weights from memory: ask for them ahead of use (past
        // the group's end this runs into the next group, next in memory too).
        if constexpr (Stream) prefetch_block(grp, L, b, l2);
        __m512i s0[T];
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) s0[t] = _mm512_set1_epi32(ai[b * a.stride + t]);
        const int8_t* qa = one_register(aq + b * (a.panel * 32));
        if constexpr (F::kChunks == 4) {
#pragma GCC unroll 4
            for (int c = 0; c < 4; ++c) {
                const __m512i raw = _mm512_load_si512(qb + 64 * c);
                __m512i lo, hi;
                if constexpr (F::kFive) {
                    const __m512i hb = _mm512_load_si512(qb + 256);
                    lo = five_bits(raw, hb, c, false, m4);
                    hi = five_bits(raw, hb, 4 + c, true, m4);
                } else {
                    lo = _mm512_and_si512(raw, m4);
                    hi = high_nibbles(raw, m4);
                }
                if constexpr (F::kLevels) {
                    lo = _mm512_shuffle_epi8(levels, lo);
                    hi = _mm512_shuffle_epi8(levels, hi);
                }
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) s0[t] = dpbusd_bcast(s0[t], lo, qa + 32 * t + 4 * c);
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) s0[t] = dpbusd_bcast(s0[t], hi, qa + 32 * t + 16 + 4 * c);
            }
        } else {
#pragma GCC unroll 8
            for (int c = 0; c < 8; ++c) {
                const __m512i w = _mm512_load_si512(qb + 64 * c);
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) s0[t] = dpbusd_bcast(s0[t], w, qa + 32 * t + 4 * c);
            }
        }
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) {
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0[t]), _mm512_mul_ps(dw, _mm512_set1_ps(ad[b * a.stride + t])), acc[t]);
        }
        if constexpr (F::kOffsets) {
            const __m512 m = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(grp + L.offsets_at(b))));
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(m, _mm512_set1_ps(as[b * a.stride + t]), acc[t]);
        }
    }
    store_tile(acc, y, t0, ldy, rows_mask, a.accumulate);
}

// IQ4_XS: Q4_0's tile over 32-value sub-blocks of 256-value super-blocks. A shuffle maps each
// nibble to its level + 128 (the 16 levels in every 128-bit lane), the integer sum starts at
// -128 * (activation sum), and per sub-block and token one convert, one product of the row
// scales d * (scale - 32) with the activation's d, and one FMA, as Q4_0 pays per block.
template <int T, bool Stream>
void tile_iq4_xs(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
                 __mmask16 rows_mask) {
    constexpr size_t kSuper = kPackedIQ4XSSuperBytes;
    const int64_t nsb = cols / 256;
    __m512 acc[T];
    start_tile(acc);
    const int8_t* aq = a.quants<256>(t0);  // super-block s of token t at aq + (s * a.panel + t) * 256
    const float* ad = a.d + t0;            // super-block s, token t at [s * a.stride + t]
    const int32_t* ai = a.init + t0;       // sub-block ib of s at [(8 s + ib) * a.stride + t]
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    const __m512i levels = iq4_levels_plus_128();
    for (int64_t s = 0; s < nsb; ++s) {
        const int8_t* qs = one_register(aq + s * (a.panel * 256));  // token t at qs + 256 * t
        const uint8_t* sb = grp + static_cast<size_t>(s) * kSuper;
        const __m512 d = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb)));
        const int8_t* sc = reinterpret_cast<const int8_t*>(sb + 64);
        const uint8_t* q = sb + 192;
#pragma GCC unroll 1
        for (int ib = 0; ib < 8; ++ib) {
            if constexpr (Stream) prefetch_stream_part<kSuper, 8>(sb, ib);
            const __m512 dsc = _mm512_mul_ps(
                d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc + 16 * ib)))));
            __m512i s0[T];
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) s0[t] = _mm512_set1_epi32(ai[(s * 8 + ib) * a.stride + t]);
#pragma GCC unroll 4
            for (int c = 0; c < 4; ++c) {
                const __m512i raw = _mm512_load_si512(q + 256 * ib + 64 * c);
                const __m512i lo = _mm512_shuffle_epi8(levels, _mm512_and_si512(raw, m4));
                const __m512i hi = _mm512_shuffle_epi8(levels, high_nibbles(raw, m4));
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) s0[t] = dpbusd_bcast(s0[t], lo, qs + 256 * t + 32 * ib + 4 * c);
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) s0[t] = dpbusd_bcast(s0[t], hi, qs + 256 * t + 32 * ib + 16 + 4 * c);
            }
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) {
                acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0[t]), _mm512_mul_ps(dsc, _mm512_set1_ps(ad[s * a.stride + t])), acc[t]);
            }
        }
    }
    store_tile(acc, y, t0, ldy, rows_mask, a.accumulate);
}


// Q4_K: rows of one group x T tokens. Per super-block, each sub-block pair's integer sums are
// scaled by d * scale (per row) into a float partial; the mins come off as one exact integer
// per row and token (mins times the activation's per-32 sums, in int16 pairs by vpdpwssd:
// one core, 256 tokens x 8960 x 1536, 376-378 -> 403-408 GOPS against 8 float FMAs per token);
// the partial is scaled by the activation's d once per super-block.
// Q5_K (kFive) is the same tile with each nibble's fifth bit put above it before its products
// (five_bits): two or three more vector ops per 64-byte operand.
template <int T, bool Stream, bool kFive>
void tile_q4_k(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
               __mmask16 rows_mask) {
    constexpr size_t kSuper = kFive ? kPackedQ5KSuperBytes : kPackedQ4KSuperBytes;
    const int64_t nsb = cols / 256;
    __m512 acc[T];
    start_tile(acc);
    const int8_t* aq = a.quants<256>(t0);  // super-block s of token t at aq + (s * a.panel + t) * 256
    const float* ad = a.d + t0;            // super-block s, token t at [s * a.stride + t]
    const int32_t* ai = a.init + t0;  // pair i of s at [(4 s + i) * a.stride + t]
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    // 32 bytes of mins (sub-block 2i's 16 rows, then 2i + 1's) to int16 pairs per row: 128-bit
    // lane L gets dwords L and 4 + L (rows 4L..4L+3 of each), then bytes within the lane.
    const __m512i pair_lanes = _mm512_setr_epi32(0, 4, 0, 0, 1, 5, 0, 0, 2, 6, 0, 0, 3, 7, 0, 0);
    const __m512i pair_bytes = _mm512_broadcast_i32x4(_mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1));
    auto bytes16 = [](const uint8_t* p) {
        return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(p))));
    };
    for (int64_t s = 0; s < nsb; ++s) {
        const int8_t* qs = one_register(aq + s * (a.panel * 256));  // token t at qs + 256 * t
        const uint8_t* sb = grp + static_cast<size_t>(s) * kSuper;
        const uint8_t* sc = sb + 64;
        const uint8_t* mn = sb + 192;
        const uint8_t* q = sb + 320;
        __m512 part[T];
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) part[t] = _mm512_setzero_ps();
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            if constexpr (Stream && T > 1) prefetch_stream_part<kSuper, 4>(sb, k);
            __m512i slo[T], shi[T];
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) slo[t] = shi[t] = _mm512_setzero_si512();
#pragma GCC unroll 8
            for (int c = 0; c < 8; ++c) {
                // Decode asks for one or two of the super-block's lines per chunk, not its quarter
                // per sub-block pair (9-11 prefetches in a row): 1.5B, the two alternated token by
                // token, Q4_K_M 0.8-2.6% faster, Q5_K_M 3.5-4.2%, at ~45 and ~80 GB/s alike. (A
                // prompt's first tile keeps the quarter per pair.)
                if constexpr (Stream && T == 1) prefetch_stream_part<kSuper, 32>(sb, 8 * k + c);
                const __m512i raw = _mm512_load_si512(q + 512 * k + 64 * c);
                __m512i lo, hi;
                if constexpr (kFive) {
                    const __m512i hb = _mm512_load_si512(q + 2048 + 64 * c);
                    lo = five_bits(raw, hb, 2 * k, false, m4);
                    hi = five_bits(raw, hb, 2 * k + 1, true, m4);
                } else {
                    lo = _mm512_and_si512(raw, m4);
                    hi = high_nibbles(raw, m4);
                }
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) {
                    const int8_t* qa = qs + 256 * t + 64 * k + 4 * c;
                    slo[t] = dpbusd_bcast(slo[t], lo, qa);
                    shi[t] = dpbusd_bcast(shi[t], hi, qa + 32);
                }
            }
            const __m512 d = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb)));
            const __m512 dlo = _mm512_mul_ps(d, bytes16(sc + 16 * (2 * k)));
            const __m512 dhi = _mm512_mul_ps(d, bytes16(sc + 16 * (2 * k + 1)));
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) {
                part[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(slo[t]), dlo, part[t]);
                part[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(shi[t]), dhi, part[t]);
            }
        }
        // The mins in int16 pairs, (min 2i, min 2i + 1) per row, times the activation's pairs of
        // sub-block sums: an exact integer per row and token, then one convert and one FMA.
        const __m512 dmin = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb + 32)));
        __m512i mp[4];
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
            const __m512i raw = _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mn + 32 * i)));
            mp[i] = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(pair_lanes, raw), pair_bytes);
        }
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) {
            __m512i m = _mm512_setzero_si512();
#pragma GCC unroll 4
            for (int i = 0; i < 4; ++i) m = dpwssd_bcast(m, mp[i], ai + (s * 4 + i) * a.stride + t);
            part[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(m), dmin, part[t]);
        }
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(part[t], _mm512_set1_ps(ad[s * a.stride + t]), acc[t]);
    }
    store_tile(acc, y, t0, ldy, rows_mask, a.accumulate);
}


// Q6_K, Q3_K and Q2_K: per 16-value sub-block, four 64-byte operands of unsigned values are
// rebuilt (shared by the tile's tokens) and summed from -offset * (activation sum) (Q2_K: from
// 0); each sum is converted and scaled by d * scale (per row, once per group) into a float
// partial, which the activation's d scales once per super-block. (Integer scaling with
// vpmulld, 2 uops per 4 vpdpbusd, ran 222-226 GOPS on one core with 8-token tiles; this, with
// 12, 259-277.) Q6_K's operands: a nibble chunk's low or high nibbles with 2 bits of the
// top-bits chunk; Q3_K's: 2 bits of its low-bits chunk with 1 bit of its top-bits chunk (the
// two moved into place by affine maps with GFNI, by 16-bit shifts of at most 6 within each
// byte without); Q2_K's: 2 bits of its chunk. Q2_K's mins come off once per super-block as
// Q4_K's do: mins times the activation's sub-block sums in int16 pairs by vpdpwssd.
template <GgmlType W>
struct SmallKLayout {
    static constexpr bool kQ3 = W == GgmlType::Q3_K, kQ2 = W == GgmlType::Q2_K;
    static constexpr size_t kSuper = kQ2 ? kPackedQ2KSuperBytes : kQ3 ? kPackedQ3KSuperBytes : kPackedQ6KSuperBytes;
    static constexpr size_t kTop = kQ3 ? 1024 : 2048;  // Q3_K, Q6_K
    static constexpr size_t kScales = kQ2 ? 1024 : kQ3 ? 1536 : 3072, kD = kQ2 ? 1280 : kQ3 ? 1792 : 3328;
};

// Q3_K's four operands of a sub-block whose top bits are the kHalf-th 4 of each byte of top:
// operand q is bits 2q..2q+1 of lo with bit 4 kHalf + q of top as bit 2. Q2_K's (kTop false):
// bits 2q..2q+1 of lo.
struct Operands {
    __m512i q[4];
};
template <int kHalf, bool kTop = true>
__attribute__((always_inline)) inline Operands q3_operands(__m512i lo, __m512i top) {
    Operands o;
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
        const int bit = 4 * kHalf + q;
#if defined(__GFNI__)
        // Output bits 0 and 1 take matrix bytes 7 and 6, output bit 2 byte 5.
        const int64_t low_map = (int64_t{1} << (2 * q)) << 56 | (int64_t{2} << (2 * q)) << 48;
        const __m512i two = _mm512_gf2p8affine_epi64_epi8(lo, _mm512_set1_epi64(low_map), 0);
        if constexpr (!kTop) {
            o.q[q] = two;
            continue;
        }
        const __m512i one = _mm512_gf2p8affine_epi64_epi8(top, _mm512_set1_epi64((int64_t{1} << bit) << 40), 0);
        o.q[q] = _mm512_or_si512(two, one);
#else
        const __m512i two = _mm512_and_si512(q == 0 ? lo : _mm512_srli_epi16(lo, 2 * q), _mm512_set1_epi8(3));
        if constexpr (!kTop) {
            o.q[q] = two;
            continue;
        }
        const __m512i one = bit < 2 ? _mm512_slli_epi16(top, 2 - bit) : bit > 2 ? _mm512_srli_epi16(top, bit - 2) : top;
        o.q[q] = _mm512_ternarylogic_epi32(two, one, _mm512_set1_epi8(4), 0xF8);  // two | (one & 4)
#endif
    }
    return o;
}

// Q6_K's four operands of sub-block j: n0's and n1's nibbles with 2 bits each of top above.
__attribute__((always_inline)) inline Operands q6_operands(__m512i n0, __m512i n1, __m512i top, __m512i m4) {
    const __m512i m30 = _mm512_set1_epi8(0x30);
    // a | (b & 0x30): vpternlogd with the truth table of A | (B & C).
    auto merge = [&](__m512i a4, __m512i b) { return _mm512_ternarylogic_epi32(a4, b, m30, 0xF8); };
    return {{merge(_mm512_and_si512(n0, m4), _mm512_slli_epi16(top, 4)), merge(high_nibbles(n0, m4), _mm512_slli_epi16(top, 2)),
             merge(_mm512_and_si512(n1, m4), top), merge(high_nibbles(n1, m4), _mm512_srli_epi16(top, 2))}};
}

template <int T, bool Stream, GgmlType W>
void tile_small_k(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
                  __mmask16 rows_mask) {
    using L = SmallKLayout<W>;
    // One token (decode): the scales applied in integers, into one sum per super-block converted
    // once (|sum| <= 32 * 127 * 16 per sub-block, x 128 for the scale, x 16 sub-blocks < 2^31),
    // instead of a convert, a scale product and an FMA per sub-block.
    constexpr bool kIntScales = T == 1 && !L::kQ2;
    const int64_t nsb = cols / 256;
    __m512 acc[T];
    start_tile(acc);
    const int8_t* aq = a.quants<256>(t0);  // super-block s of token t at aq + (s * a.panel + t) * 256
    const float* ad = a.d + t0;            // super-block s, token t at [s * a.stride + t]
    // Q3_K/Q6_K: sub-block j of s at [(16 s + j) * a.stride + t]; Q2_K: pair i at [(8 s + i) * a.stride + t].
    const int32_t* ai = a.init + t0;
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    for (int64_t s = 0; s < nsb; ++s) {
        const int8_t* qs = one_register(aq + s * (a.panel * 256));  // token t at qs + 256 * t
        const uint8_t* sb = grp + static_cast<size_t>(s) * L::kSuper;
        const uint8_t* top = sb + L::kTop;
        const uint8_t* sc = sb + L::kScales;
        const __m512 d = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb + L::kD)));
        __m512 part[T];
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) part[t] = _mm512_setzero_ps();
        // Sub-block j's products for every token, from its operands.
        __m512i isum = _mm512_setzero_si512();  // kIntScales: the super-block's scaled sums
        auto sub_block = [&](int j, const Operands& o) __attribute__((always_inline)) {
            if constexpr (kIntScales) {
                const __m512i scale = _mm512_cvtepi8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc + 16 * j)));
                const int8_t* qa = qs + 16 * j;
                __m512i sum = _mm512_set1_epi32(ai[(s * 16 + j) * a.stride]);
                sum = dpbusd_bcast(sum, o.q[0], qa);
                sum = dpbusd_bcast(sum, o.q[1], qa + 4);
                sum = dpbusd_bcast(sum, o.q[2], qa + 8);
                sum = dpbusd_bcast(sum, o.q[3], qa + 12);
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(sum, scale));
                return;
            }
            const __m128i bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(sc + 16 * j));
            const __m512i scale = L::kQ2 ? _mm512_and_si512(_mm512_cvtepu8_epi32(bytes), _mm512_set1_epi32(15))
                                         : _mm512_cvtepi8_epi32(bytes);
            const __m512 dsc = _mm512_mul_ps(d, _mm512_cvtepi32_ps(scale));
            // Two tokens' chains at a time, their products alternating, rather than one token's
            // four dependent products in a row (one core, 256 tokens, Q6_K 8960 x 1536: 724-733
            // -> 739-748 GOPS, 1536 x 8960 672-679 -> 681-689; four at a time the same).
            constexpr int P = 2;
#pragma GCC unroll 16
            for (int tp = 0; tp < T; tp += P) {
                __m512i sum[P];
#pragma GCC unroll 4
                for (int p = 0; p < P; ++p) {
                    if (tp + p < T) sum[p] = L::kQ2 ? _mm512_setzero_si512() : _mm512_set1_epi32(ai[(s * 16 + j) * a.stride + tp + p]);
                }
#pragma GCC unroll 4
                for (int q = 0; q < 4; ++q) {
#pragma GCC unroll 4
                    for (int p = 0; p < P; ++p) {
                        if (tp + p < T) sum[p] = dpbusd_bcast(sum[p], o.q[q], qs + 256 * (tp + p) + 16 * j + 4 * q);
                    }
                }
#pragma GCC unroll 4
                for (int p = 0; p < P; ++p) {
                    if (tp + p < T) part[tp + p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[p]), dsc, part[tp + p]);
                }
            }
        };
        if constexpr (L::kQ2) {
            for (int m = 0; m < 8; ++m) {
                if constexpr (Stream) prefetch_stream_part<L::kSuper, 8>(sb, m);
                sub_block(2 * m, q3_operands<0, false>(_mm512_load_si512(sb + 128 * m), m4));
                sub_block(2 * m + 1, q3_operands<0, false>(_mm512_load_si512(sb + 128 * m + 64), m4));
            }
            // Mins (the scale bytes' high nibbles) of sub-blocks 2i and 2i + 1 as an int16 pair
            // per row, times the activation's pair of sub-block sums.
            const __m512 dmin = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(sb + L::kD + 32)));
            __m512i mp[8];
#pragma GCC unroll 8
            for (int i = 0; i < 8; ++i) {
                const __m512i m0 = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc + 32 * i)));
                const __m512i m1 = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(sc + 32 * i + 16)));
                mp[i] = _mm512_or_si512(_mm512_srli_epi32(m0, 4), _mm512_slli_epi32(_mm512_srli_epi32(m1, 4), 16));
            }
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) {
                __m512i m = _mm512_setzero_si512();
#pragma GCC unroll 8
                for (int i = 0; i < 8; ++i) m = dpwssd_bcast(m, mp[i], ai + (s * 8 + i) * a.stride + t);
                part[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(m), dmin, part[t]);
            }
        } else if constexpr (L::kQ3) {
            for (int m = 0; m < 8; ++m) {
                if constexpr (Stream) prefetch_stream_part<L::kSuper, 8>(sb, m);
                const __m512i h = _mm512_load_si512(top + 64 * m);
                sub_block(2 * m, q3_operands<0>(_mm512_load_si512(sb + 128 * m), h));
                sub_block(2 * m + 1, q3_operands<1>(_mm512_load_si512(sb + 128 * m + 64), h));
            }
        } else {
            for (int j = 0; j < 16; ++j) {
                if constexpr (Stream) prefetch_stream_part<L::kSuper, 16>(sb, j);
                sub_block(j, q6_operands(load_once(sb + 128 * j), load_once(sb + 128 * j + 64), load_once(top + 64 * j), m4));
            }
        }
        if constexpr (kIntScales) {
            acc[0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(d, _mm512_set1_ps(ad[s * a.stride])), acc[0]);
            continue;
        }
#pragma GCC unroll 16
        for (int t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(part[t], _mm512_set1_ps(ad[s * a.stride + t]), acc[t]);
    }
    store_tile(acc, y, t0, ldy, rows_mask, a.accumulate);
}


// The lanes of a group's nr (1..16) rows.
inline __mmask16 rows_mask(int64_t nr) { return static_cast<__mmask16>((1u << nr) - 1u); }

// Each packed type's kernel: its tile over one group x T tokens and the tile width that fits
// its accumulators in the 32 vector registers.
// The 32-value block types (F: their Blocks layout).
template <GgmlType W, typename F>
struct BlockKernel {
    static constexpr GgmlType kType = W;
    static constexpr int kTile = 12;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_q4_0_q8_0<F, T, Stream>(cols, grp, a, t0, y, ldy, rows_mask(nr));
    }
};
// Q4_K, and Q5_K (kFive).
template <bool kFive>
struct Q4_KKernel {
    static constexpr GgmlType kType = kFive ? GgmlType::Q5_K : GgmlType::Q4_K;
    static constexpr int kTile = 6;  // 4 accumulators per token; 8 tokens measured 5% slower (spills)
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_q4_k<T, Stream, kFive>(cols, grp, a, t0, y, ldy, rows_mask(nr));
    }
};
// Q6_K, Q3_K and Q2_K.
template <GgmlType W>
struct SmallKKernel {
    static constexpr GgmlType kType = W;
    static constexpr int kTile = 12;  // 2 accumulators per token
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_small_k<T, Stream, W>(cols, grp, a, t0, y, ldy, rows_mask(nr));
    }
};
struct IQ4_XSKernel {
    static constexpr GgmlType kType = GgmlType::IQ4_XS;
    static constexpr int kTile = 12;  // as Q4_0
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_iq4_xs<T, Stream>(cols, grp, a, t0, y, ldy, rows_mask(nr));
    }
};

// The kernel for packed weight type t, or nullptr.
PackedGemmFn select_packed_gemm(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return packed_loop::gemm<BlockKernel<GgmlType::Q4_0, Q4>>;
        case GgmlType::Q8_0: return packed_loop::gemm<BlockKernel<GgmlType::Q8_0, Q8>>;
        case GgmlType::IQ4_NL: return packed_loop::gemm<BlockKernel<GgmlType::IQ4_NL, IQ4NL>>;
        case GgmlType::Q4_1: return packed_loop::gemm<BlockKernel<GgmlType::Q4_1, Q41>>;
        case GgmlType::Q5_0: return packed_loop::gemm<BlockKernel<GgmlType::Q5_0, Q50>>;
        case GgmlType::Q5_1: return packed_loop::gemm<BlockKernel<GgmlType::Q5_1, Q51>>;
        case GgmlType::Q2_K: return packed_loop::gemm<SmallKKernel<GgmlType::Q2_K>>;
        case GgmlType::Q3_K: return packed_loop::gemm<SmallKKernel<GgmlType::Q3_K>>;
        case GgmlType::Q4_K: return packed_loop::gemm<Q4_KKernel<false>>;
        case GgmlType::Q5_K: return packed_loop::gemm<Q4_KKernel<true>>;
        case GgmlType::Q6_K: return packed_loop::gemm<SmallKKernel<GgmlType::Q6_K>>;
        case GgmlType::IQ4_XS: return packed_loop::gemm<IQ4_XSKernel>;
        default: return nullptr;
    }
}

}  // namespace
}  // namespace edgeseek
#endif
