// AVX-512 tiles over packed F16 and BF16 weights (layouts in kernels/packed.h), their
// whole-group packer and their activation writer. Per column, the group's 16 values widened to
// f32 (F16: one vcvtph2ps; BF16: a shift or a mask of a column-pair vector) times each token's
// activation (rounded to f16 or bf16, as the per-row kernels and llama.cpp round it, kept as
// f32), broadcast from memory by the FMA itself. Both accumulate in f32 per row and token.
#if defined(__x86_64__)
#include <cstdint>
#include <cstring>

#include "kernels/cpu_features.h"
#include "kernels/packed.h"
#include "kernels/packed_gemm.h"
#include "kernels/simd.h"

namespace edgeseek {
namespace {

// A tile of T tokens keeps kSplit accumulators per token when T is small (decode), whose
// columns alternate between them, so one token's chain of FMAs (4-cycle latency) does not bound
// how fast the group's weights go by.
template <int T>
constexpr int kSplit = T == 1 ? 4 : T == 2 ? 2 : 1;

inline __mmask16 rows_mask(int64_t nr) { return static_cast<__mmask16>((1u << nr) - 1u); }

template <int T>
inline void store_tile(__m512 (&acc)[T * kSplit<T>], float* y, int64_t t0, int64_t ldy, int64_t nr) {
    constexpr int S = kSplit<T>;
#pragma GCC unroll 24
    for (int t = 0; t < T; ++t) {
        __m512 v = acc[t * S];
#pragma GCC unroll 4
        for (int i = 1; i < S; ++i) v = _mm512_add_ps(v, acc[t * S + i]);
        _mm512_mask_storeu_ps(y + (t0 + t) * ldy, rows_mask(nr), v);
    }
}

// Blocks of 16 columns (512 bytes of the group); token t's 16 activations of block b at
// panel + (b * a.panel + t) * 64. Per column pair, the 16 rows' values widened to f32: F16 by
// two vcvtph2ps (one per column), BF16 by a shift (column k: bf16 is the top half of an f32)
// and a mask (k + 1) of one pair vector; then two FMAs per token. (vdpbf16ps per pair with the
// activations' bf16 pairs broadcast ran 1.5B BF16 pp256 at 61.7 t/s, the FMAs at 99.1 with
// the same 12-token tiles.)
template <int T, bool Stream, bool kBf16>
void tile_float(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
    constexpr int S = kSplit<T>;
    __m512 acc[T * S];
#pragma GCC unroll 24
    for (int i = 0; i < T * S; ++i) acc[i] = _mm512_setzero_ps();
    const int8_t* panel = a.quants<64>(t0);
    const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
    for (int64_t b = 0; b < cols / 16; ++b) {
        const float* x = reinterpret_cast<const float*>(panel + b * (a.panel * 64));  // token t at x + 16 t
        const uint8_t* w = grp + static_cast<size_t>(b) * 512;
        if constexpr (Stream) prefetch_stream_range(w, 512);
#pragma GCC unroll 8
        for (int p = 0; p < 8; ++p) {
            __m512 w0, w1;
            if constexpr (kBf16) {
                const __m512i v = _mm512_load_si512(w + 64 * p);
                w0 = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
                w1 = _mm512_castsi512_ps(_mm512_and_si512(v, high));
            } else {
                w0 = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(w + 64 * p)));
                w1 = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(w + 64 * p + 32)));
            }
#pragma GCC unroll 24
            for (int t = 0; t < T; ++t) {
                acc[t * S + (2 * p) % S] = fma_bcast(acc[t * S + (2 * p) % S], w0, x + 16 * t + 2 * p);
                acc[t * S + (2 * p + 1) % S] = fma_bcast(acc[t * S + (2 * p + 1) % S], w1, x + 16 * t + 2 * p + 1);
            }
        }
    }
    store_tile<T>(acc, y, t0, ldy, nr);
}

