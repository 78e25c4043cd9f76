// Block layouts, byte-compatible with GGUF files as ggml writes them.
// Reference: ggml's ggml-common.h block definitions (read for the layout, not copied).
#pragma once
#include <cstdint>

namespace edgeseek {

constexpr int kQK8_0 = 32;
struct BlockQ8_0 {
    uint16_t d;             // f16 scale
    int8_t qs[kQK8_0];      // value = qs * d
};
static_assert(sizeof(BlockQ8_0) == 34, "q8_0 block is 34 bytes");

constexpr int kQK4_0 = 32;
struct BlockQ4_0 {
    uint16_t d;               // f16 scale
    uint8_t qs[kQK4_0 / 2];   // element j in low nibble of qs[j], element j+16 in the high nibble
};
static_assert(sizeof(BlockQ4_0) == 18, "q4_0 block is 18 bytes");

}  // namespace edgeseek
