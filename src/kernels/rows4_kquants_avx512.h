// Four Q4_K (or Q5_K) rows dotted with one Q8_K activation row at once (AVX-512): decode's
// kernel for files read in place (`--no-repack`), where the rows keep the file's layout.
//
// The one-row kernels (vec_dot_kquants_avx512.cpp) spend as many vector instructions on each
// super-block's scales, mins and scale factors (unpacked in general registers, moved into
// vectors one by one) as on its 256 products, and ran at 18-19 GB/s per core from L2 against
// the ~14 a core a decode needs: the two vector ports, not the memory, set the pace. Here the
// four rows' 16-byte headers (d, dmin, the 12 bytes of packed six-bit scales and mins) are
// unpacked together in one register, their d and dmin converted together, and the mins'
// products taken for two rows at a time; the activation's 256 bytes are loaded once for the
// four rows. With GFNI, one affine map splits a chunk's 32 bytes into their low nibbles (lower
// half) and high nibbles (upper half), where a masked shift and a mask took two instructions.
// Included by rows4_kquants_avx512.cpp and rows4_kquants_avx512_gfni.cpp (compiled with GFNI);
// vec_dot4_avx512 picks one at run time as the packed tiles do.
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

// The 16 bytes of v in each 128-bit lane.
inline __m512i each_lane(const int8_t (&v)[16]) {
    return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v)));
}

// 32 bytes broadcast to both halves, as 64 values in 0..15: the low nibbles in bytes 0..31
// (sub-block 2c), the high nibbles in bytes 32..63 (sub-block 2c + 1).
struct NibbleSplit {
#if defined(__GFNI__)
    // Affine maps per 64-bit lane: output bits 0..3 are input bits 0..3 in the lower half,
    // input bits 4..7 in the upper half; bits 4..7 zero.
    const __m512i maps = _mm512_inserti64x4(_mm512_set1_epi64(0x0102040800000000LL),
                                            _mm256_set1_epi64x(0x1020408000000000LL), 1);
    __m512i operator()(__m512i q) const { return _mm512_gf2p8affine_epi64_epi8(q, maps, 0); }
#else
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    __m512i operator()(__m512i q) const { return _mm512_and_si512(_mm512_mask_srli_epi16(q, 0xffff0000u, q, 4), m4); }
#endif
};

