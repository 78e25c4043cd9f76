// AVX2 (+FMA, F16C) tiles over the packed layouts (kernels/packed.h), for CPUs without
// AVX-512. A group's 64-byte operands are taken as two 256-bit halves, rows 0-7 and
// 8-15, one after the other. Without VNNI, unsigned nibbles times signed activation bytes go
// through vpmaddubsw (adjacent pairs summed to i16) and the i16 sums of up to eight such
// products are added before one vpmaddwd widens them to i32: |15 * 128 * 2| * 8 = 30720 fits
// in i16, so no sum saturates (Q2_K's and Q3_K's values are widened after four products, Q5_K's
// 5-bit values after every four, Q6_K's 6-bit values after every two, Q8_0's
// bytes, up to 255 unsigned, are signed again and widened after each). Each block's nibbles are unpacked once into a
// small array the tile's tokens read back from L1. With AVX-VNNI each 4 products go into an i32
// sum by one vpdpbusd (pairs / widen below).
//
// Included by two translation units: packed_avx2.cpp, and packed_avx2_vnni.cpp compiled with
// AVX-VNNI. Everything here has internal linkage, so each unit has its own copy compiled for
// its own instruction set.
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/cpu_features.h"
#include "kernels/packed.h"
#include "kernels/packed_gemm.h"
#include "quant/blocks.h"
#include "quant/k_quants.h"

namespace edgeseek {
namespace {

// The integer products, one way or the other: pairs(p, u, s) adds the u8 x s8 products of u
// and s to a partial sum p, widen(p) turns p into 8 int32 sums, add_pairs adds two partials,
// dot_add(s, u, a) adds the products to int32 sums at once.
// Plain AVX2: vpmaddubsw sums adjacent pairs into i16 (the callers keep them from saturating)
// and vpmaddwd against ones widens; with AVX-VNNI (Alder Lake and later Intel cores, Zen 4
// and 5) one vpdpbusd sums each 4 into i32, so a partial is already widened.
#if defined(__AVXVNNI__)
constexpr bool kAvxVnni = true;
inline __m256i pairs(__m256i p, __m256i u, __m256i s) { return _mm256_dpbusd_avx_epi32(p, u, s); }
inline __m256i add_pairs(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
inline __m256i widen(__m256i p, __m256i) { return p; }
inline __m256i dot_add(__m256i s, __m256i u, __m256i a, __m256i) { return _mm256_dpbusd_avx_epi32(s, u, a); }
#else
constexpr bool kAvxVnni = false;
inline __m256i pairs(__m256i p, __m256i u, __m256i s) { return _mm256_add_epi16(p, _mm256_maddubs_epi16(u, s)); }
inline __m256i add_pairs(__m256i a, __m256i b) { return _mm256_add_epi16(a, b); }
inline __m256i widen(__m256i p, __m256i ones) { return _mm256_madd_epi16(p, ones); }
// s + the products of u and a, widened at once (for operands whose pairs may reach 2^15).
inline __m256i dot_add(__m256i s, __m256i u, __m256i a, __m256i ones) {
    return _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_maddubs_epi16(u, a), ones));
}
#endif

inline __m256i bcast4(const int8_t* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

inline __m256i load256(const uint8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// 8 unsigned bytes as floats.
inline __m256 bytes8(const uint8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// 8 f16 as floats.
inline __m256 halves8(const void* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

// Rows 8h..8h+7 of token t's results, the lanes past the group's last row left alone; added to
// what y holds with `add` (PackedActs::accumulate).
template <int T>
inline void store_half(const __m256 (&acc)[T], float* y, int64_t t0, int64_t ldy, int h, int64_t nr, bool add) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(nr - 8 * h)), lanes);
    for (int t = 0; t < T; ++t) {
        float* yt = y + (t0 + t) * ldy + 8 * h;
        _mm256_maskstore_ps(yt, mask, add ? _mm256_add_ps(_mm256_maskload_ps(yt, mask), acc[t]) : acc[t]);
    }
}

// With AVX-VNNI, a block's integer sums for T tokens side by side: started from the tokens'
// table entries (ai, token t at ai[t]), and at the end converted and added to acc scaled by the
// rows' scales dw times each token's scale (ad, token t at ad[t]).
template <int T>
__attribute__((always_inline)) inline void start_sums(__m256i (&s)[T], const int32_t* ai) {
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) s[t] = _mm256_set1_epi32(ai[t]);
}
template <int T>
__attribute__((always_inline)) inline void add_scaled_sums(__m256 (&acc)[T], const __m256i (&s)[T], __m256 dw, const float* ad) {
#pragma GCC unroll 16
    for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t]), _mm256_mul_ps(dw, _mm256_set1_ps(ad[t])), acc[t]);
}

