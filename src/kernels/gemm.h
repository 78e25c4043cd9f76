// Batched products (prompt processing): many activation rows against the same weights,
// computed in register tiles of up to 4 weight rows x 4 tokens so each loaded block is used
// several times. Results equal the per-row dot kernels up to float summation order.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"
#include "quant/types.h"

namespace edgeseek {

// Y[t * ldy + r] for r in [r0, r1), t in [0, n_tokens); act rows are act_row bytes apart in
// the weight type's vec_dot_type. Weight rows are w_row bytes apart.
using GemmFn = void (*)(int64_t k, const uint8_t* w, size_t w_row, int64_t r0, int64_t r1, const uint8_t* act,
                        size_t act_row, int64_t n_tokens, float* y, int64_t ldy);

// nullptr when no tiled kernel exists for t on isa (matmul then loops over vec_dot).
GemmFn gemm_kernel(GgmlType t, Isa isa = active_isa());
GemmFn gemm_avx512(GgmlType t);

}  // namespace edgeseek
