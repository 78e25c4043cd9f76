// Interleaved ("repacked") weights for every type but F32: built once at load for the AVX-512
// tiles and the AVX2 ones (packed_avx2.cpp), or group by group while a prompt runs
// over weights left in the file's layout (matmul.cpp). Rows are taken 16 at a time (a group);
// per 32-value block a group stores its 16 f16 scales together and its quants so that one
// 64-byte load gives, for 4 consecutive k, the 16 rows' bytes side by side: exactly the
// operand `vpdpbusd` multiplies with 4 activation bytes broadcast to every lane. Each product
// then yields 16 rows' partial dots at once, with no shuffles and no horizontal sums, for one
// token (decode) or a tile of tokens (prefill).
//
// Group layout, nb = cols / 32 blocks, in units of two blocks (BlockPairs below; the last unit
// of an odd nb holds one), each:
//   64 bytes of scales: 16 f16 of block 2u (row r at [r]), then 16 of block 2u + 1;
//   the two blocks' quants, kQuantBytes each. Q4_0: 4 chunks of 64 bytes; byte 4r+i of chunk
//           c holds row r's element 4c+i in its low nibble and element 16+4c+i in its high
//           nibble (0..15, value = nibble - 8). Q8_0: 8 chunks; byte 4r+i of chunk c is row
//           r's element 4c+i plus 128 (unsigned), value = byte - 128.
// So a group is one forward stream: a table of all the scales ahead of the quants (the layout
// before) made a second stream per group, which kept the hardware prefetcher from following a
// one-token product (one thread, 8960 x 1536 Q4_0 from memory: 27 -> 33 GB/s).
// Q4_1, Q5_0 and Q5_1 are laid out as Q4_0, with after a unit's scales 64 bytes of the rows'
// f16 offsets m (Q4_1, Q5_1), and after each block's 4 chunks one chunk of fifth bits
// (Q5_0, Q5_1): byte 4r+i holds those of elements 4c+i at bit c and of 16+4c+i at bit 4+c,
// c = 0..3. Q5_0's values carry bias 16; Q4_1's and Q5_1's are unbiased and their offset adds
// m times the activation block's Q8_1 sum s (its f16 d * sum(qs)).
// IQ4_NL has Q4_0's block and so its layout; its nibbles index the 16 non-linear levels, which
// the kernels turn into level + 128 (bias 128), as IQ4_XS's below.
// The unsigned bias (8, 16 or 128) is removed by starting each block's integer sum at
// -bias * sum(activation quants of the block). Rows past the end are zero (scale 0).
// The bytes are the format's own: results equal the per-row dot kernels up to float order.
//
// Q4_K (cols a multiple of 256), per 256-value super-block of a group, 2368 bytes (the file
// has 16 x 144 = 2304): d[16] f16, dmin[16] f16, scale[8][16] and min[8][16] as bytes (the
// 6-bit values unpacked), then quants as 4 sub-block pairs x 8 chunks of 64 bytes: byte 4r+i
// of chunk c of pair k holds row r's element 4c+i of sub-block 2k in its low nibble and of
// sub-block 2k+1 in its high nibble, which is exactly byte 32k+4c+i of the row's qs.
// Activations are Q8_K; per 32 values the integer sum of the activation quants gives the
// min term, so nibbles enter `vpdpbusd` unbiased.
//
// Q5_K, per super-block of a group, 2880 bytes (file: 16 x 176 = 2816): Q4_K's 2368 bytes for
// d, dmin, scales, mins and the low 4 bits, then 8 chunks of 64 bytes of fifth bits: byte
// 4r+i of chunk c is the row's qh[4c+i], whose bit j is the fifth bit of element 4c+i of
// sub-block j. So the chunk that pair k's chunk c of nibbles needs is the same for every k:
// bit 2k goes to the low nibble's value, bit 2k+1 to the high one's (values 0..31).
//
// Q3_K, per super-block of a group, 1856 bytes (file: 16 x 110 = 1760), the values unsigned
// (q + 4, 0..7): for each 16-value sub-block j one 64-byte chunk of their low 2 bits (byte
// 4r+i = row r's elements 16j+4q+i for quads q = 0..3 at bits 2q..2q+1); at 1024 + 64m, for
// sub-blocks 2m and 2m+1, one chunk of their top bits (quad q of 2m at bit q, of 2m+1 at bit
// 4+q); then scale[16][16] int8 (the 6-bit scale - 32), d[16] f16, 32 bytes of padding. The
// integer sum of sub-block j starts at -4 * (its activation sum).
//
// Q2_K, per super-block of a group, 1344 bytes (the file's 16 x 84): Q3_K's 16 chunks of low
// 2 bits, here the whole values (0..3); then scale[16][16], the file's bytes (the sub-block's
// scale in the low nibble, its min in the high one), d[16] and dmin[16] f16.
//
// IQ4_XS, per super-block of a group, 2240 bytes (file: 16 x 136 = 2176): d[16] f16, 32 bytes
// of padding, scale[8][16] int8 (the 6-bit scale - 32), then per 32-value sub-block Q4_0's 4
// chunks (byte 4r+i of chunk c: row r's qs[16 ib + 4c + i], elements 4c+i and 16+4c+i). The
// nibbles index the 16 non-linear levels, which a shuffle turns into level + 128 (unsigned);
// the integer sum of a sub-block starts at -128 * (its activation sum).
//
// F16 and BF16 (cols a multiple of 32), 32 bytes per column like the file: F16 keeps per column
// k one 32-byte vector of the 16 rows' halves (row r at 2r), which one vcvtph2ps widens to the
// operand of 16 float FMAs; BF16 per column pair one 64-byte vector of 16 (k, k+1) pairs (row
// r at 4r), which a shift and a mask widen to the operands of columns k and k + 1.
//
// Q6_K, per super-block of a group, 3392 bytes (file: 3360): for each 16-value sub-block j,
// two 64-byte nibble chunks (2j: quads 0 | 1 << 4, 2j+1: quads 2 | 3 << 4, byte 4r+i = row
// r's element 16j+4q+i) and, at 2048 + 64j, one chunk of the top 2 bits of quads 0..3 at bits
// 0-1, 2-3, 4-5, 6-7; then scale[16][16] int8, d[16] f16, 32 bytes of padding. Values are
// unsigned (q + 32); the integer sum of sub-block j starts at -32 * (its activation sum).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"
#include "quant/types.h"

