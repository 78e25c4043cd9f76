#include "kernels/matmul.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/gemm.h"
#include "kernels/vec_dot.h"

namespace edgeseek {

namespace {
constexpr size_t kPrefetchAhead = 4096;
}  // namespace

void dequantize_row(const TensorView& W, int64_t r, float* out) {
    type_traits(W.type)->to_float(W.row(r), out, W.cols);
}

void matmul(const TensorView& W, const float* X, int64_t n_tokens, float* Y, ThreadPool& pool) {
    const TypeTraits* wt = type_traits(W.type);
    if (!wt || !wt->vec_dot) {
        throw Error("tensor type " + type_name(W.type) + " is not supported for computation", "tensor '" + W.name + "'",
                    "re-quantize the model to a supported type such as q8_0 or q4_0");
    }
    const VecDotFn dot = vec_dot_kernel(W.type);
    const FromFloatFn quantize = quantize_act_kernel(wt->vec_dot_type);
    const size_t act_row = row_size(wt->vec_dot_type, W.cols);
    thread_local std::vector<uint8_t> act;
    act.resize(act_row * static_cast<size_t>(n_tokens));
    uint8_t* act_data = act.data();
    pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
        for (int64_t t = b; t < e; ++t) quantize(X + t * W.cols, act_data + t * act_row, W.cols);
    });
    const int64_t rows = W.rows;
    // Prompt batches go through the tiled kernel when the type has one (an even number of
    // 32-value blocks per row); single tokens and other types use the per-row dot kernel.
    const GemmFn gemm = n_tokens > 1 && W.cols % 64 == 0 ? gemm_kernel(W.type) : nullptr;
    if (gemm) {
        // Split rows in chunks of 16 so both threads get work and each tile's rows are adjacent.
        const int64_t chunks = (rows + 15) / 16;
        pool.parallel_for(chunks, [&](int64_t b, int64_t e, int) {
            gemm(W.cols, static_cast<const uint8_t*>(W.data), W.row_bytes(), b * 16, std::min(rows, e * 16), act_data,
                 act_row, n_tokens, Y, rows);
        });
        return;
    }
    // Rows split across threads; for a batch, each weight row is read once and dotted with
    // every activation row while it is hot in cache.
    // Software prefetch: decode is bound by how fast weight bytes arrive, and one dependent dot
    // per row leaves the hardware prefetcher behind; ask for the bytes kPrefetchAhead ahead of
    // the row being dotted (rows are contiguous, so this runs across row ends too).
    const size_t row_bytes = W.row_bytes();
    pool.parallel_for(rows, [&](int64_t b, int64_t e, int) {
        const char* end = reinterpret_cast<const char*>(W.row(e - 1)) + row_bytes;
        for (int64_t r = b; r < e; ++r) {
            const void* wrow = W.row(r);
            const char* ahead = reinterpret_cast<const char*>(wrow) + kPrefetchAhead;
            for (size_t off = 0; off < row_bytes && ahead + off < end; off += 64) __builtin_prefetch(ahead + off, 0, 3);
            for (int64_t t = 0; t < n_tokens; ++t) {
                Y[t * rows + r] = dot(W.cols, wrow, act_data + t * act_row);
            }
        }
    });
}

}  // namespace edgeseek
