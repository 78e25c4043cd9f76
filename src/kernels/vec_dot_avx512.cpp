// AVX-512 (F, BW, VL, DQ, VNNI, BF16) dot products: two 32-value blocks per 512-bit step,
// int8 products with vpdpbusd, bf16 with vdpbf16ps.
#if defined(__x86_64__)
#include "kernels/packed.h"
#include "kernels/simd.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

inline __m512i load2x256(const void* a, const void* b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(static_cast<const __m256i*>(a))),
                              _mm256_loadu_si256(static_cast<const __m256i*>(b)), 1);
}

inline __m512 scales2(float a, float b) {
    return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1);
}

inline float scale(uint16_t a, uint16_t b) { return _cvtsh_ss(a) * _cvtsh_ss(b); }

// signed x signed int8 dot in 16 int32 lanes: |x| * (y with x's sign).
inline __m512i dot_i8(__m512i x, __m512i y) {
    const __mmask64 neg = _mm512_movepi8_mask(x);
    const __m512i sy = _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(x), sy);
}

inline __m256i dot_i8_256(__m256i x, __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sy);
}

float q8_0_q8_0(int64_t n, const void* row, const void* act) {
    const BlockQ8_0* x = static_cast<const BlockQ8_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    const int64_t nb = n / kQK8_0;
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m512i d = dot_i8(load2x256(x[i].qs, x[i + 1].qs), load2x256(y[i].qs, y[i + 1].qs));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), scales2(scale(x[i].d, y[i].d), scale(x[i + 1].d, y[i + 1].d)), acc);
    }
    float s = _mm512_reduce_add_ps(acc);
    if (i < nb) {
        const __m256i d = dot_i8_256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs)),
                                     _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)));
        const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(d), _mm256_set1_ps(scale(x[i].d, y[i].d)));
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(f), _mm256_extractf128_ps(f, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        s += _mm_cvtss_f32(h);
    }
    return s;
}

// 32 nibbles of a q4_0 block as unsigned bytes 0..15 in element order (low nibbles, then high).
inline __m256i nibbles(const uint8_t* qs) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), _mm256_set1_epi8(0x0f));
}

float q4_0_q8_0(int64_t n, const void* row, const void* act) {
    const BlockQ4_0* x = static_cast<const BlockQ4_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    const int64_t nb = n / kQK4_0;
    const __m512i eight = _mm512_set1_epi8(8);
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m512i u = _mm512_inserti64x4(_mm512_castsi256_si512(nibbles(x[i].qs)), nibbles(x[i + 1].qs), 1);
        const __m512i yv = load2x256(y[i].qs, y[i + 1].qs);
        // sum((u - 8) * y) = sum(u * y) - sum(8 * y)
        const __m512i d = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, yv),
                                           _mm512_dpbusd_epi32(_mm512_setzero_si512(), eight, yv));
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), scales2(scale(x[i].d, y[i].d), scale(x[i + 1].d, y[i + 1].d)), acc);
    }
    float s = _mm512_reduce_add_ps(acc);
    for (; i < nb; ++i) {
        const __m256i u = nibbles(x[i].qs);
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
        const __m256i d = _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u, yv),
                                           _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(8), yv));
        alignas(32) int32_t lanes[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), d);
        int32_t t = 0;
        for (int k = 0; k < 8; ++k) t += lanes[k];
        s += static_cast<float>(t) * scale(x[i].d, y[i].d);
    }
    return s;
}

float f32_f32(int64_t n, const void* row, const void* act) {
    const float* x = static_cast<const float*>(row);
    const float* y = static_cast<const float*>(act);
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), a1);
    }
    if (i + 16 <= n) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), a0);
        i += 16;
    }
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
        a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), a1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

float f16_f16(int64_t n, const void* row, const void* act) {
    const uint16_t* x = static_cast<const uint16_t*>(row);
    const uint16_t* y = static_cast<const uint16_t*>(act);
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 xv = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
        const __m512 yv = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + i)));
        acc = _mm512_fmadd_ps(xv, yv, acc);
    }
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
        const __m512 xv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i));
        const __m512 yv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, y + i));
        acc = _mm512_fmadd_ps(xv, yv, acc);
    }
    return _mm512_reduce_add_ps(acc);
}

float bf16_bf16(int64_t n, const void* row, const void* act) {
    const uint16_t* x = static_cast<const uint16_t*>(row);
    const uint16_t* y = static_cast<const uint16_t*>(act);
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512i xv = _mm512_loadu_si512(x + i);
        const __m512i yv = _mm512_loadu_si512(y + i);
        acc = _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(xv), reinterpret_cast<__m512bh>(yv));
    }
    if (i < n) {
        const __mmask32 m = static_cast<__mmask32>((n - i) >= 32 ? ~0u : ((1u << (n - i)) - 1u));
        const __m512i xv = _mm512_maskz_loadu_epi16(m, x + i);
        const __m512i yv = _mm512_maskz_loadu_epi16(m, y + i);
        acc = _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(xv), reinterpret_cast<__m512bh>(yv));
    }
    return _mm512_reduce_add_ps(acc);
}

// ---- four rows at once (decode) --------------------------------------------------------------
// Per pair of blocks the activation is loaded, its bias term and scales formed once for four
// weight rows, and the eight weight scales are converted with one vcvtph2ps; each row keeps its
// own accumulator, so four independent chains hide the FMA latency.