namespace edgeseek {

constexpr int kPackRows = 16;
// Bump whenever a layout above changes: repacked-weight cache files (model/packed_cache.h)
// written with another version are rebuilt rather than read.
constexpr uint32_t kPackedLayoutVersion = 3;  // 2: every type but F32 packed; 3: block pairs

// Bytes of one packed 256-value super-block of a group (layouts above).
constexpr size_t kPackedQ4KSuperBytes = 64 + 128 + 128 + 2048;
constexpr size_t kPackedQ5KSuperBytes = kPackedQ4KSuperBytes + 512;
constexpr size_t kPackedQ6KSuperBytes = 2048 + 1024 + 256 + 32 + 32;
constexpr size_t kPackedQ3KSuperBytes = 1024 + 512 + 256 + 32 + 32;
constexpr size_t kPackedQ2KSuperBytes = 1024 + 256 + 32 + 32;
constexpr size_t kPackedIQ4XSSuperBytes = 64 + 128 + 2048;

// Where block b's tables and quants lie in a group of a 32-value block type (layout above):
// kQuant bytes of quants per block, kOffsets for Q4_1/Q5_1's second table.
struct BlockPairs {
    size_t quant;  // bytes of one block's quants
    bool offsets;  // a table of offsets after the scales
    constexpr size_t head() const { return offsets ? 128 : 64; }
    constexpr size_t unit() const { return head() + 2 * quant; }
    // Block b's 16 f16 scales, offsets and first quant chunk, in bytes from the group's start.
    constexpr size_t scales(int64_t b) const { return static_cast<size_t>(b >> 1) * unit() + static_cast<size_t>(b & 1) * 32; }
    constexpr size_t offsets_at(int64_t b) const { return scales(b) + 64; }
    constexpr size_t quants(int64_t b) const {
        return static_cast<size_t>(b >> 1) * unit() + head() + static_cast<size_t>(b & 1) * quant;
    }
    // A group of nb blocks.
    constexpr size_t group(int64_t nb) const { return static_cast<size_t>((nb + 1) / 2) * head() + static_cast<size_t>(nb) * quant; }
};

// Block b's lines of such a group, into L1 ahead of use (prefetch_stream_l1): its quants, and
// with a pair's first block the unit's scales (and offsets). L1 alone where the hardware
// prefetcher follows the group's one stream into L2 (Zen 5: 1.5B decode under
// EDGESEEK_ISA=avx2, binaries alternated, Q4_0 87.3% -> 94.0% of the read bandwidth, Q8_0 86.4%
// -> 97.1%); the same lines into L2 as well, l2 ahead (0: not), where it does not keep up (the
// Xeon). The tiles pass l2 = block_l2_ahead(T): tiles of up to 4 tokens take the step (decode,
// and the server's decode of 2-4 sequences at once: a 2-token forward on the Xeon, with and
// without alternated forward by forward, 1.5B Q4_0 8.4-10.6% faster, Q8_0 12.5%; 3 tokens 8.1%,
// 4 tokens 8.7%); a prompt's wider tiles do not (8, 19 and 64 tokens: -0.3 to 1.6%, the noise).
__attribute__((always_inline)) inline size_t block_l2_ahead(int tokens) { return tokens <= 4 ? stream_l2_alone_ahead() : 0; }
__attribute__((always_inline)) inline void prefetch_block(const uint8_t* grp, const BlockPairs& L, int64_t b, size_t l2) {
    const uint8_t* q = grp + L.quants(b);
#pragma GCC unroll 8
    for (size_t off = 0; off < L.quant; off += 64) prefetch_stream_l1(q + off);
    if (l2 != 0) {
#pragma GCC unroll 8
        for (size_t off = 0; off < L.quant; off += 64) prefetch_l2(q + off + l2);
    }
    if ((b & 1) == 0) {
        const uint8_t* s = grp + L.scales(b);
#pragma GCC unroll 2
        for (size_t off = 0; off < L.head(); off += 64) prefetch_stream_l1(s + off);
        if (l2 != 0) {
#pragma GCC unroll 2
            for (size_t off = 0; off < L.head(); off += 64) prefetch_l2(s + off + l2);
        }
    }
}

// True when matmul has a packed kernel for weight type t on isa.
bool packable(GgmlType t, Isa isa = active_isa());

// Bytes of one group of 16 rows, and of a whole packed matrix.
size_t packed_group_bytes(GgmlType t, int64_t cols);
size_t packed_bytes(GgmlType t, int64_t rows, int64_t cols);

// Packs rows [g0 * 16, g1 * 16) of a row-major matrix (rows x cols of type t, rows of
// row_size(t, cols) bytes) into dst, which holds the whole packed matrix.
void pack_groups(GgmlType t, const uint8_t* src, int64_t rows, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst);
// The reference packer (any CPU), and the AVX-512 one for whole groups (false: type not
// handled); pack_groups uses the latter where it can.
void pack_groups_scalar(GgmlType t, const uint8_t* src, int64_t rows, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst);
bool pack_groups_avx512(GgmlType t, const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1,
                        uint8_t* dst);

// Activations as the packed kernels read them: the quants of the weight type's partner blocks
// (Q8_0, or Q8_K for the k-quants) from the type's own quantizer, and tables with one column per
// token (entry [i * stride + t]), so a tile's tokens sit side by side and it addresses them all
// from one pointer per block (per-token pointers had spilled from the 15 general registers):
//   q: panels of `panel` tokens (kActPanel, or all of them when fewer: a decoded token's
//      blocks lie side by side, not one per 768 bytes), in each block-major: block i (kBlock =
//      32 values for Q8_0, 256 for a Q8_K super-block) of the panel's token t at
//      panel start + (i * panel + t) * kBlock, so a tile (of a width dividing kActPanel) reads
//      its quants in one forward stream;
//   F16 and BF16 weights take no tables: their "quants" are the activations rounded as the
//      per-row kernels round them (to f16, or bf16) and widened back to f32, in blocks of 16
//      (kBlock = 64 bytes);
//   Q4_0/Q8_0 (and the other 32-value types): d[b] the block's f32 scale, init[b] = -bias *
//      sum(qs), b < nb; Q4_1/Q5_1 (Q8_1 activations): init 0 and sums[b] = the block's s;
//   Q4_K and Q5_K: d[s] the super-block's scale, sums[8 s + j] = sum of the 32 quants of sub-block j
//         (from bsums), as float, and the same sums in pairs, init[4 s + i] = sums 2i (low
//         16 bits) and 2i + 1 (high 16 bits) as int16 (|sum| <= 32 * 127);
//   Q3_K and Q6_K: d as for Q4_K, init[16 s + j] = -offset * bsums[j] of super-block s, where
//         offset (4 or 32) is what the packed values add to the format's signed ones;
//   IQ4_XS: d as for Q4_K, init[8 s + j] = -128 * (sum of the 32 quants of sub-block j);
//   Q2_K: d as for Q4_K, init[8 s + i] = bsums[2i] (low 16 bits) and bsums[2i + 1] (high).
constexpr int64_t kActPanel = 24;
// Tokens per panel for a product of n_tokens.
inline int64_t act_panel(int64_t n_tokens) { return n_tokens < kActPanel ? std::max<int64_t>(n_tokens, 1) : kActPanel; }
// Bytes from the first panel to block 0 of token t, with `blocks` blocks of kblock values.
inline size_t act_panel_offset(int64_t t, int64_t blocks, int64_t kblock, int64_t panel) {
    return static_cast<size_t>(((t / panel) * blocks * panel + t % panel) * kblock);
}
struct PackedActs {
    const int8_t* q = nullptr;  // the panel of token 0 (tokens are counted from a panel's start)
    int64_t blocks = 0;         // blocks (of kBlock values) per token
    int64_t stride = 1;         // entries between one table row and the next (the tokens in the tables)
    int64_t panel = kActPanel;  // tokens per panel (act_panel)
    const float* d = nullptr;
    const int32_t* init = nullptr;
    const float* sums = nullptr;
    // The tiles add their results to y instead of storing them (a wide row's later column
    // slices: packed_gemm.h).
    bool accumulate = false;
    // Block 0 of token t0; block i of token t0 + k (same panel) is panel * kBlock * i + kBlock * k further.
    template <int kBlock>
    const int8_t* quants(int64_t t0) const {
        return q + act_panel_offset(t0, blocks, kBlock, panel);
    }
};

// Where one token's activations go in that layout: block i's quants at q + i * panel * kBlock
// (the token's slot in its panel), table row r's entry at d/init/sums[r * stride].
struct ActsSlot {
    int8_t* q = nullptr;
    float* d = nullptr;
    int32_t* init = nullptr;
    float* sums = nullptr;
    int64_t stride = 1;
    int64_t panel = kActPanel;  // tokens per panel (act_panel)
};
// Super-block sb's table entries for weights of type W, from its scale and its 16 sums of 16
// quants: Q3_K and Q6_K one per 16 values (-offset * sum), IQ4_XS one per 32 (-128 * sum),
// Q4_K and Q5_K the per-32 sums for their mins, Q2_K the per-16 sums for its mins.
template <GgmlType W, typename I>
inline void write_k_tables(float d, const I* bsums, int64_t sb, const ActsSlot& slot) {
    const int64_t stride = slot.stride;
    slot.d[sb * stride] = d;
    if constexpr (W == GgmlType::Q3_K || W == GgmlType::Q6_K) {
        constexpr int kOffset = W == GgmlType::Q3_K ? 4 : 32;
        for (int j = 0; j < 16; ++j) slot.init[(sb * 16 + j) * stride] = -kOffset * bsums[j];
    } else if constexpr (W == GgmlType::Q2_K) {
        for (int i = 0; i < 8; ++i) {
            slot.init[(sb * 8 + i) * stride] =
                static_cast<int32_t>((static_cast<uint32_t>(bsums[2 * i + 1]) << 16) | (static_cast<uint32_t>(bsums[2 * i]) & 0xffffu));
        }
    } else if constexpr (W == GgmlType::IQ4_XS) {
        for (int j = 0; j < 8; ++j) slot.init[(sb * 8 + j) * stride] = -128 * (bsums[2 * j] + bsums[2 * j + 1]);
    } else {
        static_assert(W == GgmlType::Q4_K || W == GgmlType::Q5_K, "a packed k-quant");
        for (int j = 0; j < 8; ++j) slot.sums[(sb * 8 + j) * stride] = static_cast<float>(bsums[2 * j] + bsums[2 * j + 1]);
        for (int i = 0; i < 4; ++i) {
            const int32_t lo = bsums[4 * i] + bsums[4 * i + 1], hi = bsums[4 * i + 2] + bsums[4 * i + 3];
            slot.init[(sb * 4 + i) * stride] = static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) | (static_cast<uint32_t>(lo) & 0xffffu));
        }
    }
}

