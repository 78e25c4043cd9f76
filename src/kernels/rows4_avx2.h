// Four Q4_0 or Q8_0 rows dotted with one Q8_0 activation row at once, or four Q4_K / Q5_K rows
// with one Q8_K row (AVX2): decode's kernels for files read in place (`--no-repack`) on CPUs
// without AVX-512, as rows4 (vec_dot_avx512.cpp) and k4_rows4 (rows4_kquants_avx512.h) are
// with it.
//
// The one-row kernels (vec_dot_avx2.cpp) take each 32-value block alone: its two f16 scales
// converted one at a time in general registers and broadcast, the sign trick's two extra
// instructions for every product, ~15 vector instructions per 18 bytes of Q4_0, which held the
// `--no-repack` decode of a 1.5B Q4_0 file to 43-50% of the read bandwidth. Here each activation
// block is loaded once for four rows, Q4_0's nibbles stay unsigned (the -8 offset comes off
// once per block as 8 x the activation's sum), and the eight weight scales of a pair of blocks
// are converted with one vcvtph2ps and multiplied by the activation's two scales once.
// Included by rows4_avx2.cpp (vpmaddubsw + vpmaddwd products) and rows4_avx2_vnni.cpp
// (AVX-VNNI: one vpdpbusd per product); vec_dot4_kernel picks one at run time as the AVX2
// tiles do.
#pragma once
#if defined(__x86_64__)
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/k4_header.h"
#include "kernels/simd.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"

namespace edgeseek {
namespace {

// sum over each 4-byte group of u (unsigned) x s (signed) into the 8 int32 lanes of acc.
inline __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(acc, u, s);
#else
    // Pairs stay within int16 for u <= 15 (Q4_0's nibbles: 2 x 15 x 127) or |u| via the sign
    // trick (Q8_0: 2 x 128 x 127).
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

struct Q4_0Rows2 {
    using Block = BlockQ4_0;
    // Values 0..15 in the activation's order (low nibbles are values 0..15, high 16..31): the
    // 16 bytes in both 128-bit lanes (a broadcast load), the upper lane's dwords shifted by 4,
    // the bits that crossed into other nibbles cleared (two vector instructions where a shift,
    // an insert and a mask took three). The products start from -8 x the activation's sum.
    static __m256i values(const Block& b) {
        const __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
        return _mm256_and_si256(_mm256_srlv_epi32(q, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(0x0f));
    }
    static __m256i start(__m256i y) { return _mm256_sub_epi32(_mm256_setzero_si256(), dot_u8s8(_mm256_setzero_si256(), _mm256_set1_epi8(8), y)); }
    static __m256i product(const Block& b, __m256i y, __m256i start) { return dot_u8s8(start, values(b), y); }
};

struct Q8_0Rows2 {
    using Block = BlockQ8_0;
    static __m256i load(const Block& b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)); }
#if defined(__AVXVNNI__)
    // value + 128 (unsigned), from -128 x the activation's sum.
    static __m256i start(__m256i y) {
        return _mm256_sub_epi32(_mm256_setzero_si256(), dot_u8s8(_mm256_setzero_si256(), _mm256_set1_epi8(static_cast<char>(0x80)), y));
    }
    static __m256i product(const Block& b, __m256i y, __m256i start) {
        return dot_u8s8(start, _mm256_xor_si256(load(b), _mm256_set1_epi8(static_cast<char>(0x80))), y);
    }
#else
    // |value| times the activation with the value's sign: no offset.
    static __m256i start(__m256i) { return _mm256_setzero_si256(); }
    static __m256i product(const Block& b, __m256i y, __m256i start) {
        const __m256i x = load(b);
        return dot_u8s8(start, _mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
    }
#endif
};

template <typename W>
void rows4_avx2(int64_t n, const void* w, size_t stride, const void* act, float* out, size_t l1_ahead, size_t l2_ahead) {
    using Block = typename W::Block;
    const Block* x[4];
    for (int r = 0; r < 4; ++r) x[r] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + r * stride);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    const int64_t nb = n / 32;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    AheadOfRows ahead(w, 4 * stride, nb / 2, l1_ahead, l2_ahead);  // a share per pair of blocks
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        ahead.next_step();
        // Row r's scales of blocks i and i + 1 at 2r and 2r + 1, gathered in general registers
        // and converted at once, times the activation's two scales.
        auto pair = [&](int r) { return static_cast<uint64_t>(x[r][i].d) | static_cast<uint64_t>(x[r][i + 1].d) << 16; };
        const __m128i wd16 = _mm_insert_epi64(_mm_cvtsi64_si128(static_cast<long long>(pair(0) | pair(1) << 32)),
                                              static_cast<long long>(pair(2) | pair(3) << 32), 1);
        const __m128i yd2 = _mm_cvtsi32_si128(static_cast<int>(y[i].d | static_cast<uint32_t>(y[i + 1].d) << 16));
        const __m256 ys8 = _mm256_castpd_ps(_mm256_broadcastsd_pd(_mm_castps_pd(_mm_cvtph_ps(yd2))));  // y_i, y_i+1, four times
        const __m256 scales = _mm256_mul_ps(_mm256_cvtph_ps(wd16), ys8);
#pragma GCC unroll 2
        for (int b = 0; b < 2; ++b) {
            const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i + b].qs));
            const __m256i start = W::start(yv);