// A group's two halves (rows 0-7 and 8-15: 16 registers hold one half's accumulators for 4
// tokens) over its n blocks: block(h, i, acc) adds block i's products for half h to acc,
// fetch(i) asks for block i's bytes ahead of use (a group's first tile). Decode (T <= 2) takes
// both halves of each block in turn, while the block is in L1, so the weights stream from
// memory once under all the products; one half over all blocks and then the other had
// streamed them under half the products and reread them from L2 (one thread, 40 matrices of
// 1536 x 8960: Q4_0 25.6 -> 33.0 GB/s, Q8_0 27.5 -> 32.1, Q6_K 24.7 -> 27.1, Q4_K
// 22.0-23.4 -> 24.1-25.0). Prompts keep one half at a time. (IQ4_NL/IQ4_XS keep their own
// loop: through this one they decoded at 14.4-15.7 GB/s against 20.7-22.2, in either order.)
template <int T, bool Stream, typename Fetch, typename Block>
inline void over_halves(int64_t n, int64_t nr, float* y, int64_t t0, int64_t ldy, bool add, Fetch&& fetch, Block&& block) {
    if constexpr (T <= 2) {
        __m256 acc[2][T];
        for (int h = 0; h < 2; ++h) {
            for (int t = 0; t < T; ++t) acc[h][t] = _mm256_setzero_ps();
        }
        for (int64_t i = 0; i < n; ++i) {
            if constexpr (Stream) fetch(i);
            block(0, i, acc[0]);
            if (nr > 8) block(1, i, acc[1]);
        }
        for (int h = 0; h < 2 && 8 * h < nr; ++h) store_half(acc[h], y, t0, ldy, h, nr, add);
    } else {
        for (int h = 0; h < 2 && 8 * h < nr; ++h) {
            __m256 acc[T];
            for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
            for (int64_t i = 0; i < n; ++i) {
                if constexpr (Stream) {
                    if (h == 0) fetch(i);
                }
                block(h, i, acc);
            }
            store_half(acc, y, t0, ldy, h, nr, add);
        }
    }
}

// Step `part` of kParts of half h's pass over a super-block, in a group's first tile, asks for
// its share of the super-block's lines (prefetch_stream_part, not all at the super-block's
// start): decode spreads them over both halves' steps, as over_halves takes the halves in
// turn; a prompt's first half asks for all (1.5B Q4_K_M under EDGESEEK_ISA=avx2, tg32
// alternated: 36.3 -> 39.8 t/s, 77.3% -> 87.2% of the read bandwidth).
template <int T, size_t Bytes, int kParts>
__attribute__((always_inline)) inline void fetch_part(const uint8_t* sb, int h, int part) {
    if constexpr (T <= 2) {
        prefetch_stream_part<Bytes, 2 * kParts>(sb, kParts * h + part);
    } else if (h == 0) {
        prefetch_stream_part<Bytes, kParts>(sb, part);
    }
}

// Q4_0: per block, 4 chunks of 64 bytes (low nibbles: values 4c..4c+3, high: 16+4c..), 16 f16
// scales per block at the group's start. The integer sum starts at -8 * sum(activation).
// Q5_0 / Q5_1 (kFive): a fifth chunk's bit c / 4 + c goes above chunk c's low / high nibbles
// (16-bit shifts of at most 4, within each byte), and the i16 sums are widened after every 4
// products (2 * 31 * 128 * 4 fits i16). Q4_1 / Q5_1 (kOffsets): the sum starts at 0 and the
// rows' offsets m (a second table) times the activation block's sum s are added.
template <int T, bool Stream, bool kFive = false, bool kOffsets = false>
void tile_q4_0(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
               int64_t nr) {
    const int64_t nb = cols / 32;
    constexpr size_t kQuant = kFive ? 320 : 256;
    constexpr BlockPairs L{kQuant, kOffsets};
    const int8_t* aq = a.quants<32>(t0);  // block b of token t at aq + (b * a.panel + t) * 32
    const float* ad = a.d + t0;           // block b, token t at [b * a.stride + t]
    const int32_t* ai = a.init + t0;
    const float* as = kOffsets ? a.sums + t0 : nullptr;  // the blocks' sums (null for the others)
    const __m256i m4 = _mm256_set1_epi8(0x0f), m10 = _mm256_set1_epi8(0x10);
    [[maybe_unused]] const __m256i ones = _mm256_set1_epi16(1);  // widening (without AVX-VNNI)
    const size_t l2 = block_l2_ahead(T);
    auto fetch = [&](int64_t b) { prefetch_block(grp, L, b, l2); };
    // Chunk c's low and high operands (with kFive, hb: the fifth bits' chunk).
    auto operands = [&](const uint8_t* qb, int h, int c, __m256i hb, __m256i& lo, __m256i& hi) __attribute__((always_inline)) {
        const __m256i raw = load256(qb + 64 * c + 32 * h);
        lo = _mm256_and_si256(raw, m4);
        hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
        if constexpr (kFive) {
            lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_slli_epi16(hb, 4 - c), m10));
            hi = _mm256_or_si256(hi, _mm256_and_si256(c == 0 ? hb : _mm256_srli_epi16(hb, c), m10));
        }
    };
    auto block = [&](int h, int64_t b, __m256 (&acc)[T]) __attribute__((always_inline)) {
        const int8_t* qb_act = aq + b * (a.panel * 32);  // token t at qb_act + 32 * t
        const uint8_t* qb = grp + L.quants(b);
        const __m256i hb = kFive ? load256(qb + 256 + 32 * h) : m4;
#if defined(__AVXVNNI__)
        // The tokens' sums side by side, chunk by chunk (exact in int32, from each sum's start):
        // T chains of vpdpbusd in flight at once. One token's eight in a row, token after token,
        // had the core wait on each product's latency (one thread, 4 groups of 1536, 6 tokens:
        // 8.3 -> 7.1 ns per block and token; wider tiles then fit the 16 registers: 12 tokens
        // 6.6, the kernel table below).
        __m256i s[T];
        start_sums(s, ai + b * a.stride);
#pragma GCC unroll 4
        for (int c = 0; c < 4; ++c) {
            __m256i lo, hi;
            operands(qb, h, c, hb, lo, hi);
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) {
                const int8_t* q = qb_act + 32 * t;
                s[t] = pairs(pairs(s[t], lo, bcast4(q + 4 * c)), hi, bcast4(q + 16 + 4 * c));
            }
        }
        add_scaled_sums(acc, s, halves8(grp + L.scales(b) + 16 * h), ad + b * a.stride);