// Quantizes one token's cols values for weight type t's packed kernel into slot: quants
// byte-identical to t's activation quantizer (packed_act_type), tables as PackedActs says.
using PackActsFn = void (*)(const float* x, int64_t cols, const ActsSlot& slot);
PackActsFn pack_acts_kernel(GgmlType t, Isa isa = active_isa());
PackActsFn pack_acts_reference(GgmlType t);  // the row quantizer, then the bytes moved (any CPU)
PackActsFn pack_acts_avx512(GgmlType t);     // one pass per 16 blocks (quantize_act_avx512.cpp)
PackActsFn pack_acts_avx2(GgmlType t);       // one pass per 8 blocks (quantize_act_avx2.cpp)

// Y[t * ldy + r] for rows r in groups [g0, g1) (rows >= `rows` are not written), tokens
// [0, n_tokens). The groups go by in blocks of `group_block` (1 or more): each tile of tokens
// runs over a block's groups before the next tile, so their weights stay in L2 and the tile's
// activations are read from L2 for all but the block's first group.
using PackedGemmFn = void (*)(int64_t cols, const uint8_t* packed, int64_t rows, int64_t g0, int64_t g1,
                              const PackedActs& acts, int64_t n_tokens, float* y, int64_t ldy, int64_t group_block);