#pragma GCC unroll 4
            for (int r = 0; r < 4; ++r) {
                const __m256i d = W::product(x[r][i + b], yv, start);
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_permutevar8x32_ps(scales, _mm256_set1_epi32(2 * r + b)), acc[r]);
            }
        }
    }
    ahead.finish();
    if (i < nb) {  // an odd block count: the last block alone
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
        const __m256i start = W::start(yv);
        const float yd = _cvtsh_ss(y[i].d);
        for (int r = 0; r < 4; ++r) {
            const __m256i d = W::product(x[r][i], yv, start);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_set1_ps(_cvtsh_ss(x[r][i].d) * yd), acc[r]);
        }
    }
    for (int r = 0; r < 4; ++r) out[r] = hsum256(acc[r]);
}

// acc + the int16 pair products of p and scales (|products| < 2^31 for the K-quants' sums).
inline __m256i add_pair_products(__m256i acc, __m256i p, __m256i scales) {
#if defined(__AVXVNNI__)
    return _mm256_dpwssd_avx_epi32(acc, p, scales);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, scales));
#endif
}

// The 16 bytes of v in both 128-bit lanes.
inline __m256i both_lanes(const int8_t (&v)[16]) {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
}

// Q4_K (Q5_K: kFive): four rows against one Q8_K row, as k4_rows4 in rows4_kquants_avx512.h
// (the single-row AVX2 kernel ran at ~14 GB/s per core from L2): the four rows' 16-byte
// headers unpacked two to a register, their d and dmin converted at once, the mins' products
// two rows to an instruction.
template <bool kFive>
void k4_rows4_avx2(int64_t n, const void* rows, size_t stride, const void* act, float* out, size_t l1_ahead, size_t l2_ahead) {
    using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
    const Block* x[4];
    for (int r = 0; r < 4; ++r) x[r] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(rows) + r * stride);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const int64_t nsb = n / kQK_K;
    // The headers' scales and mins to bytes (k4_header.h); then [scales, scales] for the picks
    // and the mins at bytes 0..7.
    using namespace k4_header;
    static constexpr int8_t kScalesTwice[16] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7};
    static constexpr int8_t kMins[16] = {8, 9, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1};
    // The low int16 of each int32 (the pair sums) packed into the lane's first 8 bytes.
    static constexpr int8_t kLowWords[16] = {0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1};
    // pick[j]: int16 scale j (of 8, in each lane) in every int16 lane.
    static constexpr int8_t kPick[8][16] = {
        {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1},          {2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3},
        {4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5},          {6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7},
        {8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9, 8, 9},          {10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11},
        {12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13}, {14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15}};
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    __m256 acc_min[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};  // rows 2h, 2h + 1: lanes 0..3, 4..7
    AheadOfRows ahead(rows, 4 * stride, nsb, l1_ahead, l2_ahead);  // a share per super-block
    for (int64_t i = 0; i < nsb; ++i) {
        ahead.next_step();
        __m256i head[2];
        for (int h = 0; h < 2; ++h) {
            head[h] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&x[2 * h][i]))),
                                              _mm_loadu_si128(reinterpret_cast<const __m128i*>(&x[2 * h + 1][i])), 1);
        }
        // The rows' d and dmin (dword 0 of each lane) times the activation's d:
        // [d0, dmin0, d1, dmin1, d2, dmin2, d3, dmin3].
        const __m256i dd01 = _mm256_permutevar8x32_epi32(head[0], _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
        const __m256i dd23 = _mm256_permutevar8x32_epi32(head[1], _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4));
        const __m256 dd = _mm256_mul_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(_mm256_blend_epi32(dd01, dd23, 0x0c))), _mm256_set1_ps(y[i].d));
        // The activation's pairs of 16-value sums as int16, [pairs 0..7, pairs 0..7].
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
        const __m256i pairs = _mm256_shuffle_epi8(_mm256_add_epi16(bsums, _mm256_srli_epi32(bsums, 16)), both_lanes(kLowWords));
        const __m256i pair16 = _mm256_permute4x64_epi64(pairs, 0x88);  // qwords 0, 2, 0, 2
        __m256i twice[2];  // rows 2h, 2h + 1: [scales, scales] bytes in lanes 0, 1
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m256i low = _mm256_shuffle_epi8(head[h], both_lanes(kLow)), top = _mm256_shuffle_epi8(head[h], both_lanes(kTop));
            // Mins j >= 4 (words 6, 7 of a lane) take the high nibble.
            const __m256i low_bits = _mm256_and_si256(_mm256_blend_epi16(low, _mm256_srli_epi16(low, 4), 0xc0), both_lanes(kLowMask));
            const __m256i sm = _mm256_or_si256(low_bits, _mm256_and_si256(_mm256_srli_epi16(top, 2), both_lanes(kTopMask)));
            twice[h] = _mm256_shuffle_epi8(sm, both_lanes(kScalesTwice));
            // Mins (int16, row 2h's then 2h + 1's) times the pair sums: lanes 0..3 and 4..7.
            const __m256i mins = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(sm, both_lanes(kMins)), 0x08);  // qwords 0, 2
            const __m256i m = _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(mins)), pair16);
            const __m256 dmin = _mm256_permutevar8x32_ps(dd, h == 0 ? _mm256_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3) : _mm256_setr_epi32(5, 5, 5, 5, 7, 7, 7, 7));
            acc_min[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(m), dmin, acc_min[h]);
        }
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
            const __m256i sc16 = _mm256_cvtepu8_epi16(r % 2 == 0 ? _mm256_castsi256_si128(twice[r / 2]) : _mm256_extracti128_si256(twice[r / 2], 1));
            [[maybe_unused]] __m256i qh;
            if constexpr (kFive) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[r][i].qh));
            __m256i isum = _mm256_setzero_si256();
