// Matrix products of a weight (any supported type) with f32 activations.
// Activations are converted once per row to the weight type's partner (vec_dot_type), exactly
// as the format defines its dot product; every weight row is then dotted with them.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "kernels/tensor_view.h"
#include "kernels/thread_pool.h"

namespace edgeseek {

// Y[t * W.rows + r] = dot(W row r, X row t) for t < n_tokens; X is n_tokens x W.cols.
void matmul(const TensorView& W, const float* X, int64_t n_tokens, float* Y, ThreadPool& pool);

// hidden = SwiGLU(X gate^T, X up^T), n_tokens x gate.rows, where SwiGLU(g, u) = silu(g) * u.
// A prompt over packed (or packable) weights of one type takes both products of each 16-row
// group into a per-thread buffer and writes only `hidden`: the two n_tokens x gate.rows
// products never go to memory. Otherwise the gate's product goes to hidden, the up's to
// up_scratch (same size), and SwiGLU runs in place.
void matmul_swiglu(const TensorView& gate, const TensorView& up, const float* X, int64_t n_tokens, float* hidden,
                   float* up_scratch, ThreadPool& pool);

// Several products of the same activations, e.g. {&wq, q}, {&wk, k}, {&wv, v}: equal to
// calling matmul for each; packed matrices of one type share the activation quantization and
// one parallel region.
void matmul_many(std::initializer_list<std::pair<const TensorView*, float*>> products, const float* X, int64_t n_tokens,
                 ThreadPool& pool);

// A prompt's packed products take its tokens in chunks: every 16-row group of weights is read
// from memory once per chunk and runs over the chunk's activations (act_row bytes per token),
// which stay in cache meanwhile. Chunks whose activations fit in budgets.l2 (bytes) keep them
// in L2; when that cuts the prompt into chunks of fewer than kL3ChunkBelow tokens (wide
// matrices: ffn_down), the weights would be streamed too often, and chunks fit budgets.l3
// instead. Returns the tokens per chunk (equal chunks, whole activation panels).
// Why 96: a group's first tile waits for its weights, about 10 / (tokens per chunk) of the
// product's time (a 3584-wide Q4_K group: 32 KB at ~20 GB/s per thread, against 0.16 us of
// products per token); activations in L3 slow every tile by ~5-8%. Zen 5, 7B Q4_K_M: pp128
// (72-token L2 chunks of 3584-wide rows) 86 -> 97-100 t/s from L3; pp512 (120-token L2
// chunks) 95 t/s in L2 against 89-91 from L3; 1.5B pp512 (264-token chunks) 7% slower from L3.
struct ActBudgets {
    size_t l2 = 0, l3 = 0;
};
constexpr int64_t kL3ChunkBelow = 96;
int64_t prompt_token_chunk(int64_t n_tokens, size_t act_row, ActBudgets budgets);
// The budgets of this machine's caches.
ActBudgets act_budgets();
// Tests: the products run with these budgets instead (other caches' sizes; nullopt: this
// machine's again). Not for use while products run.
void override_act_budgets(std::optional<ActBudgets> budgets);
// The groups of 16 rows (group_bytes each) a tile of tokens runs over before the next tile
// (PackedGemmFn's group_block): as many as fill half the L2 that budgets.l2 leaves to weights,
// so the block's weights stay in L2 while its tiles go by, and each tile's activations are read
// from wherever the chunk keeps them (L3 for ffn_down's wide rows) once per block, not once per
// group. 1.5B Q4_K ffn_down (1536 x 8960, 512 tokens from L3, 80 KB groups): one core 701-713
// -> 738-756 GOPS with blocks of 3.
int64_t group_block(size_t group_bytes, ActBudgets budgets);

// Copies row `r` of W as f32 into out (embedding lookup).
void dequantize_row(const TensorView& W, int64_t r, float* out);

}  // namespace edgeseek