PackedGemmFn packed_gemm_kernel(GgmlType t, Isa isa = active_isa());
PackedGemmFn packed_gemm_avx512(GgmlType t);
PackedGemmFn packed_gemm_avx2(GgmlType t);  // the same types (packed_avx2.cpp, packed_tiles_avx2.h)
// F16 and BF16 (packed_float_avx512.cpp), which packed_gemm_avx512 hands them to, and their
// whole-group packer and activation writer.
PackedGemmFn packed_float_gemm_avx512(GgmlType t);
bool pack_float_groups_avx512(GgmlType t, const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1,
                              uint8_t* dst);
PackActsFn pack_float_acts_avx512(GgmlType t);
// The same tiles built with GFNI (packed_avx512_gfni.cpp); packed_gemm_avx512 picks them where
// the CPU has GFNI and is not an AMD one (packed.cpp says why), unless a test chose otherwise.
PackedGemmFn packed_gemm_avx512_gfni(GgmlType t);
bool packed_gfni_enabled();
void set_packed_gfni_enabled(bool on);  // tests: run the tiles with or without GFNI on a CPU that has it
// The AVX2 tiles built with AVX-VNNI (packed_avx2_vnni.cpp); packed_gemm_avx2 picks them where
// the CPU has AVX-VNNI, unless a test chose otherwise.
PackedGemmFn packed_gemm_avx2_vnni(GgmlType t);
bool packed_avx_vnni_enabled();
void set_packed_avx_vnni_enabled(bool on);  // tests: the AVX2 tiles with or without AVX-VNNI