#pragma GCC unroll 4
            for (int c = 0; c < 4; ++c) {
                const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[r][i].qs + 32 * c));
                __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                if constexpr (kFive) {
                    // The fifth bit of value 32j + l is bit j of qh[l], moved to bit 4 (16-bit
                    // shifts of at most 4 keep it inside its byte).
                    const __m256i b16 = _mm256_set1_epi8(0x10);
                    auto fifth = [&](int j) {
                        const __m256i v = j < 4 ? _mm256_slli_epi16(qh, 4 - j) : j > 4 ? _mm256_srli_epi16(qh, j - 4) : qh;
                        return _mm256_and_si256(v, b16);
                    };
                    lo = _mm256_or_si256(lo, fifth(2 * c));
                    hi = _mm256_or_si256(hi, fifth(2 * c + 1));
                }
                const __m256i* a = reinterpret_cast<const __m256i*>(y[i].qs + 64 * c);
                isum = add_pair_products(isum, _mm256_maddubs_epi16(lo, _mm256_loadu_si256(a)),
                                         _mm256_shuffle_epi8(sc16, both_lanes(kPick[2 * c])));
                isum = add_pair_products(isum, _mm256_maddubs_epi16(hi, _mm256_loadu_si256(a + 1)),
                                         _mm256_shuffle_epi8(sc16, both_lanes(kPick[2 * c + 1])));
            }
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_permutevar8x32_ps(dd, _mm256_set1_epi32(2 * r)), acc[r]);
        }
    }
    ahead.finish();
    alignas(32) float mins[2][8];
    _mm256_store_ps(mins[0], acc_min[0]);
    _mm256_store_ps(mins[1], acc_min[1]);
    for (int r = 0; r < 4; ++r) {
        const float* m = mins[r / 2] + 4 * (r % 2);
        out[r] = hsum256(acc[r]) - ((m[0] + m[1]) + (m[2] + m[3]));
    }
}

// The four-row kernel for t (Q4_0, Q8_0, Q4_K, Q5_K), or nullptr.
inline VecDot4Fn select_rows4_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return rows4_avx2<Q4_0Rows2>;
        case GgmlType::Q8_0: return rows4_avx2<Q8_0Rows2>;
        case GgmlType::Q4_K: return k4_rows4_avx2<false>;
        case GgmlType::Q5_K: return k4_rows4_avx2<true>;
        default: return nullptr;
    }
}

}  // namespace
}  // namespace edgeseek
#endif