struct F16Kernel {
    static constexpr GgmlType kType = GgmlType::F16;
    // 12 tokens: 1.5B pp256 91.4 t/s; 24: 88.8-89.3 (the widening shares a port with the FMAs).
    static constexpr int kTile = 12;
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_float<T, Stream, false>(cols, grp, a, t0, y, ldy, nr);
    }
};
struct BF16Kernel {
    static constexpr GgmlType kType = GgmlType::BF16;
    static constexpr int kTile = 24;  // 1.5B pp256: 12 tokens 99.1 t/s, 24 104.5-106.3
    template <int T, bool Stream>
    static void tile(int64_t cols, const uint8_t* grp, const PackedActs& a, int64_t t0, float* y, int64_t ldy, int64_t nr) {
        tile_float<T, Stream, true>(cols, grp, a, t0, y, ldy, nr);
    }
};

// Load-time packing of whole groups: one 32-bit gather per 16 rows brings each row's columns
// k and k + 1 (k even); BF16 stores it as is, F16 splits it into column k's and k + 1's halves.
void pack_float_groups(GgmlType t, const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const __m512i rows = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(static_cast<int>(src_row)));
    const size_t group = packed_group_bytes(t, cols);
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        uint8_t* out = dst + static_cast<size_t>(g) * group;
        for (int64_t k = 0; k < cols; k += 2) {
            const __m512i v = _mm512_i32gather_epi32(rows, in + 2 * k, 1);
            if (t == GgmlType::BF16) {
                _mm512_storeu_si512(out + 32 * k, v);
            } else {
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * k), _mm512_cvtepi32_epi16(v));
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * k + 32), _mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16)));
            }
        }
    }
}

// Activations, bit for bit as the reference (packed.cpp: the type's from_float, then moved):
// F16 rounded to nearest even by vcvtps2ph (overflow to infinity, NaN to the quiet NaN with the
// payload's top bits, as fp32_to_fp16 keeps for the quiet NaN it writes) and widened back;
// BF16 by the integer rounding fp32_to_bf16 uses (vcvtneps2bf16 would flush denormals), kept
// as the f32 it stands for.
void pack_acts_f16(const float* x, int64_t cols, const ActsSlot& slot) {
    for (int64_t b = 0; b < cols / 16; ++b) {
        const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(x + 16 * b), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm512_storeu_ps(reinterpret_cast<float*>(slot.q + b * slot.panel * 64), _mm512_cvtph_ps(h));
    }
}

void pack_acts_bf16(const float* x, int64_t cols, const ActsSlot& slot) {
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
    const __m512i bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(64 << 16);
    const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
    for (int64_t b = 0; b < cols / 16; ++b) {
        const __m512i u = _mm512_castps_si512(_mm512_loadu_ps(x + 16 * b));
        const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs_mask), inf);
        // Rounded in place: u + 0x7fff + (bit 16 of u), the low half then cleared; a NaN keeps
        // its top half with the quiet bit (bit 6 of the bf16) set.
        __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(bias, _mm512_and_si512(_mm512_srli_epi32(u, 16), one)));
        r = _mm512_mask_or_epi32(r, nan, u, quiet);
        _mm512_storeu_si512(slot.q + b * slot.panel * 64, _mm512_and_si512(r, high));
    }
}

}  // namespace

PackedGemmFn packed_float_gemm_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::F16: return packed_loop::gemm<F16Kernel>;
        case GgmlType::BF16: return packed_loop::gemm<BF16Kernel>;
        default: return nullptr;
    }
}

bool pack_float_groups_avx512(GgmlType t, const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1,
                              uint8_t* dst) {
    if (!packed_float(t)) return false;
    pack_float_groups(t, src, src_row, cols, g0, g1, dst);
    return true;
}

PackActsFn pack_float_acts_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::F16: return pack_acts_f16;
        case GgmlType::BF16: return pack_acts_bf16;
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
