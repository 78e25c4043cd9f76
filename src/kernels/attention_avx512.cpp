// AVX-512 attention over the f16 cache: keys and values converted 16 at a time with
// vcvtph2ps, f16 rounding of Q and of the softmax weights with vcvtps2ph (round to nearest
// even, as the scalar fp32_to_fp16). Sums run in a different order than the scalar reference:
// results agree to float rounding.
#if defined(__x86_64__)
#include <algorithm>

#include "kernels/attention.h"
#include "kernels/ops.h"
#include "kernels/simd.h"

namespace edgeseek {
namespace {

inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
}

inline __m512 load_f16(const uint16_t* p, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }

inline __m512 round_f16(__m512 x) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// out[g] = weights[g] x values for NC 16-dim chunks from c0: one accumulator per head and
// chunk, so each value chunk is converted once for all G heads.
template <int G, int NC>
void weighted_values(const float* w, const uint16_t* v0, int64_t kv_stride, int64_t n_pos, int64_t head_dim, int64_t c0,
                     float* out) {
    __m512 acc[NC][G];
    __mmask16 m[NC];
#pragma GCC unroll 8
    for (int i = 0; i < NC; ++i) {
        m[i] = tail_mask(head_dim - 16 * (c0 + i));
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) acc[i][g] = _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < n_pos; ++p) {
        const uint16_t* v = v0 + p * kv_stride + 16 * c0;
        __m512 x[NC];
#pragma GCC unroll 8
        for (int i = 0; i < NC; ++i) x[i] = load_f16(v + 16 * i, m[i]);
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) {
            const __m512 wg = _mm512_set1_ps(w[g * n_pos + p]);
#pragma GCC unroll 8
            for (int i = 0; i < NC; ++i) acc[i][g] = _mm512_fmadd_ps(wg, x[i], acc[i][g]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < NC; ++i) {
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g) _mm512_mask_storeu_ps(out + g * head_dim + 16 * (c0 + i), m[i], acc[i][g]);
    }
}

template <int G>
void attend_group(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                  int64_t head_dim, float scale, float* scores, float* out) {
    constexpr int64_t kMaxDim = 512;
    const int64_t chunks = (head_dim + 15) / 16;
    const int64_t row = 16 * chunks;  // head_dim padded with zeros to whole chunks
    const int64_t full = head_dim / 16;
    const __mmask16 tail = tail_mask(head_dim - 16 * full);
    alignas(64) float qr[G * kMaxDim];
    for (int g = 0; g < G; ++g) {
        for (int64_t c = 0; c < chunks; ++c) {
            const __mmask16 m = tail_mask(head_dim - 16 * c);
            _mm512_store_ps(qr + g * row + 16 * c, round_f16(_mm512_maskz_loadu_ps(m, q + g * head_dim + 16 * c)));
        }
    }
    // Keys 16 at a time: converted to f32 once into kb, then dotted with every head's Q, the
    // 16 products of a head reduced together. kb is chunk-major (chunk c of key j at
    // 256 * c + 16 * j) so the 16 loads of a chunk share one base register.
    alignas(64) float kb[16 * kMaxDim];
    for (int64_t p0 = 0; p0 < n_pos; p0 += 16) {
        const int64_t nk = std::min<int64_t>(16, n_pos - p0);
        for (int64_t j = 0; j < 16; ++j) {
            if (j < nk) {
                const uint16_t* k = k0 + (p0 + j) * kv_stride;
                for (int64_t c = 0; c < full; ++c) _mm512_store_ps(kb + 256 * c + 16 * j, load_f16(k + 16 * c, 0xffff));
                if (full < chunks) _mm512_store_ps(kb + 256 * full + 16 * j, load_f16(k + 16 * full, tail));
            } else {
                for (int64_t c = 0; c < chunks; ++c) _mm512_store_ps(kb + 256 * c + 16 * j, _mm512_setzero_ps());
            }
        }
        for (int g = 0; g < G; ++g) {
            __m512 acc[16];
#pragma GCC unroll 16
            for (int j = 0; j < 16; ++j) acc[j] = _mm512_setzero_ps();
            for (int64_t c = 0; c < chunks; ++c) {
                const __m512 qc = _mm512_load_ps(qr + g * row + 16 * c);
                const float* kc = kb + 256 * c;
#pragma GCC unroll 16
                for (int j = 0; j < 16; ++j) acc[j] = _mm512_fmadd_ps(qc, _mm512_load_ps(kc + 16 * j), acc[j]);
            }
            _mm512_mask_storeu_ps(scores + g * n_pos + p0, tail_mask(nk), _mm512_mul_ps(reduce16(acc, AddPs{}), _mm512_set1_ps(scale)));
        }
    }
    for (int g = 0; g < G; ++g) {
        float* s = scores + g * n_pos;
        softmax(s, n_pos);
        for (int64_t p = 0; p < n_pos; p += 16) {
            const __mmask16 m = tail_mask(n_pos - p);
            _mm512_mask_storeu_ps(s + p, m, round_f16(_mm512_maskz_loadu_ps(m, s + p)));
        }
    }
    // As many chunks per pass as fit the 32 registers (G * kNc accumulators, kNc values, one
    // weight): fewer passes over the values and more independent accumulator chains.
    constexpr int kNc = (8 * G + 9 <= 32) ? 8 : (4 * G + 5 <= 32) ? 4 : 2;
    int64_t c = 0;
    for (; c + kNc <= chunks; c += kNc) weighted_values<G, kNc>(scores, v0, kv_stride, n_pos, head_dim, c, out);
    if constexpr (kNc > 4) {
        if (c + 4 <= chunks) {
            weighted_values<G, 4>(scores, v0, kv_stride, n_pos, head_dim, c, out);
            c += 4;
        }
    }
    if constexpr (kNc > 2) {
        if (c + 2 <= chunks) {
            weighted_values<G, 2>(scores, v0, kv_stride, n_pos, head_dim, c, out);
            c += 2;
        }
    }
    for (; c < chunks; ++c) weighted_values<G, 1>(scores, v0, kv_stride, n_pos, head_dim, c, out);
}

// Groups of more than 8 heads would not keep their accumulators in registers: 8 at a time.
void attend_heads(const float* q, int64_t n_heads, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride,
                  int64_t n_pos, int64_t head_dim, float scale, float* scores, float* out) {
    using GroupFn = void (*)(const float*, const uint16_t*, const uint16_t*, int64_t, int64_t, int64_t, float, float*, float*);
    static constexpr GroupFn kByGroup[] = {attend_group<1>, attend_group<2>, attend_group<3>, attend_group<4>,
                                                attend_group<5>, attend_group<6>, attend_group<7>, attend_group<8>};
    for (int64_t h = 0; h < n_heads; h += 8) {
        const int64_t g = std::min<int64_t>(8, n_heads - h);
        kByGroup[g - 1](q + h * head_dim, k0, v0, kv_stride, n_pos, head_dim, scale, scores + h * n_pos, out + h * head_dim);
    }
}

}  // namespace

AttendGroupFn attend_heads_avx512() { return attend_heads; }

}  // namespace edgeseek
#endif