struct Q4_0Rows {
    using Block = BlockQ4_0;
    static constexpr int kBias = 8;  // weight = nibble - 8
    // 128-bit lanes hold [block i low nibbles, block i high, block i+1 low, block i+1 high], the
    // activation's natural order: each block's 16 bytes in two lanes (one shuffle), the upper
    // copy's nibbles shifted down (one masked shift), the high bits cleared (one and). (The
    // order [i low, i+1 low, i high, i+1 high], with the activation permuted to match, took a
    // 256-bit shift and two inserts: one row alone, L2-resident, 3.5-4% slower.)
    static __m512i values(const Block* b) {
        const __m512i z = _mm512_shuffle_i64x2(_mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[0].qs))),
                                               _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[1].qs))), 0x00);
        return _mm512_and_si512(_mm512_mask_srli_epi16(z, 0xff00ff00u, z, 4), _mm512_set1_epi8(0x0f));
    }
    static __m256i values1(const Block* b) { return nibbles(b->qs); }
};

struct Q8_0Rows {
    using Block = BlockQ8_0;
    static constexpr int kBias = 128;  // weight = (int8 + 128) - 128, unsigned for vpdpbusd
    static __m512i values(const Block* b) {
        return _mm512_xor_si512(load2x256(b[0].qs, b[1].qs), _mm512_set1_epi8(static_cast<char>(0x80)));
    }
    static __m256i values1(const Block* b) {
        return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs)),
                                _mm256_set1_epi8(static_cast<char>(0x80)));
    }
};

template <typename W>
void rows4(int64_t n, const void* w, size_t stride, const void* act, float* out, size_t l1_ahead, size_t l2_ahead) {
    using Block = typename W::Block;
    const Block* x[4];
    for (int r = 0; r < 4; ++r) x[r] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + r * stride);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    const int64_t nb = n / 32;
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(W::kBias));
    // Lane l of row r takes scale 2r + (block of lane l): the 256-bit halves are blocks i and i + 1.
    __m512i pick[4];
    for (int r = 0; r < 4; ++r) {
        alignas(64) int32_t idx[16];
        for (int l = 0; l < 16; ++l) idx[l] = 2 * r + l / 8;
        pick[r] = _mm512_load_si512(idx);
    }
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    AheadOfRows ahead(w, 4 * stride, nb / 2, l1_ahead, l2_ahead);  // a share per pair of blocks
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        ahead.next_step();
        const __m512i yv = load2x256(y[i].qs, y[i + 1].qs);
        const __m512i nbias = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, yv));
        // The 8 weight scales (row r's blocks i and i + 1 at 2r and 2r + 1) gathered in general
        // registers, not inserted word by word into a vector (seven vpinsrw on the vector
        // ports), and multiplied by the activation's two scales once for the four rows.
        auto pair = [&](int r) {
            return static_cast<uint64_t>(x[r][i].d) | static_cast<uint64_t>(x[r][i + 1].d) << 16;
        };
        const __m128i wd16 = _mm_insert_epi64(_mm_cvtsi64_si128(static_cast<long long>(pair(0) | pair(1) << 32)),
                                              static_cast<long long>(pair(2) | pair(3) << 32), 1);
        const __m128 ys2 = _mm_setr_ps(_cvtsh_ss(y[i].d), _cvtsh_ss(y[i + 1].d), 0.0f, 0.0f);
        const __m256 ys8 = _mm256_castpd_ps(_mm256_broadcastsd_pd(_mm_castps_pd(ys2)));  // y_i, y_i+1, four times
        const __m512 scales = _mm512_castps256_ps512(_mm256_mul_ps(_mm256_cvtph_ps(wd16), ys8));
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
            const __m512i d = _mm512_dpbusd_epi32(nbias, W::values(x[r] + i), yv);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_permutexvar_ps(pick[r], scales), acc[r]);
        }
    }
    ahead.finish();
    float tail[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    if (i < nb) {  // an odd block count: the last block alone
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
        const __m256i nbias = _mm256_sub_epi32(_mm256_setzero_si256(),
                                               _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm512_castsi512_si256(bias), yv));
        for (int r = 0; r < 4; ++r) {
            const __m256i d = _mm256_dpbusd_epi32(nbias, W::values1(x[r] + i), yv);
            alignas(32) int32_t lanes[8];
            _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), d);
            int32_t t = 0;
            for (int k = 0; k < 8; ++k) t += lanes[k];
            tail[r] = static_cast<float>(t) * scale(x[r][i].d, y[i].d);
        }
    }
    for (int r = 0; r < 4; ++r) out[r] = _mm512_reduce_add_ps(acc[r]) + tail[r];
}

}  // namespace

VecDotFn vec_dot_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q8_0: return q8_0_q8_0;
        case GgmlType::Q4_0: return q4_0_q8_0;
        case GgmlType::F32: return f32_f32;
        case GgmlType::F16: return f16_f16;
        case GgmlType::BF16: return bf16_bf16;
        case GgmlType::Q2_K:
        case GgmlType::Q3_K:
        case GgmlType::Q4_K:
        case GgmlType::Q5_K:
        case GgmlType::Q6_K:
        case GgmlType::IQ4_XS:
        case GgmlType::Q4_1:
        case GgmlType::Q5_0:
        case GgmlType::Q5_1:
        case GgmlType::IQ4_NL: return vec_dot_kquants_avx512(t);
        default: return nullptr;
    }
}


VecDot4Fn vec_dot4_avx512(GgmlType t) {
    switch (t) {
        case GgmlType::Q4_0: return rows4<Q4_0Rows>;
        case GgmlType::Q8_0: return rows4<Q8_0Rows>;
        case GgmlType::Q4_K:
        case GgmlType::Q5_K:
            return cpu_features().gfni && packed_gfni_enabled() ? vec_dot4_kquants_avx512_gfni(t) : vec_dot4_kquants_avx512(t);
        default: return nullptr;
    }
}

}  // namespace edgeseek
#endif
