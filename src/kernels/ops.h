// The small per-token operations of a transformer layer, by name.
#pragma once
#include <cstdint>

namespace edgeseek {

// out = x / rms(x) * w   (w may be null: no scale). out may be x.
void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps);
// The residual add and the next norm in one pass: x[i] += b[i], then out = rmsnorm(x).
void add_rmsnorm(float* x, const float* b, float* out, const float* w, int64_t n, float eps);
// Scalar references and the AVX-512 / AVX2 versions the two above dispatch to. Every path
// sums the squares in double in eight running sums (lane i % 8), combined in one order, so the
// paths agree bit for bit (a float's square is exact in double).
void rmsnorm_scalar(float* out, const float* x, const float* w, int64_t n, float eps);
void add_rmsnorm_scalar(float* x, const float* b, float* out, const float* w, int64_t n, float eps);
void rmsnorm_avx512(float* out, const float* x, const float* w, int64_t n, float eps);
void add_rmsnorm_avx512(float* x, const float* b, float* out, const float* w, int64_t n, float eps);
void rmsnorm_avx2(float* out, const float* x, const float* w, int64_t n, float eps);
void add_rmsnorm_avx2(float* x, const float* b, float* out, const float* w, int64_t n, float eps);

// Rotary embedding of one head vector in place. n_rot dims are rotated (the rest untouched).
// neox: pairs (i, i + n_rot/2); normal: pairs (2i, 2i+1). freq_factors (or null) divides
// each pair's frequency (llama3 scaling); freq_scale multiplies the position (linear scaling).
struct RopeParams {
    int n_rot = 0;
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;
    bool neox = false;
    const float* freq_factors = nullptr;
};
void rope(float* x, int64_t pos, const RopeParams& p);
// The same in two steps, so a forward pass takes the n_rot / 2 angles' cosines and sines of a
// position once and applies them to every head of every layer (rope = rope_angles + rope_apply).
void rope_angles(int64_t pos, const RopeParams& p, float* cos_out, float* sin_out);
void rope_apply(float* x, const float* cos_in, const float* sin_in, const RopeParams& p);
// rope_apply's scalar reference and SIMD versions: each pair's products rounded apart, then
// subtracted / added (no fused multiply-add), so every path gives the reference's bits.
void rope_apply_scalar(float* x, const float* cos_in, const float* sin_in, const RopeParams& p);
void rope_apply_avx512(float* x, const float* cos_in, const float* sin_in, const RopeParams& p);
void rope_apply_avx2(float* x, const float* cos_in, const float* sin_in, const RopeParams& p);

// In place softmax over n values.
void softmax(float* x, int64_t n);

// SwiGLU of `rows` rows of n values: out[t * ldo + i] = silu(gate[t * ld + i]) * up[t * ld + i].
// out may be gate or up (same ld) for an in-place product.
void swiglu_rows(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows);
// One row: out[i] = silu(gate[i]) * up[i].
inline void swiglu(float* out, const float* gate, const float* up, int64_t n) { swiglu_rows(out, n, gate, up, n, n, 1); }

// The two above dispatch on the active ISA; these are their scalar references (std::exp) and
// the AVX-512 versions (ops_avx512.cpp: a polynomial exp within 2 ulp of std::exp).
void softmax_scalar(float* x, int64_t n);
void swiglu_scalar(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows);
void softmax_avx512(float* x, int64_t n);
void swiglu_avx512(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows);
// AVX2 + FMA (ops_avx2.cpp: the same exp, 8 lanes at a time).
void softmax_avx2(float* x, int64_t n);
void swiglu_avx2(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows);

// x[i] += b[i], dispatched like the rest (the scalar loop, or 16 / 8 lanes at a time).
void add(float* x, const float* b, int64_t n);
void add_scalar(float* x, const float* b, int64_t n);
void add_avx512(float* x, const float* b, int64_t n);
void add_avx2(float* x, const float* b, int64_t n);

// out[i] = x[i] as IEEE half, rounded to nearest even exactly as fp32_to_fp16 (quant/f16.h)
// rounds (any NaN to the quiet NaN it writes): the KV cache's stores. Dispatches on the active
// ISA; the AVX-512 and AVX2 versions convert 16 / 8 at a time (vcvtps2ph).
void fp32_to_fp16_row(uint16_t* out, const float* x, int64_t n);
void fp32_to_fp16_row_avx512(uint16_t* out, const float* x, int64_t n);
void fp32_to_fp16_row_avx2(uint16_t* out, const float* x, int64_t n);

}  // namespace edgeseek
