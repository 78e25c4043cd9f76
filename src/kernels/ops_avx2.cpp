// AVX2 + FMA RMS norm, residual add and RoPE (the same bits as the scalar references, as in
// ops_avx512.cpp), softmax and SwiGLU, and the KV cache's f16 stores (F16C), for CPUs without
// AVX-512 (most laptops): the same exp as ops_avx512.cpp, 8 lanes at a time. exp(x) = 2^n e^r,
// n = round(x / ln 2), r = x - n ln 2 in two parts, e^r by its degree-7 Taylor polynomial;
// without vscalefps, 2^n is built in the exponent field, in two halves (2^(n/2) 2^(n - n/2))
// so that results from the largest finite float down to the subnormals and 0 come out of the
// float products' own rounding.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>

#include "kernels/norm_common.h"
#include "kernels/ops.h"

namespace edgeseek {
namespace {

inline __m256 exp8(__m256 x) {
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.72f)), _mm256_set1_ps(-104.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i ni = _mm256_cvtps_epi32(n);  // -150 .. 128
    const __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

// Lanes below `left` (all 8 from 8 on).
inline __m256i tail(int64_t left) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 8 ? left : 8)), lanes);
}

inline float hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// The norm's two passes: the sum of squares (x += b first when kAdd), then the scaling.
template <bool kAdd>
void norm(norm_common::NormX<kAdd>* x, const float* b, float* out, const float* w, int64_t n, float eps) {
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();  // the reference's part[0..3], part[4..7]
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        if constexpr (kAdd) {
            v = _mm256_add_ps(v, _mm256_loadu_ps(b + i));
            _mm256_storeu_ps(x + i, v);
        }
        const __m256d dl = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), dh = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        lo = _mm256_add_pd(lo, _mm256_mul_pd(dl, dl));
        hi = _mm256_add_pd(hi, _mm256_mul_pd(dh, dh));
    }
    alignas(32) double p[8];
    _mm256_store_pd(p, lo);
    _mm256_store_pd(p + 4, hi);
    const float scale = norm_common::finish_scale<kAdd>(p, x, b, i, n, eps);
    const __m256 vs = _mm256_set1_ps(scale);
    for (i = 0; i < n; i += 8) {
        const __m256i k = tail(n - i);
        __m256 y = _mm256_mul_ps(_mm256_maskload_ps(x + i, k), vs);
        if (w) y = _mm256_mul_ps(y, _mm256_maskload_ps(w + i, k));
        _mm256_maskstore_ps(out + i, k, y);
    }
}

}  // namespace

void rmsnorm_avx2(float* out, const float* x, const float* w, int64_t n, float eps) {
    norm<false>(x, nullptr, out, w, n, eps);
}

void add_rmsnorm_avx2(float* x, const float* b, float* out, const float* w, int64_t n, float eps) {
    norm<true>(x, b, out, w, n, eps);
}

void add_avx2(float* x, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; i += 8) {
        const __m256i k = tail(n - i);
        _mm256_maskstore_ps(x + i, k, _mm256_add_ps(_mm256_maskload_ps(x + i, k), _mm256_maskload_ps(b + i, k)));
    }
}