template <bool kFive>
void k4_rows4(int64_t n, const void* rows, size_t stride, const void* act, float* out, size_t l1_ahead, size_t l2_ahead) {
    using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
    const Block* x[4];
    for (int r = 0; r < 4; ++r) x[r] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(rows) + r * stride);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    const int64_t nsb = n / kQK_K;

    // The headers' scales and mins to bytes (k4_header.h).
    using namespace k4_header;
    const __m512i low_idx = each_lane(kLow), top_idx = each_lane(kTop);
    const __m512i low_mask = each_lane(kLowMask), top_mask = each_lane(kTopMask);
    // The unpacked values widened to int16, rows 2h and 2h + 1 in sc16[h] (lanes 0..15, 16..31:
    // scales then mins). Chunk c of row r wants scale 2c in int16 lanes 0..15 and 2c + 1 in
    // 16..31 (vpermw index spread[r & 1][c] into sc16[r / 2]).
    __m512i spread[2][4];
    for (int k = 0; k < 2; ++k) {
        for (int c = 0; c < 4; ++c) {
            alignas(64) int16_t v[32];
            for (int l = 0; l < 32; ++l) v[l] = static_cast<int16_t>(16 * k + 2 * c + l / 16);
            spread[k][c] = _mm512_load_si512(v);
        }
    }
    // The activation's pairs of 16-value sums (min j covers sums 2j and 2j + 1) as int16 in the
    // mins' lanes 8..15 of each row, zero in the scales' lanes: taken from the low int16 of
    // each int32 of sums + (sums >> 16).
    alignas(64) int16_t pair_lanes[32];
    for (int l = 0; l < 32; ++l) pair_lanes[l] = static_cast<int16_t>(l % 16 < 8 ? 0 : 2 * (l % 16 - 8));
    const __m512i pair_idx = _mm512_load_si512(pair_lanes);
    // d and dmin of the four rows (words 0 and 1 of each lane) as [d0, dmin0, ..., d3, dmin3].
    const __m512i dd_idx = _mm512_castsi128_si512(_mm_setr_epi16(0, 1, 8, 9, 16, 17, 24, 25));
    const __m512i min_pick[2] = {_mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3),
                                 _mm512_setr_epi32(5, 5, 5, 5, 5, 5, 5, 5, 7, 7, 7, 7, 7, 7, 7, 7)};
    const NibbleSplit split;
    [[maybe_unused]] const __m512i fifth = _mm512_set1_epi8(0x10);

    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    __m512 acc_min[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};  // rows 2h, 2h + 1: lanes 4..7, 12..15
    AheadOfRows ahead(rows, 4 * stride, nsb, l1_ahead, l2_ahead);  // a share per super-block
    for (int64_t i = 0; i < nsb; ++i) {
        ahead.next_step();
        __m512i head = _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&x[0][i])));
        head = _mm512_inserti32x4(head, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&x[1][i])), 1);
        head = _mm512_inserti32x4(head, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&x[2][i])), 2);
        head = _mm512_inserti32x4(head, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&x[3][i])), 3);
        const __m512i low = _mm512_shuffle_epi8(head, low_idx), top = _mm512_shuffle_epi8(head, top_idx);
        // Mins j >= 4 (words 6, 7 of a lane) take the high nibble; 16-bit shifts carry bits
        // across bytes that the masks then clear.
        const __m512i low_bits = _mm512_and_si512(_mm512_mask_srli_epi16(low, 0xc0c0c0c0u, low, 4), low_mask);
        const __m512i sm = _mm512_ternarylogic_epi32(low_bits, _mm512_srli_epi16(top, 2), top_mask, 0xF8);  // a | (b & c)
        const __m512i sc16[2] = {_mm512_cvtepu8_epi16(_mm512_castsi512_si256(sm)),
                                 _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64(sm, 1))};
        // The rows' d and dmin times the activation's d.
        const __m512 dd = _mm512_castps256_ps512(_mm256_mul_ps(
            _mm256_cvtph_ps(_mm512_castsi512_si128(_mm512_permutexvar_epi16(dd_idx, head))), _mm256_set1_ps(y[i].d)));
        // Mins times the activation's pair sums (|pair sum| <= 32 * 127 fits int16), two rows
        // a vpdpwssd; the scales' lanes meet zeros.
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
        const __m512i pairs = _mm512_castsi256_si512(_mm256_add_epi16(bsums, _mm256_srli_epi32(bsums, 16)));
        const __m512i pair16 = _mm512_maskz_permutexvar_epi16(0xff00ff00u, pair_idx, pairs);
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m512i m = _mm512_dpwssd_epi32(_mm512_setzero_si512(), sc16[h], pair16);
            acc_min[h] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(m), _mm512_permutexvar_ps(min_pick[h], dd), acc_min[h]);
        }
        __m512i yq[4];
#pragma GCC unroll 4
        for (int c = 0; c < 4; ++c) yq[c] = _mm512_loadu_si512(y[i].qs + 64 * c);
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
            [[maybe_unused]] __m512i qh;
            if constexpr (kFive) qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[r][i].qh)));
            __m512i isum = _mm512_setzero_si512();
#pragma GCC unroll 4
            for (int c = 0; c < 4; ++c) {
                __m512i q = split(_mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[r][i].qs + 32 * c))));
                if constexpr (kFive) {
                    // The fifth bit of value 32j + l is bit j of qh[l]: bit 2c in the lower
                    // half, 2c + 1 in the upper.
                    const __m512i sel = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << (2 * c))),
                                                           _mm256_set1_epi8(static_cast<char>(1 << (2 * c + 1))), 1);
                    q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(qh, sel), q, fifth);
                }
                isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(q, yq[c]),
                                           _mm512_permutexvar_epi16(spread[r & 1][c], sc16[r >> 1]));
            }
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_permutexvar_ps(_mm512_set1_epi32(2 * r), dd), acc[r]);
        }
    }
    ahead.finish();
    alignas(64) float mins[2][16];
    _mm512_store_ps(mins[0], acc_min[0]);
    _mm512_store_ps(mins[1], acc_min[1]);
    for (int r = 0; r < 4; ++r) {
        const float* m = mins[r / 2] + 8 * (r % 2) + 4;
        out[r] = _mm512_reduce_add_ps(acc[r]) - ((m[0] + m[1]) + (m[2] + m[3]));
    }
}

// The four-row kernel for t (Q4_K, Q5_K), or nullptr.
inline VecDot4Fn select_k4_rows4(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_K: return k4_rows4<false>;
        case GgmlType::Q5_K: return k4_rows4<true>;
        default: return nullptr;
    }
}

}  // namespace
}  // namespace edgeseek
#endif