#else
        __m256i lo[4], hi[4];
        for (int c = 0; c < 4; ++c) operands(qb, h, c, hb, lo[c], hi[c]);
        const __m256 dw = halves8(grp + L.scales(b) + 16 * h);
        for (int t = 0; t < T; ++t) {
            const int8_t* q = qb_act + 32 * t;
            __m256i p = _mm256_setzero_si256(), s = _mm256_set1_epi32(ai[b * a.stride + t]);
            for (int c = 0; c < 4; ++c) {
                p = pairs(p, lo[c], bcast4(q + 4 * c));
                p = pairs(p, hi[c], bcast4(q + 16 + 4 * c));
                if (kFive && c == 1) {  // 4 products of 5-bit values: widen before more
                    s = _mm256_add_epi32(s, widen(p, ones));
                    p = _mm256_setzero_si256();
                }
            }
            s = _mm256_add_epi32(s, widen(p, ones));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(ad[b * a.stride + t])), acc[t]);
        }
#endif
        if constexpr (kOffsets) {
            const __m256 m = halves8(grp + L.offsets_at(b) + 16 * h);
            for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(m, _mm256_set1_ps(as[b * a.stride + t]), acc[t]);
        }
    };
    over_halves<T, Stream>(nb, nr, y, t0, ldy, a.accumulate, fetch, block);
}

// Q8_0: per block, 8 chunks of 64 bytes (values 4c..4c+3 of each row, stored + 128). The bytes
// go back to signed and through the sign trick: |w| (unsigned) times the activation carrying
// w's sign, so a pair sums to at most 2 * 128 * 127 and each product is widened at once; the
// sum therefore starts at 0, not at the -128 * sum(activation) the unsigned form needs. With
// AVX-VNNI the unsigned form is used as it is.
template <int T, bool Stream>
void tile_q8_0(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
               int64_t nr) {
    const int64_t nb = cols / 32;
    constexpr BlockPairs L{512, false};
    const int8_t* aq = a.quants<32>(t0);  // block b of token t at aq + (b * a.panel + t) * 32
    const float* ad = a.d + t0;           // block b, token t at [b * a.stride + t]
    [[maybe_unused]] const int32_t* ai = a.init + t0;  // -128 * sum(activation) per block (AVX-VNNI)
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80)), ones = _mm256_set1_epi16(1);
    const size_t l2 = block_l2_ahead(T);
    auto fetch = [&](int64_t b) { prefetch_block(grp, L, b, l2); };
    auto block = [&](int h, int64_t b, __m256 (&acc)[T]) __attribute__((always_inline)) {
        const int8_t* qb_act = aq + b * (a.panel * 32);  // token t at qb_act + 32 * t
        const uint8_t* qb = grp + L.quants(b);
        const __m256 dw = halves8(grp + L.scales(b) + 16 * h);
#if defined(__AVXVNNI__)
        // vpdpbusd takes the stored unsigned bytes as they are (no pair to saturate): the sum
        // starts at -128 * sum(activation), as the AVX-512 tile's.
        (void)flip;
        (void)ones;
        // The tokens' sums side by side, chunk by chunk, as the Q4_0 tile's.
        __m256i s[T];
        start_sums(s, ai + b * a.stride);
#pragma GCC unroll 8
        for (int c = 0; c < 8; ++c) {
            const __m256i w = load256(qb + 64 * c + 32 * h);
#pragma GCC unroll 16
            for (int t = 0; t < T; ++t) s[t] = _mm256_dpbusd_avx_epi32(s[t], w, bcast4(qb_act + 32 * t + 4 * c));
        }
        add_scaled_sums(acc, s, dw, ad + b * a.stride);
        return;
#endif
        __m256i mag[8], sgn[8];
        for (int c = 0; c < 8; ++c) {
            sgn[c] = _mm256_xor_si256(load256(qb + 64 * c + 32 * h), flip);
            mag[c] = _mm256_abs_epi8(sgn[c]);
        }
        for (int t = 0; t < T; ++t) {
            const int8_t* q = qb_act + 32 * t;
            __m256i s = _mm256_setzero_si256();
            for (int c = 0; c < 8; ++c) {
                s = dot_add(s, mag[c], _mm256_sign_epi8(bcast4(q + 4 * c), sgn[c]), ones);
            }
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(ad[b * a.stride + t])), acc[t]);
        }
    };
    over_halves<T, Stream>(nb, nr, y, t0, ldy, a.accumulate, fetch, block);
}

