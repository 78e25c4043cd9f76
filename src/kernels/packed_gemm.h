// The loop every packed kernel shares (the AVX-512 and the AVX2 tiles): blocks of groups of 16
// rows in order, each block over all tokens in tiles of K::kTile and one shorter tile for the
// rest, every tile over the block's groups in turn; a block's first tile streams its weights
// from memory and prefetches ahead (into the next group, next in memory), its later tiles find
// them in L2, and their activations there too after the block's first group (wide rows: the
// same for each column slice in turn, gemm_sliced below). K provides kType, kTile and
//   template <int T, bool Stream> static void tile(cols, grp, acts, t0, y, ldy, rows_in_group);
// Included by the ISA-specific units, whose kernel types have internal linkage, so each unit
// instantiates its own copy for its own instruction set.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>

#include "kernels/packed.h"

namespace edgeseek {
namespace packed_loop {

// The last tokens, fewer than a tile: one call of the tile for exactly that many.
template <typename K, bool Stream, int... R>
void last_tile(int64_t left, std::integer_sequence<int, R...>, int64_t cols, const uint8_t* grp, const PackedActs& a,
               int64_t t0, float* y, int64_t ldy, int64_t nr) {
    ((left == R + 1 ? K::template tile<R + 1, Stream>(cols, grp, a, t0, y, ldy, nr) : void()), ...);
}

// The token tiles over groups b0 .. b1 - 1 (cols columns each; group g's bytes at packed + g *
// gbytes, its results from y + 16 g): the first tile streams the groups' weights from memory,
// group after group in memory order, the others find them in L2, the last may be shorter.
// Plain loops around direct calls: the tiles stay functions of their own (a tile inlined into a
// lambda here spilled the AVX2 Q4_K tile's registers: ~355 -> 226 GOPS).
template <typename K>
void block_tiles(int64_t cols, const uint8_t* packed, size_t gbytes, int64_t rows, int64_t b0, int64_t b1,
                 const PackedActs& a, int64_t n_tokens, float* y, int64_t ldy) {
    constexpr auto kShorter = std::make_integer_sequence<int, K::kTile - 1>{};
    auto grp = [&](int64_t g) { return packed + static_cast<size_t>(g) * gbytes; };
    auto yg = [&](int64_t g) { return y + g * kPackRows; };
    auto nr = [&](int64_t g) { return std::min<int64_t>(kPackRows, rows - g * kPackRows); };
    if (n_tokens < K::kTile) {
        for (int64_t g = b0; g < b1; ++g) last_tile<K, true>(n_tokens, kShorter, cols, grp(g), a, 0, yg(g), ldy, nr(g));
        return;
    }
    for (int64_t g = b0; g < b1; ++g) K::template tile<K::kTile, true>(cols, grp(g), a, 0, yg(g), ldy, nr(g));
    int64_t t = K::kTile;
    for (; t + K::kTile <= n_tokens; t += K::kTile) {
        for (int64_t g = b0; g < b1; ++g) K::template tile<K::kTile, false>(cols, grp(g), a, t, yg(g), ldy, nr(g));
    }
    if (t < n_tokens) {
        for (int64_t g = b0; g < b1; ++g) last_tile<K, false>(n_tokens - t, kShorter, cols, grp(g), a, t, yg(g), ldy, nr(g));
    }
}

// Wide rows (ffn_down: 8960 values on the 1.5B shape, 18944 on the 7B) go through a prompt in
// column slices of at most kSliceValues: a tile's activations for a whole row (12 tokens x 8960
// bytes for Q8_0's, 105 KiB) do not stay in L1 while it runs over the block's groups, a slice's
// (~21 KiB) do, and the weights come from L2 alone. The first slice stores, the others add.
// Two threads, 1536 x 8960, 512 tokens (the 1.5B shape's ffn_down), whole rows against slices:
// Q8_0 506-548 -> 636-681 GOPS, Q4_K 723-780 -> 798-811, Q6_K 562-651 -> 593-698, Q4_0
// 543-615 -> 545-633; the 7B shape's (3584 x 18944, 128 tokens) the same either way.
// Every quantized type's tiles honour PackedActs::accumulate (the float tiles take whole rows);
// where the slices start is the layout's (packed_slicing).
constexpr int64_t kSliceAbove = 4096, kSliceValues = 2048;

template <typename K>
void gemm_sliced(int64_t cols, const uint8_t* packed, int64_t rows, int64_t g0, int64_t g1, const PackedActs& a,
                 int64_t n_tokens, float* y, int64_t ldy, int64_t group_block) {
    const size_t gbytes = packed_group_bytes(K::kType, cols);
    // Equal slices of whole units (block pairs, super-blocks), the last one shorter.
    constexpr PackedSlicing kSlicing = packed_slicing(K::kType);
    const int64_t n_slices = (cols + kSliceValues - 1) / kSliceValues;
    const int64_t width = ((cols + n_slices - 1) / n_slices + kSlicing.unit - 1) / kSlicing.unit * kSlicing.unit;
    // group_block counts whole groups that fill half the L2; a slice of each is cols / width
    // times smaller.
    const int64_t block = std::max<int64_t>(1, group_block) * std::max<int64_t>(1, cols / width);
    for (int64_t b0 = g0; b0 < g1; b0 += block) {
        const int64_t b1 = std::min(g1, b0 + block);
        for (int64_t k0 = 0; k0 < cols; k0 += width) {
            const int64_t kn = std::min(width, cols - k0);
            PackedActs s = a;  // the slice's activations: its blocks, the panels' layout unchanged
            s.q += k0 * a.panel;
            s.d += k0 / kSlicing.d_values * a.stride;
            s.init += k0 / kSlicing.init_values * a.stride;
            if (s.sums) s.sums += k0 / 32 * a.stride;
            s.accumulate = k0 > 0;
            block_tiles<K>(kn, packed + packed_group_bytes(K::kType, k0), gbytes, rows, b0, b1, s, n_tokens, y, ldy);
        }
    }
}

// A PackedGemmFn (packed.h) over kernel K.
template <typename K>
void gemm(int64_t cols, const uint8_t* packed, int64_t rows, int64_t g0, int64_t g1, const PackedActs& a,
          int64_t n_tokens, float* y, int64_t ldy, int64_t group_block) {
    static_assert(kActPanel % K::kTile == 0, "a tile's tokens lie in one activation panel");
    if constexpr (!packed_float(K::kType)) {
        if (cols > kSliceAbove && n_tokens >= K::kTile) {
            gemm_sliced<K>(cols, packed, rows, g0, g1, a, n_tokens, y, ldy, group_block);
            return;
        }
    }
    const size_t gbytes = packed_group_bytes(K::kType, cols);
    const int64_t block = std::max<int64_t>(1, group_block);
    for (int64_t b0 = g0; b0 < g1; b0 += block) {
        block_tiles<K>(cols, packed, gbytes, rows, b0, std::min(g1, b0 + block), a, n_tokens, y, ldy);
    }
}

}  // namespace packed_loop
}  // namespace edgeseek
