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


// ---- the other 32-value blocks ----------------------------------------------------------------

constexpr int kQK4_1 = 32;
struct BlockQ4_1 {
    uint16_t d;               // f16 scale
    uint16_t m;               // f16 offset: value = q * d + m
    uint8_t qs[kQK4_1 / 2];   // nibbles as in Q4_0
};
static_assert(sizeof(BlockQ4_1) == 20, "q4_1 block is 20 bytes");

constexpr int kQK5_0 = 32;
struct BlockQ5_0 {
    uint16_t d;               // f16 scale: value = (q - 16) * d
    uint8_t qh[4];            // fifth bits, little-endian uint32: bit j belongs to element j
    uint8_t qs[kQK5_0 / 2];   // low four bits, nibbles as in Q4_0
};
static_assert(sizeof(BlockQ5_0) == 22, "q5_0 block is 22 bytes");

constexpr int kQK5_1 = 32;
struct BlockQ5_1 {
    uint16_t d;               // f16 scale
    uint16_t m;               // f16 offset: value = q * d + m
    uint8_t qh[4];            // as in Q5_0
    uint8_t qs[kQK5_1 / 2];
};
static_assert(sizeof(BlockQ5_1) == 24, "q5_1 block is 24 bytes");

constexpr int kQK8_1 = 32;
struct BlockQ8_1 {
    uint16_t d;               // f16 scale: value = qs * d
    uint16_t s;               // f16 of d * sum(qs): lets Q4_1/Q5_1 dots apply their offset once
    int8_t qs[kQK8_1];
};
static_assert(sizeof(BlockQ8_1) == 36, "q8_1 block is 36 bytes");

constexpr int kQK4_NL = 32;
struct BlockIQ4_NL {
    uint16_t d;                // f16 scale: value = d * kIQ4NLValues[q]
    uint8_t qs[kQK4_NL / 2];   // nibbles as in Q4_0
};
static_assert(sizeof(BlockIQ4_NL) == 18, "iq4_nl block is 18 bytes");

// ---- 256-value super-blocks (k-quants) -------------------------------------------------------
// Element order inside qs follows ggml: see the to_float functions in k_quants_dequant.cpp.

constexpr int kQK_K = 256;
constexpr int kKScaleSize = 12;  // 8 six-bit scales + 8 six-bit mins (Q4_K, Q5_K)

struct BlockQ2_K {
    uint8_t scales[kQK_K / 16];  // per 16 values: low nibble scale, high nibble min
    uint8_t qs[kQK_K / 4];       // 2-bit quants
    uint16_t d;                  // f16 scale of the scales
    uint16_t dmin;               // f16 scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84, "q2_K block is 84 bytes");

struct BlockQ3_K {
    uint8_t hmask[kQK_K / 8];    // third (high) bit of each quant
    uint8_t qs[kQK_K / 4];       // low 2 bits
    uint8_t scales[12];          // 16 six-bit signed scales (offset 32)
    uint16_t d;                  // f16 scale of the scales
};
static_assert(sizeof(BlockQ3_K) == 110, "q3_K block is 110 bytes");

struct BlockQ4_K {
    uint16_t d;                  // f16 scale of the scales
    uint16_t dmin;               // f16 scale of the mins
    uint8_t scales[kKScaleSize]; // 8 six-bit scales and 8 six-bit mins, one pair per 32 values
    uint8_t qs[kQK_K / 2];       // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144, "q4_K block is 144 bytes");

struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[kKScaleSize]; // as Q4_K
    uint8_t qh[kQK_K / 8];       // fifth bits
    uint8_t qs[kQK_K / 2];       // low 4 bits
};
static_assert(sizeof(BlockQ5_K) == 176, "q5_K block is 176 bytes");

struct BlockQ6_K {
    uint8_t ql[kQK_K / 2];       // low 4 bits
    uint8_t qh[kQK_K / 4];       // high 2 bits
    int8_t scales[kQK_K / 16];   // 8-bit signed scale per 16 values
    uint16_t d;                  // f16 scale of the scales
};
static_assert(sizeof(BlockQ6_K) == 210, "q6_K block is 210 bytes");

// Activation partner of the k-quants: float scale and the sums of each 16 quants.
struct BlockQ8_K {
    float d;
    int8_t qs[kQK_K];
    int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292, "q8_K block is 292 bytes");

struct BlockIQ4_XS {
    uint16_t d;                  // f16 scale of the scales
    uint16_t scales_h;           // high 2 bits of the 8 six-bit scales (offset 32)
    uint8_t scales_l[kQK_K / 64];// low 4 bits of the scales, two per byte
    uint8_t qs[kQK_K / 2];       // per 32 values: nibbles as in IQ4_NL
};
static_assert(sizeof(BlockIQ4_XS) == 136, "iq4_xs block is 136 bytes");

}  // namespace edgeseek