// IQ4_NL (kXs false: Q4_0's blocks) and IQ4_XS (per 32-value sub-block of a super-block):
// Q4_0's 4 chunks, whose nibbles a shuffle maps to the signed levels; they go through Q8_0's
// sign trick (|level| <= 127), each product widened at once, so the sum starts at 0 and the
// -128 * sum(activation) table entry is not used (with AVX-VNNI it is: levels + 128 unsigned).
template <int T, bool Stream, bool kXs>
void tile_iq4(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
              int64_t nr) {
    const int64_t nb = cols / 32;  // 32-value blocks
    constexpr int64_t kActBlock = kXs ? 256 : 32;
    const int8_t* aq = a.quants<kActBlock>(t0);
    const float* ad = a.d + t0;  // token t's scale of block b at [(kXs ? b / 8 : b) * a.stride + t]
    const __m256i m4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    const __m256i levels = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kquant::kIQ4NLValues)));
    // AVX-VNNI: the levels + 128 (flipping a byte's sign bit adds 128), and the blocks'
    // -128 * sum(activation) (IQ4_XS: per sub-block, which is b too).
    [[maybe_unused]] const __m256i levels_u8 = _mm256_xor_si256(levels, _mm256_set1_epi8(static_cast<char>(0x80)));
    [[maybe_unused]] const int32_t* ai = a.init + t0;
    [[maybe_unused]] const size_t l2 = block_l2_ahead(T);  // IQ4_NL's blocks' L2 step
    for (int h = 0; h < 2 && 8 * h < nr; ++h) {
        __m256 acc[T];
        for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nb; ++b) {
            const uint8_t* qb;       // the block's 4 chunks
            const int8_t* act;       // the block's activation quants; token t at act + act_stride * t
            int64_t act_stride, ad_row;
            __m256 dw;
            if constexpr (kXs) {
                const int64_t s = b / 8, ib = b % 8;
                const uint8_t* sb = grp + static_cast<size_t>(s) * kPackedIQ4XSSuperBytes;
                if constexpr (Stream) {
                    if (h == 0) prefetch_stream_part<kPackedIQ4XSSuperBytes, 8>(sb, static_cast<int>(ib));
                }
                const int8_t* sc = reinterpret_cast<const int8_t*>(sb + 64 + 8 * h);
                dw = _mm256_mul_ps(halves8(reinterpret_cast<const uint16_t*>(sb) + 8 * h),
                                   _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc + 16 * ib)))));
                qb = sb + 192 + 256 * ib;
                act = aq + s * (a.panel * 256) + 32 * ib;
                act_stride = 256;
                ad_row = s;
            } else {
                constexpr BlockPairs L{256, false};
                qb = grp + L.quants(b);
                if constexpr (Stream) {
                    if (h == 0) prefetch_block(grp, L, b, l2);
                }
                dw = halves8(grp + L.scales(b) + 16 * h);
                act = aq + b * (a.panel * 32);
                act_stride = 32;
                ad_row = b;
            }
#if defined(__AVXVNNI__)
            // vpdpbusd takes the levels + 128 as unsigned bytes (exact in int32): the sum starts
            // at -128 * sum(activation), as the AVX-512 tile's.
            (void)ones;
            // The tokens' sums side by side, chunk by chunk, as the Q4_0 tile's.
            __m256i sum[T];
            start_sums(sum, ai + b * a.stride);
#pragma GCC unroll 4
            for (int c = 0; c < 4; ++c) {
                const __m256i raw = load256(qb + 64 * c + 32 * h);
                const __m256i lo = _mm256_shuffle_epi8(levels_u8, _mm256_and_si256(raw, m4));
                const __m256i hi = _mm256_shuffle_epi8(levels_u8, _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4));
#pragma GCC unroll 16
                for (int t = 0; t < T; ++t) {
                    const int8_t* q = act + act_stride * t;
                    sum[t] = _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(sum[t], lo, bcast4(q + 4 * c)), hi, bcast4(q + 16 + 4 * c));
                }
            }
            add_scaled_sums(acc, sum, dw, ad + ad_row * a.stride);
            continue;
#endif
            __m256i mag[8], sgn[8];  // operands 0-3: low nibbles of chunks 0-3, 4-7: high nibbles
            for (int c = 0; c < 4; ++c) {
                const __m256i raw = load256(qb + 64 * c + 32 * h);
                sgn[c] = _mm256_shuffle_epi8(levels, _mm256_and_si256(raw, m4));
                sgn[4 + c] = _mm256_shuffle_epi8(levels, _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4));
            }
            for (int c = 0; c < 8; ++c) mag[c] = _mm256_abs_epi8(sgn[c]);
            for (int t = 0; t < T; ++t) {
                const int8_t* q = act + act_stride * t;
                __m256i sum = _mm256_setzero_si256();
                for (int c = 0; c < 8; ++c) {
                    const int8_t* qa = q + (c < 4 ? 4 * c : 16 + 4 * (c - 4));
                    sum = dot_add(sum, mag[c], _mm256_sign_epi8(bcast4(qa), sgn[c]), ones);
                }
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(dw, _mm256_set1_ps(ad[ad_row * a.stride + t])), acc[t]);
            }
        }
        store_half(acc, y, t0, ldy, h, nr, a.accumulate);
    }
}

// F16: per column, the half group's 8 halves widened (vcvtph2ps); BF16: per column pair, the
// 8 rows' pairs split into two f32 vectors (bf16 is f32's top half: a shift for the first of
// the pair, a mask for the second). Each times the tokens' activations (rounded to f16 or
// bf16, kept as f32) broadcast, summed in f32 per row and token.
template <int T, bool Stream, bool kBf16>
void tile_float(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
    const int8_t* panel = a.quants<64>(t0);  // token t's 16 values of block b at panel + (b * a.panel + t) * 64
    const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
    auto x_at = [](const int8_t* p) {
        float v;
        std::memcpy(&v, p, 4);
        return _mm256_set1_ps(v);
    };
    auto fetch = [&](int64_t b) { prefetch_stream_range(grp + static_cast<size_t>(b) * 512, 512); };
    auto block = [&](int h, int64_t b, __m256 (&acc)[T]) __attribute__((always_inline)) {
        const int8_t* x = panel + b * (a.panel * 64);
        const uint8_t* w = grp + static_cast<size_t>(b) * 512;
        for (int k = 0; k < 16; k += 2) {
            __m256 w0, w1;
            if constexpr (kBf16) {
                const __m256i v = load256(w + 32 * k + 32 * h);
                w0 = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
                w1 = _mm256_castsi256_ps(_mm256_and_si256(v, high));
            } else {
                w0 = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(w + 32 * k + 16 * h)));
                w1 = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(w + 32 * k + 32 + 16 * h)));
            }
            for (int t = 0; t < T; ++t) {
                acc[t] = _mm256_fmadd_ps(w0, x_at(x + 64 * t + 4 * k), acc[t]);
                acc[t] = _mm256_fmadd_ps(w1, x_at(x + 64 * t + 4 * k + 4), acc[t]);
            }
        }
    };
    over_halves<T, Stream>(cols / 16, nr, y, t0, ldy, a.accumulate, fetch, block);
}

