// The text `edgeseek quantize` prints: a line per tensor (--verbose), the progress line and the
// summary table. Plain strings, so tests and other front ends can use them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "quantize/model_quantizer.h"

namespace edgeseek {

std::string format_bytes(uint64_t bytes);  // "1.10 MiB"

// "[ 3/27] blk.0.attn_q.weight  [256, 256]  f32 -> q4_K  256.00 KiB -> 36.00 KiB", with the
// fallback reason appended when there is one.
std::string format_tensor_line(const TensorPlan& p, size_t index, size_t n_tensors);

// "tensor 12/27  3.10/7.02 MiB  45.2 MB/s  ETA 0:02"; with bar_width > 0 a bar leads the line.
std::string format_progress(const QuantizeProgress& p, int bar_width);

// Tensor count, values and bytes per output type; input -> output size; bits per weight; the
// tensors that fell back to another type and why.
std::string format_summary(const std::vector<TensorPlan>& plan, const QuantizeStats& stats);

}  // namespace edgeseek