void rope_apply_avx2(float* x, const float* cos_in, const float* sin_in, const RopeParams& p) {
    const int64_t half = p.n_rot / 2;
    if (p.neox) {  // pairs (i, i + half): both halves as they lie
        for (int64_t i = 0; i < half; i += 8) {
            const __m256i k = tail(half - i);
            const __m256 a = _mm256_maskload_ps(x + i, k), b = _mm256_maskload_ps(x + half + i, k);
            const __m256 c = _mm256_maskload_ps(cos_in + i, k), s = _mm256_maskload_ps(sin_in + i, k);
            _mm256_maskstore_ps(x + i, k, _mm256_sub_ps(_mm256_mul_ps(a, c), _mm256_mul_ps(b, s)));
            _mm256_maskstore_ps(x + half + i, k, _mm256_add_ps(_mm256_mul_ps(a, s), _mm256_mul_ps(b, c)));
        }
        return;
    }
    // Pairs (2i, 2i + 1), 4 per vector: x * (c0 c0 c1 c1 ..) + swapped x * (-s0 s0 -s1 s1 ..).
    const __m256i dup = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
    const __m256 neg_even = _mm256_castsi256_ps(_mm256_set1_epi64x(static_cast<long long>(0x80000000ull)));
    for (int64_t i = 0; i < half; i += 4) {
        const int64_t left = half - i;
        const __m256i k = tail(2 * left);
        const __m128i k4 = _mm256_castsi256_si128(tail(left));
        const __m256 c = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_maskload_ps(cos_in + i, k4)), dup);
        const __m256 s = _mm256_xor_ps(_mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_maskload_ps(sin_in + i, k4)), dup),
                                       neg_even);
        const __m256 v = _mm256_maskload_ps(x + 2 * i, k);
        const __m256 swapped = _mm256_permute_ps(v, 0xb1);
        _mm256_maskstore_ps(x + 2 * i, k, _mm256_add_ps(_mm256_mul_ps(v, c), _mm256_mul_ps(swapped, s)));
    }
}

void softmax_avx2(float* x, int64_t n) {
    if (n <= 0) return;
    const __m256 lowest = _mm256_set1_ps(-INFINITY);
    __m256 mx = lowest;
    for (int64_t i = 0; i < n; i += 8) {
        const __m256i k = tail(n - i);
        mx = _mm256_max_ps(mx, _mm256_blendv_ps(lowest, _mm256_maskload_ps(x + i, k), _mm256_castsi256_ps(k)));
    }
    const float m = hmax(mx);
    if (std::isinf(m) && m < 0) return softmax_scalar(x, n);  // all -inf: the reference's NaNs
    const __m256 vm = _mm256_set1_ps(m);
    __m256 sum = _mm256_setzero_ps();
    for (int64_t i = 0; i < n; i += 8) {
        const __m256i k = tail(n - i);
        const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(x + i, k), vm)), _mm256_castsi256_ps(k));
        _mm256_maskstore_ps(x + i, k, e);
        sum = _mm256_add_ps(sum, e);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / hsum(sum));
    for (int64_t i = 0; i < n; i += 8) {
        const __m256i k = tail(n - i);
        _mm256_maskstore_ps(x + i, k, _mm256_mul_ps(_mm256_maskload_ps(x + i, k), inv));
    }
}

void swiglu_avx2(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (int64_t t = 0; t < rows; ++t, out += ldo, gate += ld, up += ld) {
        for (int64_t i = 0; i < n; i += 8) {
            const __m256i k = tail(n - i);
            const __m256 g = _mm256_maskload_ps(gate + i, k);
            const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), g));
            const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
            _mm256_maskstore_ps(out + i, k, _mm256_mul_ps(silu, _mm256_maskload_ps(up + i, k)));
        }
    }
}

void fp32_to_fp16_row_avx2(uint16_t* out, const float* x, int64_t n) {
    int64_t i = 0;
    const __m128i sign = _mm_set1_epi16(static_cast<short>(0x8000)), quiet = _mm_set1_epi16(0x7e00);
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        // NaNs as fp32_to_fp16 writes them: sign | 0x7e00 (vcvtps2ph keeps payload bits).
        const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        const __m128i nan16 = _mm_packs_epi32(_mm256_castsi256_si128(_mm256_castps_si256(nan)),
                                              _mm256_extractf128_si256(_mm256_castps_si256(nan), 1));
        h = _mm_blendv_epi8(h, _mm_or_si128(_mm_and_si128(h, sign), quiet), nan16);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
    }
    if (i < n) {  // the last 1-7 values through a full vector on the stack
        alignas(32) float in[8] = {};
        alignas(16) uint16_t h[8];
        for (int64_t j = i; j < n; ++j) in[j - i] = x[j];
        fp32_to_fp16_row_avx2(h, in, 8);
        for (int64_t j = i; j < n; ++j) out[j] = h[j - i];
    }
}

}  // namespace edgeseek
#endif