// Q4_K: per super-block, d[16], dmin[16] (f16), 6-bit scales and mins unpacked to bytes [8][16],
// then 4 sub-block pairs x 8 chunks (low nibbles: sub-block 2k, high: 2k+1). Per sub-block the
// integer sum is scaled by d * scale into a float partial; the mins come off with the
// activation's per-32 sums; the partial is scaled by the activation's d once per super-block.
// Q5_K (kFive): each nibble gets its fifth bit (bit 2k or 2k + 1 of the fifth-bit chunk, moved
// to bit 4 by a 16-bit shift of at most 4, so within its byte); its 5-bit values make
// vpmaddubsw pairs of up to 2 * 31 * 128 = 7936, so the i16 sums are widened after every 4
// products (4 * 7936 fits i16, Q4_K's 8 * 3840 does too).
template <int T, bool Stream, bool kFive>
void tile_q4_k(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
               int64_t nr) {
    constexpr size_t kSuper = kFive ? kPackedQ5KSuperBytes : kPackedQ4KSuperBytes;
    const int64_t nsb = cols / 256;
    const int8_t* aq = a.quants<256>(t0);  // super-block s of token t at aq + (s * a.panel + t) * 256
    const float* ad = a.d + t0;            // super-block s, token t at [s * a.stride + t]
    const int32_t* ai = a.init + t0;       // sub-block sums 2i, 2i + 1 of s in int16 pairs at [(4 s + i) * a.stride + t]
    const __m256i m4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    // With AVX-VNNI each chunk's operand goes into every token's (int32) sums as it is made,
    // one sub-block at a time: a sub-block's 8 chunks into T sums, then the next's from the same
    // chunks again (reread from L1), so T sums, T partials and the tile's T results fit the 16
    // registers (both sub-blocks' 2T sums at once spilled: one core, 8960 x 1536, 256 tokens,
    // Q4_K 358 -> 395 GOPS with 6 tokens, Q5_K 197 -> 315). Without it all 16 of a sub-block
    // pair's operands are made first and each token's sums taken after (made as they go:
    // Q4_K 182 -> 167-169).
    constexpr bool kStreamed = kAvxVnni;
    // Super-block s's products for rows 8h..8h+7, added to acc.
    auto super_block = [&](int h, int64_t s, __m256 (&acc)[T]) __attribute__((always_inline)) {
        const int8_t* qs = aq + s * (a.panel * 256);  // token t at qs + 256 * t
        const uint8_t* sb = grp + static_cast<size_t>(s) * kSuper;
        const uint8_t* sc = sb + 64 + 8 * h;
        const uint8_t* mn = sb + 192 + 8 * h;
        const uint8_t* q = sb + 320 + 32 * h;
        const __m256 d = halves8(reinterpret_cast<const uint16_t*>(sb) + 8 * h);
        const __m256 dmin = halves8(reinterpret_cast<const uint16_t*>(sb + 32) + 8 * h);
        __m256 part[T];
        for (int t = 0; t < T; ++t) part[t] = _mm256_setzero_ps();
        for (int k = 0; k < 4; ++k) {
            if constexpr (Stream) fetch_part<T, kSuper, 4>(sb, h, k);
            if constexpr (kStreamed) {
                // Decode's one or two tokens take both sub-blocks in one pass (registers to spare).
                constexpr int kPer = T <= 2 ? 2 : 1;
                for (int h0 = 0; h0 < 2; h0 += kPer) {
                    __m256i p[kPer][T];
                    for (int u = 0; u < kPer; ++u) {
                        for (int t = 0; t < T; ++t) p[u][t] = _mm256_setzero_si256();
                    }
                    for (int c = 0; c < 8; ++c) {
                        const __m256i raw = load256(q + 512 * k + 64 * c);
                        for (int u = 0; u < kPer; ++u) {
                            const int half = h0 + u;
                            __m256i w = half == 0 ? _mm256_and_si256(raw, m4) : _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
                            if constexpr (kFive) {
                                // Bit 2k + half to bit 4 (a 16-bit shift of at most 4, within each byte).
                                const __m256i hb = load256(q + 2048 + 64 * c);
                                const int b = 2 * k + half;
                                const __m256i f = b < 4 ? _mm256_slli_epi16(hb, 4 - b) : b == 4 ? hb : _mm256_srli_epi16(hb, b - 4);
                                w = _mm256_or_si256(w, _mm256_and_si256(f, _mm256_set1_epi8(0x10)));
                            }
                            for (int t = 0; t < T; ++t) p[u][t] = pairs(p[u][t], w, bcast4(qs + 256 * t + 64 * k + 32 * half + 4 * c));
                        }
                    }
                    for (int u = 0; u < kPer; ++u) {
                        const __m256 dk = _mm256_mul_ps(d, bytes8(sc + 16 * (2 * k + h0 + u)));
                        for (int t = 0; t < T; ++t) part[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p[u][t]), dk, part[t]);
                    }
                }
                continue;
            }
            __m256i lo[8], hi[8];
            for (int c = 0; c < 8; ++c) {
                const __m256i raw = load256(q + 512 * k + 64 * c);
                lo[c] = _mm256_and_si256(raw, m4);
                hi[c] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
                if constexpr (kFive) {
                    const __m256i hb = load256(q + 2048 + 64 * c);
                    const __m256i m10 = _mm256_set1_epi8(0x10);
                    // Bit 2k to bit 4 (shift 4 - 2k), bit 2k + 1 to bit 4 (shift 3 - 2k).
                    const __m256i flo = k < 2 ? _mm256_slli_epi16(hb, 4 - 2 * k) : k == 2 ? hb : _mm256_srli_epi16(hb, 2);
                    const __m256i fhi = k < 2 ? _mm256_slli_epi16(hb, 3 - 2 * k) : _mm256_srli_epi16(hb, 2 * k - 3);
                    lo[c] = _mm256_or_si256(lo[c], _mm256_and_si256(flo, m10));
                    hi[c] = _mm256_or_si256(hi[c], _mm256_and_si256(fhi, m10));
                }
            }
            const __m256 dlo = _mm256_mul_ps(d, bytes8(sc + 16 * (2 * k)));
            const __m256 dhi = _mm256_mul_ps(d, bytes8(sc + 16 * (2 * k + 1)));
            for (int t = 0; t < T; ++t) {
                const int8_t* qa = qs + 256 * t + 64 * k;
                __m256i slo, shi;
                if constexpr (kFive) {
                    __m256i plo[2], phi[2];
                    for (int half = 0; half < 2; ++half) {
                        plo[half] = phi[half] = _mm256_setzero_si256();
                        for (int c = 4 * half; c < 4 * half + 4; ++c) {
                            plo[half] = pairs(plo[half], lo[c], bcast4(qa + 4 * c));
                            phi[half] = pairs(phi[half], hi[c], bcast4(qa + 32 + 4 * c));
                        }
                    }
                    slo = _mm256_add_epi32(widen(plo[0], ones), widen(plo[1], ones));
                    shi = _mm256_add_epi32(widen(phi[0], ones), widen(phi[1], ones));
                } else {
                    __m256i plo = _mm256_setzero_si256(), phi = _mm256_setzero_si256();
                    for (int c = 0; c < 8; ++c) {
                        plo = pairs(plo, lo[c], bcast4(qa + 4 * c));
                        phi = pairs(phi, hi[c], bcast4(qa + 32 + 4 * c));
                    }
                    slo = widen(plo, ones);
                    shi = widen(phi, ones);
                }
                part[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(slo), dlo, part[t]);
                part[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(shi), dhi, part[t]);
            }
        }
        // The mins in int16 pairs, (min 2i, min 2i + 1) per row, times the activation's pairs of
        // sub-block sums: an exact integer per row and token, then one convert and one FMA
        // (the AVX-512 tile's way; 8 float products per token before).
        __m256i mp[4];
        for (int i = 0; i < 4; ++i) {
            const __m256i m0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mn + 32 * i)));
            const __m256i m1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mn + 32 * i + 16)));
            mp[i] = _mm256_or_si256(m0, _mm256_slli_epi32(m1, 16));
        }
        for (int t = 0; t < T; ++t) {
            __m256i m = _mm256_madd_epi16(mp[0], _mm256_set1_epi32(ai[s * 4 * a.stride + t]));
            for (int i = 1; i < 4; ++i) {
                m = _mm256_add_epi32(m, _mm256_madd_epi16(mp[i], _mm256_set1_epi32(ai[(s * 4 + i) * a.stride + t])));
            }
            part[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m), dmin, part[t]);
        }
        for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(part[t], _mm256_set1_ps(ad[s * a.stride + t]), acc[t]);
    };
    over_halves<T, Stream>(nsb, nr, y, t0, ldy, a.accumulate, [](int64_t) {}, super_block);  // super_block asks for its lines
}

