// Attention of one query head over the f16 KV cache of its sequence, as llama.cpp computes
// it on CPU: Q rounded to f16 before its products with the cached keys, softmax in f32, the
// softmax weights rounded to f16 before their products with the cached values.
#pragma once
#include <cstdint>

#include "kernels/cpu_features.h"

namespace edgeseek {

// q: head_dim floats. k0 / v0: position 0 of this head's keys / values; positions are
// kv_stride values apart. scores: scratch for n_pos floats. out: head_dim floats.
using AttendHeadFn = void (*)(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                              int64_t head_dim, float scale, float* scores, float* out);

// The kernel for `isa` (the scalar reference when it has no specialisation).
AttendHeadFn attend_head_kernel(Isa isa = active_isa());
void attend_head_scalar(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                        int64_t head_dim, float scale, float* scores, float* out);
AttendHeadFn attend_head_avx512();  // attention_avx512.cpp

}  // namespace edgeseek
