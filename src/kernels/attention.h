// Attention of query heads over the f16 KV cache of their sequence, as llama.cpp computes
// it on CPU: Q rounded to f16 before its products with the cached keys, softmax in f32, the
// softmax weights rounded to f16 before their products with the cached values.
#pragma once
#include <cstdint>

#include "kernels/cpu_features.h"

namespace edgeseek {

// The scalar reference for one query head. q: head_dim floats. k0 / v0: position 0 of this
// head's keys / values; positions are kv_stride values apart. scores: scratch for n_pos
// floats. out: head_dim floats.
void attend_head_scalar(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                        int64_t head_dim, float scale, float* scores, float* out);

// The n_heads query heads that share one KV head (grouped-query attention), in one call so
// each cached key and value is read and converted once for all of them. q / out: the heads'
// head_dim floats one after another (head_dim at most 512). scores: scratch for
// n_heads * n_pos floats. attend_heads_kernel: the kernel for `isa` (the scalar reference
// when it has no specialisation).
using AttendGroupFn = void (*)(const float* q, int64_t n_heads, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride,
                               int64_t n_pos, int64_t head_dim, float scale, float* scores, float* out);

AttendGroupFn attend_heads_kernel(Isa isa = active_isa());
void attend_heads_scalar(const float* q, int64_t n_heads, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride,
                         int64_t n_pos, int64_t head_dim, float scale, float* scores, float* out);
AttendGroupFn attend_heads_avx512();  // attention_avx512.cpp
AttendGroupFn attend_heads_avx2();    // attention_avx2.cpp

// n_tok consecutive query tokens of one sequence at once (a prompt): positions pos0 .. pos0 +
// n_tok - 1, each attending to the keys up to its own position, for the n_heads query heads
// that share one KV head. Token i's heads at q + i * q_stride (its outputs at out + i *
// out_stride), each as attend_heads lays them out. scores: scratch for n_tok * n_heads *
// (pos0 + n_tok) floats. The AVX-512 / AVX2 kernels convert each block of 16 / 8 cached keys
// once for all n_tok * n_heads rows; attend_tokens_scalar calls attend_heads_scalar per token.
// keys: null, or this KV head's keys 0 .. pos0 + n_tok - 1 (at least) as convert_keys_kernel(isa)
// of the same isa wrote them, 64-byte aligned, read instead of converting the cached ones
// again (same results). values: null, or this KV head's values 0 .. pos0 (at least) as
// convert_values_kernel(isa) wrote them, read instead of the cached ones (same results).
constexpr int64_t kAttendTokens = 4;  // tokens per call for a prompt (4 x 6 heads: two 12-row score passes)
// Calls with fewer rows (n_tok * n_heads) than this, or more than 8 heads, go one token at a
// time through attend_heads: too few rows to pay a block's conversion (keys unused).
constexpr int64_t kAttendRowsMin = 8;
using AttendTokensFn = void (*)(const float* q, int64_t q_stride, int64_t n_tok, int64_t n_heads, const uint16_t* k0,
                                const uint16_t* v0, int64_t kv_stride, int64_t pos0, int64_t head_dim, float scale,
                                float* scores, float* out, int64_t out_stride, const float* keys, const float* values);
AttendTokensFn attend_tokens_kernel(Isa isa = active_isa());
void attend_tokens_scalar(const float* q, int64_t q_stride, int64_t n_tok, int64_t n_heads, const uint16_t* k0,
                          const uint16_t* v0, int64_t kv_stride, int64_t pos0, int64_t head_dim, float scale, float* scores,
                          float* out, int64_t out_stride, const float* keys = nullptr, const float* values = nullptr);

// A prompt's blocks of tokens each read every cached key before them; converted once per layer
// for all of them instead of once per block (a 512-token prompt converted each key up to 128
// times). Positions [p0, p1) of one KV head's keys (p0 a multiple of 16) into `keys`, f16 to
// f32 and transposed in blocks of the ISA's width (AVX-512: 16 keys, block p / 16 at p * row
// floats, row = head_dim rounded up to 16, dimension d of its keys at 16 * d, zeros past
// head_dim and past p1; AVX2: 8 keys and head_dim in place of 16 and row), laid out for
// positions from 0: converted_keys_floats(n_pos, head_dim) floats hold positions [0, n_pos)
// for either. nullptr where the ISA's attend_tokens converts the keys itself (scalar).
using ConvertKeysFn = void (*)(const uint16_t* k0, int64_t kv_stride, int64_t p0, int64_t p1, int64_t head_dim, float* keys);
ConvertKeysFn convert_keys_kernel(Isa isa = active_isa());
ConvertKeysFn convert_keys_avx512();  // attention_avx512.cpp
ConvertKeysFn convert_keys_avx2();    // attention_avx2.cpp
int64_t converted_keys_floats(int64_t n_pos, int64_t head_dim);
// The same for the values, which every block of a prompt's tokens also reads from position 0:
// positions [p0, p1) of one KV head's values into `values`, f16 to f32, position p at p * row
// floats (row = head_dim rounded up to 16, zeros past head_dim): converted_values_floats(n_pos,
// head_dim) floats hold positions [0, n_pos), 64-byte aligned. nullptr where attend_tokens
// converts the values itself (scalar). With the values in f32 the kernels' products take no
// conversions and fewer loads (AVX-512, a 24-row block at 1000 positions: 95-115 -> 140-177
// GFLOPS on one core of the 2-vCPU Xeon).
using ConvertValuesFn = void (*)(const uint16_t* v0, int64_t kv_stride, int64_t p0, int64_t p1, int64_t head_dim, float* values);
ConvertValuesFn convert_values_kernel(Isa isa = active_isa());
ConvertValuesFn convert_values_avx512();  // attention_avx512.cpp
ConvertValuesFn convert_values_avx2();    // attention_avx2.cpp
int64_t converted_values_floats(int64_t n_pos, int64_t head_dim);
AttendTokensFn attend_tokens_avx512();  // attention_avx512.cpp
AttendTokensFn attend_tokens_avx2();    // attention_avx2.cpp
// attend_tokens as one `heads` call per token (the scalar path, and the fallback of the others).
void attend_tokens_scalar_order(AttendGroupFn heads, const float* q, int64_t q_stride, int64_t n_tok, int64_t n_heads,
                                const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t pos0, int64_t head_dim,
                                float scale, float* scores, float* out, int64_t out_stride);

}  // namespace edgeseek