// Q6_K: per 16-value sub-block j, two nibble chunks (quads 0 | 1 << 4, quads 2 | 3 << 4) and
// one chunk of the quads' top 2 bits rebuild four operands of unsigned 6-bit values (q + 32);
// their products are widened to i32 after every two vpmaddubsw (2 * 63 * 128 * 2 = 32256 fits
// i16, three would not), summed from -32 * (activation sum), and scaled by d * scale into a
// float partial that the activation's d scales once per super-block. Q3_K is the same tile
// over 3-bit values (q + 4) from a chunk of 2-bit pairs and half a chunk of top bits, Q2_K over
// 2-bit values (summed from 0, its mins taken off per super-block with the activation's
// sub-block sums), their four products summed in i16 (4 * 7 * 128 * 2 = 7168) before one
// widening.
template <int T, bool Stream, GgmlType W>
void tile_small_k(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy,
                  int64_t nr) {
    constexpr bool kQ3 = W == GgmlType::Q3_K, kQ2 = W == GgmlType::Q2_K;
    constexpr size_t kSuper = kQ2 ? kPackedQ2KSuperBytes : kQ3 ? kPackedQ3KSuperBytes : kPackedQ6KSuperBytes;
    constexpr size_t kTop = kQ3 ? 1024 : 2048;
    constexpr size_t kScales = kQ2 ? 1024 : kQ3 ? 1536 : 3072, kD = kQ2 ? 1280 : kQ3 ? 1792 : 3328;
    const int64_t nsb = cols / 256;
    const int8_t* aq = a.quants<256>(t0);  // super-block s of token t at aq + (s * a.panel + t) * 256
    const float* ad = a.d + t0;            // super-block s, token t at [s * a.stride + t]
    // Q3_K/Q6_K: sub-block j of s at [(16 s + j) * a.stride + t]; Q2_K: pair i at [(8 s + i) * a.stride + t].
    const int32_t* ai = a.init + t0;
    const __m256i m4 = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30), ones = _mm256_set1_epi16(1);
    const __m256i m3 = _mm256_set1_epi8(0x03), bit2 = _mm256_set1_epi8(0x04);
    auto merge = [&](__m256i low4, __m256i top) { return _mm256_or_si256(low4, _mm256_and_si256(top, m30)); };
    // Bits 2q..2q+1 of lo, and (Q3_K) bit b of top moved to bit 2 (16-bit shifts, each byte's own bits).
    auto two_bits = [&](__m256i lo, int q) { return _mm256_and_si256(_mm256_srli_epi16(lo, 2 * q), m3); };
    auto q3 = [&](__m256i lo, __m256i top, int q, int b) {
        const __m256i one = b < 2 ? _mm256_slli_epi16(top, 2 - b) : _mm256_srli_epi16(top, b - 2);
        return _mm256_or_si256(two_bits(lo, q), _mm256_and_si256(one, bit2));
    };
    auto block = [&](int h, int64_t s, __m256 (&acc)[T]) __attribute__((always_inline)) {
        const int8_t* qs = aq + s * (a.panel * 256);  // token t at qs + 256 * t
        const uint8_t* sb = grp + static_cast<size_t>(s) * kSuper;
        const uint8_t* low = sb + 32 * h;
        const uint8_t* top = sb + kTop + 32 * h;
        const uint8_t* sc = sb + kScales + 8 * h;
        const __m256 d = halves8(reinterpret_cast<const uint16_t*>(sb + kD) + 8 * h);
        __m256 part[T];
        for (int t = 0; t < T; ++t) part[t] = _mm256_setzero_ps();
        for (int j = 0; j < 16; ++j) {
            if constexpr (Stream) fetch_part<T, kSuper, 16>(sb, h, j);
            __m256i q0, q1, q2, q3v;
            if constexpr (kQ2) {
                const __m256i lo = load256(low + 64 * j);
                q0 = two_bits(lo, 0);
                q1 = two_bits(lo, 1);
                q2 = two_bits(lo, 2);
                q3v = two_bits(lo, 3);
            } else if constexpr (kQ3) {
                const __m256i lo = load256(low + 64 * j), hb = load256(top + 64 * (j / 2));
                const int b = 4 * (j % 2);
                q0 = q3(lo, hb, 0, b);
                q1 = q3(lo, hb, 1, b + 1);
                q2 = q3(lo, hb, 2, b + 2);
                q3v = q3(lo, hb, 3, b + 3);
            } else {
                const __m256i n0 = load256(low + 128 * j), n1 = load256(low + 128 * j + 64);
                const __m256i hb = load256(top + 64 * j);
                q0 = merge(_mm256_and_si256(n0, m4), _mm256_slli_epi16(hb, 4));
                q1 = merge(_mm256_and_si256(_mm256_srli_epi16(n0, 4), m4), _mm256_slli_epi16(hb, 2));
                q2 = merge(_mm256_and_si256(n1, m4), hb);
                q3v = merge(_mm256_and_si256(_mm256_srli_epi16(n1, 4), m4), _mm256_srli_epi16(hb, 2));
            }
            const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc + 16 * j));
            const __m256i scale = kQ2 ? _mm256_and_si256(_mm256_cvtepu8_epi32(bytes), _mm256_set1_epi32(15))
                                      : _mm256_cvtepi8_epi32(bytes);
            const __m256 dsc = _mm256_mul_ps(d, _mm256_cvtepi32_ps(scale));
            for (int t = 0; t < T; ++t) {
                const int8_t* qa = qs + 256 * t + 16 * j;
#if defined(__AVXVNNI__)
                // One chain of four vpdpbusd from the sum's start (exact in int32).
                __m256i chain = kQ2 ? _mm256_setzero_si256() : _mm256_set1_epi32(ai[(s * 16 + j) * a.stride + t]);
                chain = pairs(pairs(pairs(pairs(chain, q0, bcast4(qa)), q1, bcast4(qa + 4)), q2, bcast4(qa + 8)), q3v, bcast4(qa + 12));
                part[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(chain), dsc, part[t]);
                continue;
#endif
                const __m256i zero = _mm256_setzero_si256();
                const __m256i p01 = pairs(pairs(zero, q0, bcast4(qa)), q1, bcast4(qa + 4));
                const __m256i p23 = pairs(pairs(zero, q2, bcast4(qa + 8)), q3v, bcast4(qa + 12));
                __m256i sum;
                if constexpr (kQ2) {
                    sum = widen(add_pairs(p01, p23), ones);
                } else if constexpr (kQ3) {
                    sum = _mm256_add_epi32(widen(add_pairs(p01, p23), ones), _mm256_set1_epi32(ai[(s * 16 + j) * a.stride + t]));
                } else {
                    sum = _mm256_add_epi32(_mm256_add_epi32(widen(p01, ones), widen(p23, ones)),
                                           _mm256_set1_epi32(ai[(s * 16 + j) * a.stride + t]));
                }
                part[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), dsc, part[t]);
            }
        }
        if constexpr (kQ2) {
            // Mins (high nibbles) of sub-blocks 2i and 2i + 1 as an int16 pair per row, times
            // the activation's pair of sub-block sums.
            const __m256 dmin = halves8(reinterpret_cast<const uint16_t*>(sb + kD + 32) + 8 * h);
            __m256i mp[8];
            for (int i = 0; i < 8; ++i) {
                const __m256i m0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc + 32 * i)));
                const __m256i m1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc + 32 * i + 16)));
                mp[i] = _mm256_or_si256(_mm256_srli_epi32(m0, 4), _mm256_slli_epi32(_mm256_srli_epi32(m1, 4), 16));
            }
            for (int t = 0; t < T; ++t) {
                __m256i m = _mm256_setzero_si256();
                for (int i = 0; i < 8; ++i) {
                    m = _mm256_add_epi32(m, _mm256_madd_epi16(mp[i], _mm256_set1_epi32(ai[(s * 8 + i) * a.stride + t])));
                }
                part[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m), dmin, part[t]);
            }
        }
        for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(part[t], _mm256_set1_ps(ad[s * a.stride + t]), acc[t]);
    };
    over_halves<T, Stream>(nsb, nr, y, t0, ldy, a.accumulate, [](int64_t) {}, block);  // block asks for its lines
}

