// Matrix products of a weight (any supported type) with f32 activations.
// Activations are converted once per row to the weight type's partner (vec_dot_type), exactly
// as the format defines its dot product; every weight row is then dotted with them.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "kernels/tensor_view.h"
#include "kernels/thread_pool.h"

namespace edgeseek {

// Y[t * W.rows + r] = dot(W row r, X row t) for t < n_tokens; X is n_tokens x W.cols.
void matmul(const TensorView& W, const float* X, int64_t n_tokens, float* Y, ThreadPool& pool);

// matmul(W, SwiGLU(gate, up)): gate and up are n_tokens x W.cols; SwiGLU(g, u) = silu(g) * u.
// Packed weights take each token's SwiGLU row just before packing it, so the n_tokens x W.cols
// hidden state is never written (a prompt's FFN on a host whose L3 cannot hold gate, up and
// hidden at once); otherwise it is computed into `hidden` (same size), then multiplied.
void matmul_swiglu(const TensorView& W, const float* gate, const float* up, int64_t n_tokens, float* hidden, float* Y,
                   ThreadPool& pool);

// Several products of the same activations, e.g. {&wq, q}, {&wk, k}, {&wv, v}: equal to
// calling matmul for each; packed matrices of one type share the activation quantization and
// one parallel region.
void matmul_many(std::initializer_list<std::pair<const TensorView*, float*>> products, const float* X, int64_t n_tokens,
                 ThreadPool& pool);

// Copies row `r` of W as f32 into out (embedding lookup).
void dequantize_row(const TensorView& W, int64_t r, float* out);

}  // namespace edgeseek
