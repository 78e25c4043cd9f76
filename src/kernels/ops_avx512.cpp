// AVX-512 RMS norm, residual add, RoPE, softmax and SwiGLU. The norm keeps the scalar
// reference's eight double sums in one vector's lanes, so its bits match; RoPE rounds each
// product apart (the file is compiled without FMA contraction) for the same reason.
// Softmax and SwiGLU: exp(x) = 2^n * e^r with n = round(x / ln 2), r = x - n ln 2 in
// two parts (Cody-Waite), e^r by its degree-7 Taylor polynomial on |r| <= ln2/2 (truncation
// error < 2e-9 relative), 2^n applied by vscalefps, which also gives 0 and inf at the ends.
#if defined(__x86_64__)
#include <cmath>

#include "kernels/norm_common.h"
#include "kernels/ops.h"
#include "kernels/simd.h"

namespace edgeseek {
namespace {

inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.8f)), _mm512_set1_ps(-110.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

inline __mmask16 tail(int64_t left) {
    return left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
}

// The norm's two passes: the sum of squares (x += b first when kAdd), then the scaling.
template <bool kAdd>
void norm(norm_common::NormX<kAdd>* x, const float* b, float* out, const float* w, int64_t n, float eps) {
    __m512d part = _mm512_setzero_pd();  // lane k: the reference's part[k]
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        if constexpr (kAdd) {
            v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
            _mm256_storeu_ps(x + i, v);
        }
        const __m512d d = _mm512_cvtps_pd(v);
        part = _mm512_fmadd_pd(d, d, part);  // the square is exact: fused or not, the same sum
    }
    alignas(64) double p[8];
    _mm512_store_pd(p, part);
    const float scale = norm_common::finish_scale<kAdd>(p, x, b, i, n, eps);
    const __m512 vs = _mm512_set1_ps(scale);
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = tail(n - i);
        __m512 y = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), vs);
        if (w) y = _mm512_mul_ps(y, _mm512_maskz_loadu_ps(k, w + i));
        _mm512_mask_storeu_ps(out + i, k, y);
    }
}

}  // namespace

void rmsnorm_avx512(float* out, const float* x, const float* w, int64_t n, float eps) {
    norm<false>(x, nullptr, out, w, n, eps);
}

void add_rmsnorm_avx512(float* x, const float* b, float* out, const float* w, int64_t n, float eps) {
    norm<true>(x, b, out, w, n, eps);
}

void add_avx512(float* x, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, x + i), _mm512_maskz_loadu_ps(k, b + i)));
    }
}

void rope_apply_avx512(float* x, const float* cos_in, const float* sin_in, const RopeParams& p) {
    const int64_t half = p.n_rot / 2;
    if (p.neox) {  // pairs (i, i + half): both halves as they lie
        for (int64_t i = 0; i < half; i += 16) {
            const __mmask16 k = tail(half - i);
            const __m512 a = _mm512_maskz_loadu_ps(k, x + i), b = _mm512_maskz_loadu_ps(k, x + half + i);
            const __m512 c = _mm512_maskz_loadu_ps(k, cos_in + i), s = _mm512_maskz_loadu_ps(k, sin_in + i);
            _mm512_mask_storeu_ps(x + i, k, _mm512_sub_ps(_mm512_mul_ps(a, c), _mm512_mul_ps(b, s)));
            _mm512_mask_storeu_ps(x + half + i, k, _mm512_add_ps(_mm512_mul_ps(a, s), _mm512_mul_ps(b, c)));
        }
        return;
    }
    // Pairs (2i, 2i + 1), 8 per vector: x * (c0 c0 c1 c1 ..) + swapped x * (-s0 s0 -s1 s1 ..).
    const __m512i dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    const __m512 neg_even = _mm512_castsi512_ps(_mm512_set1_epi64(static_cast<long long>(0x80000000ull)));
    for (int64_t i = 0; i < half; i += 8) {
        const int64_t left = half - i;
        const __mmask16 k = tail(2 * left);
        const __mmask8 k8 = static_cast<__mmask8>(tail(left) & 0xff);
        const __m512 c = _mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(k8, cos_in + i)));
        const __m512 s = _mm512_xor_ps(_mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_maskz_loadu_ps(k8, sin_in + i))),
                                       neg_even);
        const __m512 v = _mm512_maskz_loadu_ps(k, x + 2 * i);
        const __m512 swapped = _mm512_permute_ps(v, 0xb1);
        _mm512_mask_storeu_ps(x + 2 * i, k, _mm512_add_ps(_mm512_mul_ps(v, c), _mm512_mul_ps(swapped, s)));
    }
}

void softmax_avx512(float* x, int64_t n) {
    if (n <= 0) return;
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int64_t i = 0; i < n; i += 16) mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(mx, tail(n - i), x + i));
    const float m = _mm512_reduce_max_ps(mx);
    if (std::isinf(m) && m < 0) return softmax_scalar(x, n);  // all -inf: the reference's NaNs
    const __m512 vm = _mm512_set1_ps(m);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail(n - i);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vm));
        _mm512_mask_storeu_ps(x + i, k, e);
        sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(k, e));
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), inv));
    }
}

void fp32_to_fp16_row_avx512(uint16_t* out, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = tail(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        __m256i h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        // NaNs as fp32_to_fp16 writes them: sign | 0x7e00 (vcvtps2ph keeps payload bits).
        const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        const __m256i quiet = _mm256_or_si256(_mm256_and_si256(h, _mm256_set1_epi16(static_cast<short>(0x8000))),
                                              _mm256_set1_epi16(0x7e00));
        h = _mm256_mask_blend_epi16(nan, h, quiet);
        _mm256_mask_storeu_epi16(out + i, k, h);
    }
}

void swiglu_avx512(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t t = 0; t < rows; ++t, out += ldo, gate += ld, up += ld) {
        for (int64_t i = 0; i < n; i += 16) {
            const __mmask16 k = tail(n - i);
            const __m512 g = _mm512_maskz_loadu_ps(k, gate + i);
            const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), g));
            const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, e));
            _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(k, up + i)));
        }
    }
}

}  // namespace edgeseek
#endif