// Each packed type's kernel and its tile's tokens: as many as keep the tile's sums, partials and
// operands in (or spilling little out of) 16 registers, measured with and without AVX-VNNI.
// One core, 8960 x 1536, 256 tokens, GOPS with AVX-VNNI (4 tokens -> kTile): Q4_0 373-378 ->
// 377-380, Q5_0 277 -> 299, Q5_1 253-259 -> 268-271, Q4_1 329 -> 323 (6 tokens for the four),
// Q8_0 340 -> 358, IQ4_NL 339 -> 347, IQ4_XS 280 -> 315 (8 tokens: fewer), Q4_K 358 -> 395
// (with its sums one sub-block at a time, below), Q5_K 197 -> 315, Q6_K 318 -> 321-329, Q3_K
// 300 -> 335, Q2_K 299 -> 336, F16 71 -> 116, BF16 72 -> 118. Since their tokens' sums go side
// by side (tile_q4_0), the legacy types and Q8_0 take 12 tokens with AVX-VNNI and IQ4 8 (one
// core, 1536 x 64, ns per block and token, 6 tokens one after the other -> 6 side by side -> 8
// -> 12: Q4_0 8.33 -> 7.13 -> 6.74 -> 6.59, Q5_0 9.77 -> 8.48 -> 8.00 -> 7.84, Q4_1 9.37 ->
// 8.17 -> 7.73 -> 7.46, Q8_0 8.65 -> 7.27 -> 6.85 -> 6.50, IQ4_NL 8.61 -> 7.40 -> 6.88 -> 7.20).
// Without: 4 tokens stay best for
// the legacy types, Q8_0, IQ4 and Q4_K (Q4_K 205 with 4, 171 with 6, 143 with 8); Q6_K 220 ->
// 235, Q3_K 220 -> 226-247, Q2_K 248 -> 269, F16/BF16 70 -> 116 with 8.
// Q4_0, and with kFive / kOffsets Q5_0, Q4_1 and Q5_1.
template <GgmlType W, bool kFive = false, bool kOffsets = false>
struct LegacyKernel {
    static constexpr GgmlType kType = W;
    static constexpr int kTile = kAvxVnni ? 12 : 4;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_q4_0<T, Stream, kFive, kOffsets>(cols, grp, a, t0, y, ldy, nr);
    }
};
struct Q8_0Kernel {
    static constexpr GgmlType kType = GgmlType::Q8_0;
    static constexpr int kTile = kAvxVnni ? 12 : 4;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_q8_0<T, Stream>(cols, grp, a, t0, y, ldy, nr);
    }
};
// IQ4_NL, and IQ4_XS (its 256-value super-blocks).
template <GgmlType W>
struct IQ4Kernel {
    static constexpr GgmlType kType = W;
    static constexpr int kTile = kAvxVnni ? 8 : 4;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_iq4<T, Stream, W == GgmlType::IQ4_XS>(cols, grp, a, t0, y, ldy, nr);
    }
};
template <GgmlType W>
struct FloatKernel {
    static constexpr GgmlType kType = W;
    static constexpr int kTile = 8;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_float<T, Stream, W == GgmlType::BF16>(cols, grp, a, t0, y, ldy, nr);
    }
};
// Q4_K, and Q5_K (kFive).
template <bool kFive>
struct Q4_KKernel {
    static constexpr GgmlType kType = kFive ? GgmlType::Q5_K : GgmlType::Q4_K;
    static constexpr int kTile = kAvxVnni ? 6 : 4;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_q4_k<T, Stream, kFive>(cols, grp, a, t0, y, ldy, nr);
    }
};
// Q6_K, Q3_K and Q2_K.
template <GgmlType W>
struct SmallKKernel {
    static constexpr GgmlType kType = W;
    static constexpr int kTile = 8;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_small_k<T, Stream, W>(cols, grp, a, t0, y, ldy, nr);
    }
};

