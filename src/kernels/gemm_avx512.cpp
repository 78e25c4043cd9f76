// AVX-512 VNNI tiled GEMM for weights whose activations are Q8_0 blocks (Q4_0, Q8_0).
// A tile keeps R x T accumulators (each 16 floats = two 32-value blocks) in registers; per
// pair of blocks it loads R weight vectors and T activation vectors once.
#if defined(__x86_64__)
#include "kernels/gemm.h"
#include "kernels/simd.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

inline __m512i load2x256(const void* a, const void* b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(static_cast<const __m256i*>(a))),
                              _mm256_loadu_si256(static_cast<const __m256i*>(b)), 1);
}

// Two f16 block scales as 8 + 8 lanes (F16C conversion: one instruction, no branches).
inline __m512 scales2(uint16_t a, uint16_t b) {
    return _mm512_insertf32x8(_mm512_set1_ps(_cvtsh_ss(a)), _mm256_set1_ps(_cvtsh_ss(b)), 1);
}

inline __m256i nibbles(const uint8_t* qs) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), _mm256_set1_epi8(0x0f));
}

// How each weight format presents two consecutive blocks to the int8 product:
// `u` unsigned bytes and `bias` such that weight = u - bias (per byte), plus the two scales.
struct Q4_0Weights {
    using Block = BlockQ4_0;
    static constexpr int kBias = 8;
    static __m512i values(const Block* b) {
        return _mm512_inserti64x4(_mm512_castsi256_si512(nibbles(b[0].qs)), nibbles(b[1].qs), 1);
    }
};

struct Q8_0Weights {
    using Block = BlockQ8_0;
    static constexpr int kBias = 128;  // int8 + 128 as unsigned
    static __m512i values(const Block* b) {
        return _mm512_xor_si512(load2x256(b[0].qs, b[1].qs), _mm512_set1_epi8(static_cast<char>(0x80)));
    }
};

template <typename W, int R, int T>
void tile(int64_t nb, const uint8_t* w, size_t w_row, const uint8_t* act, size_t act_row, float* y, int64_t ldy) {
    using Block = typename W::Block;
    // Fully unrolled so the R x T accumulators live in registers (32 zmm on AVX-512).
    __m512 acc[R][T];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(W::kBias));
    for (int64_t i = 0; i < nb; i += 2) {
        __m512i a[T], abias[T];
        __m512 ad[T];
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
            const BlockQ8_0* ab = reinterpret_cast<const BlockQ8_0*>(act + static_cast<size_t>(t) * act_row) + i;
            a[t] = load2x256(ab[0].qs, ab[1].qs);
            // -bias * sum(a) per lane group: the product below starts from it instead of zero,
            // which saves a subtraction per row and token.
            abias[t] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, a[t]));
            ad[t] = scales2(ab[0].d, ab[1].d);
        }
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
            const Block* wb = reinterpret_cast<const Block*>(w + static_cast<size_t>(r) * w_row) + i;
            const __m512i u = W::values(wb);
            const __m512 wd = scales2(wb[0].d, wb[1].d);
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t) {
                const __m512i d = _mm512_dpbusd_epi32(abias[t], u, a[t]);
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_mul_ps(wd, ad[t]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

template <typename W, int R>
void tile_rows(int t_count, int64_t nb, const uint8_t* w, size_t w_row, const uint8_t* act, size_t act_row, float* y,
               int64_t ldy) {
    switch (t_count) {
        case 1: tile<W, R, 1>(nb, w, w_row, act, act_row, y, ldy); break;
        case 2: tile<W, R, 2>(nb, w, w_row, act, act_row, y, ldy); break;
        case 3: tile<W, R, 3>(nb, w, w_row, act, act_row, y, ldy); break;
        default: tile<W, R, 4>(nb, w, w_row, act, act_row, y, ldy); break;
    }
}

template <typename W>
void gemm(int64_t k, const uint8_t* w, size_t w_row, int64_t r0, int64_t r1, const uint8_t* act, size_t act_row,
          int64_t n_tokens, float* y, int64_t ldy) {
    const int64_t nb = k / 32;  // callers guarantee an even block count
    constexpr int kR = 4, kT = 4;
    for (int64_t r = r0; r < r1; r += kR) {
        const int rc = static_cast<int>(std::min<int64_t>(kR, r1 - r));
        const uint8_t* wr = w + static_cast<size_t>(r) * w_row;
        for (int64_t t = 0; t < n_tokens; t += kT) {
            const int tc = static_cast<int>(std::min<int64_t>(kT, n_tokens - t));
            const uint8_t* at = act + static_cast<size_t>(t) * act_row;
            float* yt = y + t * ldy + r;
            switch (rc) {
                case 1: tile_rows<W, 1>(tc, nb, wr, w_row, at, act_row, yt, ldy); break;
                case 2: tile_rows<W, 2>(tc, nb, wr, w_row, at, act_row, yt, ldy); break;
                case 3: tile_rows<W, 3>(tc, nb, wr, w_row, at, act_row, yt, ldy); break;
                default: tile_rows<W, 4>(tc, nb, wr, w_row, at, act_row, yt, ldy); break;
            }
        }
    }
}

}  // namespace

GemmFn gemm_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return gemm<Q4_0Weights>;
        case GgmlType::Q8_0: return gemm<Q8_0Weights>;
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
