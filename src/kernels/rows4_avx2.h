// Four Q4_0 or Q8_0 rows dotted with one Q8_0 activation row at once (AVX2): decode's kernel
// for files read in place (`--no-repack`) on CPUs without AVX-512, as rows4 in vec_dot_avx512.cpp
// is with it.
//
// The one-row kernels (vec_dot_avx2.cpp) take each 32-value block alone: its two f16 scales
// converted one at a time in general registers and broadcast, the sign trick's two extra
// instructions for every product, ~15 vector instructions per 18 bytes of Q4_0, which held the
// `--no-repack` decode of a 1.5B Q4_0 file to 47% of the read bandwidth. Here each activation
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
    for (int r = 0; r < 4; ++r) {
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[r]), _mm256_extractf128_ps(acc[r], 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        out[r] = _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
    }
}

// The four-row kernel for t (Q4_0, Q8_0), or nullptr.
inline VecDot4Fn select_rows4_avx2(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return rows4_avx2<Q4_0Rows2>;
        case GgmlType::Q8_0: return rows4_avx2<Q8_0Rows2>;
        default: return nullptr;
    }
}

}  // namespace
}  // namespace edgeseek
#endif