// The kernel for packed weight type t, or nullptr.
PackedGemmFn select_packed_gemm_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return packed_loop::gemm<LegacyKernel<GgmlType::Q4_0>>;
        case GgmlType::Q8_0: return packed_loop::gemm<Q8_0Kernel>;
        case GgmlType::Q2_K: return packed_loop::gemm<SmallKKernel<GgmlType::Q2_K>>;
        case GgmlType::Q3_K: return packed_loop::gemm<SmallKKernel<GgmlType::Q3_K>>;
        case GgmlType::Q4_K: return packed_loop::gemm<Q4_KKernel<false>>;
        case GgmlType::Q5_K: return packed_loop::gemm<Q4_KKernel<true>>;
        case GgmlType::Q6_K: return packed_loop::gemm<SmallKKernel<GgmlType::Q6_K>>;
        case GgmlType::IQ4_XS: return packed_loop::gemm<IQ4Kernel<GgmlType::IQ4_XS>>;
        case GgmlType::IQ4_NL: return packed_loop::gemm<IQ4Kernel<GgmlType::IQ4_NL>>;
        case GgmlType::Q4_1: return packed_loop::gemm<LegacyKernel<GgmlType::Q4_1, false, true>>;
        case GgmlType::Q5_0: return packed_loop::gemm<LegacyKernel<GgmlType::Q5_0, true, false>>;
        case GgmlType::Q5_1: return packed_loop::gemm<LegacyKernel<GgmlType::Q5_1, true, true>>;
        case GgmlType::F16: return packed_loop::gemm<FloatKernel<GgmlType::F16>>;
        case GgmlType::BF16: return packed_loop::gemm<FloatKernel<GgmlType::BF16>>;
        default: return nullptr;
    }
}

}  // namespace
}  // namespace edgeseek
#endif
