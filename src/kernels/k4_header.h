// The 16-byte header of a Q4_K / Q5_K block (d, dmin, 12 bytes of packed six-bit scales and
// mins) as the four-row decode kernels unpack it, one header per 128-bit lane: shuffles and
// masks shared by rows4_kquants_avx512.h and rows4_avx2.h.
#pragma once
#include <cstddef>
#include <cstdint>

#include "quant/blocks.h"

namespace edgeseek::k4_header {

static_assert(offsetof(BlockQ4_K, scales) == 4 && sizeof(BlockQ4_K::scales) == 12 && offsetof(BlockQ5_K, scales) == 4 &&
                  sizeof(BlockQ5_K::scales) == 12,
              "a 16-byte header: d, dmin, scales");

// The scale bytes s[0..11] (lane bytes 4..15) to scales 0..7 in bytes 0..7 and mins 0..7 in
// bytes 8..15 (the layout quant/k_quants.h describes): scale j < 4 is s[j] & 63, min j < 4 is
// s[j + 4] & 63; scale j >= 4 is (s[j + 4] & 15) | (s[j - 4] >> 6) << 4, min j >= 4 is
// (s[j + 4] >> 4) | (s[j] >> 6) << 4. Shuffle kLow brings each value's low bits' byte (mins
// j >= 4, words 6 and 7 of the lane, then shifted right by 4), kTop the byte whose bits 6..7 are
// its top bits (shifted right by 2 into bits 4..5); then (low & kLowMask) | (top & kTopMask).
inline constexpr int8_t kLow[16] = {4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15};
inline constexpr int8_t kTop[16] = {4, 5, 6, 7, 4, 5, 6, 7, 8, 9, 10, 11, 8, 9, 10, 11};
inline constexpr int8_t kLowMask[16] = {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15};
inline constexpr int8_t kTopMask[16] = {0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30};

}  // namespace edgeseek::k4_header
