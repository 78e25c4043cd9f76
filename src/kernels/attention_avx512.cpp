// AVX-512 attention over the f16 cache: keys and values converted 16 at a time with
// vcvtph2ps, f16 rounding of Q and of the softmax weights with vcvtps2ph (round to nearest
// even, as the scalar fp32_to_fp16). Sums run in a different order than the scalar reference:
// results agree to float rounding.
#if defined(__x86_64__)
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

void attend_head(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                 int64_t head_dim, float scale, float* scores, float* out) {
    constexpr int kMaxChunks = 512 / 16;
    const int64_t chunks = (head_dim + 15) / 16;
    __m512 qr[kMaxChunks];
    for (int64_t c = 0; c < chunks; ++c) {
        const __mmask16 m = tail_mask(head_dim - 16 * c);
        qr[c] = round_f16(_mm512_maskz_loadu_ps(m, q + 16 * c));
    }
    for (int64_t p = 0; p < n_pos; ++p) {
        const uint16_t* k = k0 + p * kv_stride;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t c = 0; c < chunks; ++c) acc = _mm512_fmadd_ps(qr[c], load_f16(k + 16 * c, tail_mask(head_dim - 16 * c)), acc);
        scores[p] = _mm512_reduce_add_ps(acc) * scale;
    }
    softmax(scores, n_pos);
    // Weights rounded to f16, 16 at a time.
    int64_t p = 0;
    for (; p + 16 <= n_pos; p += 16) _mm512_storeu_ps(scores + p, round_f16(_mm512_loadu_ps(scores + p)));
    if (p < n_pos) {
        const __mmask16 m = tail_mask(n_pos - p);
        _mm512_mask_storeu_ps(scores + p, m, round_f16(_mm512_maskz_loadu_ps(m, scores + p)));
    }
    __m512 acc[kMaxChunks];
    for (int64_t c = 0; c < chunks; ++c) acc[c] = _mm512_setzero_ps();
    for (p = 0; p < n_pos; ++p) {
        const __m512 w = _mm512_set1_ps(scores[p]);
        const uint16_t* v = v0 + p * kv_stride;
        for (int64_t c = 0; c < chunks; ++c) acc[c] = _mm512_fmadd_ps(w, load_f16(v + 16 * c, tail_mask(head_dim - 16 * c)), acc[c]);
    }
    for (int64_t c = 0; c < chunks; ++c) _mm512_mask_storeu_ps(out + 16 * c, tail_mask(head_dim - 16 * c), acc[c]);
}

}  // namespace

AttendHeadFn attend_head_avx512() { return attend_head; }

}  // namespace edgeseek
#endif
