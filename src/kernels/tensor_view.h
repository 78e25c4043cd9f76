// A weight as the engine sees it: a pointer into the mapped file, its type and 2-D shape.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "quant/types.h"

namespace edgeseek {

struct TensorView {
    const void* data = nullptr;
    GgmlType type = GgmlType::F32;
    int64_t cols = 0;  // values per row (ggml ne[0])
    int64_t rows = 1;  // ggml ne[1] (times ne[2], ne[3])
    std::string name;
    // The same matrix in the interleaved layout of kernels/packed.h, when the model repacked it
    // at load (matmul then reads only this).
    const uint8_t* packed = nullptr;

    bool empty() const { return data == nullptr; }
    size_t row_bytes() const { return row_size(type, cols); }
    const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + static_cast<size_t>(r) * row_bytes(); }
};

}  // namespace edgeseek