// The unsigned bias of t's packed quants (8 for Q4_0, 16 for Q5_0, 128 for Q8_0 and IQ4_NL; 0
// for Q4_1/Q5_1 and the k-quants, whose offsets and mins are applied otherwise).
int packed_bias(GgmlType t);
// Q2_K..Q6_K and IQ4_XS (Q8_K activations, 256-value super-blocks).
constexpr bool packed_k_quant(GgmlType t) {
    return t == GgmlType::Q2_K || t == GgmlType::Q3_K || t == GgmlType::Q4_K || t == GgmlType::Q5_K || t == GgmlType::Q6_K ||
           t == GgmlType::IQ4_XS;
}
// F16 and BF16 (float products; activations rounded to the weights' type).
constexpr bool packed_float(GgmlType t) { return t == GgmlType::F16 || t == GgmlType::BF16; }
// A prompt's column slices (packed_gemm.h) for quantized type t: they start at multiples of
// `unit` values (a block pair, or a super-block), packed_group_bytes(t, k0) bytes into a group,
// and the activations' tables (above) advance one row per `d_values` values for d, per
// `init_values` for init, per 32 for sums.
struct PackedSlicing {
    int64_t unit, d_values, init_values;
};
constexpr PackedSlicing packed_slicing(GgmlType t) {
    if (!packed_k_quant(t)) return {64, 32, 32};
    const int64_t init = t == GgmlType::Q4_K || t == GgmlType::Q5_K   ? 64
                         : t == GgmlType::Q3_K || t == GgmlType::Q6_K ? 16
                                                                      : 32;  // Q2_K, IQ4_XS
    return {256, 256, init};
}
// The activation type the packed kernel for t reads (Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the
// k-quants, t itself for F16 and BF16).
constexpr GgmlType packed_act_type(GgmlType t) {
    return packed_k_quant(t)                                 ? GgmlType::Q8_K
           : packed_float(t)                                 ? t
           : t == GgmlType::Q4_1 || t == GgmlType::Q5_1 ? GgmlType::Q8_1
                                                             : GgmlType::Q8_0;
}
// Bytes of one activation block entry (PackedActs::quants<kBlock>) and the columns it covers.
struct ActBlock {
    int64_t bytes, values;
};
constexpr ActBlock packed_act_block(GgmlType t) {
    return packed_k_quant(t) ? ActBlock{256, 256} : packed_float(t) ? ActBlock{64, 16} : ActBlock{32, 32};
}
// Columns must be a multiple of this for t to be packed.
int64_t packed_col_multiple(GgmlType t);

}  // namespace edgeseek
