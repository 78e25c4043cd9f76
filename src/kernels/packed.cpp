#include "kernels/packed.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant/k_quants.h"
#include "quant/types.h"

namespace edgeseek {

namespace {

constexpr int64_t kBlock = 32;

// Q4_0 and IQ4_NL share a block (f16 d, 16 bytes of nibbles) and so the packed layout.
bool nibble_blocks(GgmlType t) { return t == GgmlType::Q4_0 || t == GgmlType::IQ4_NL; }

// Q4_1 and Q5_1 keep a second table (offsets); Q5_0 and Q5_1 a chunk of fifth bits per block.
bool with_offsets(GgmlType t) { return t == GgmlType::Q4_1 || t == GgmlType::Q5_1; }
bool with_fifth_bits(GgmlType t) { return t == GgmlType::Q5_0 || t == GgmlType::Q5_1; }
bool legacy_blocks(GgmlType t) { return t == GgmlType::Q4_1 || with_fifth_bits(t); }

size_t quant_bytes(GgmlType t) { return t == GgmlType::Q8_0 ? 512 : with_fifth_bits(t) ? 320 : 256; }
BlockPairs block_pairs(GgmlType t) { return {quant_bytes(t), with_offsets(t)}; }

// An odd nb leaves the last unit's second scale (and offset) slot unused: zeroed, so a packed
// matrix (and the repack cache written from it) has no byte left unset.
void clear_unused_slot(const BlockPairs& L, int64_t nb, uint8_t* out) {
    if (nb % 2 == 0) return;
    std::memset(out + L.scales(nb), 0, 32);
    if (L.offsets) std::memset(out + L.offsets_at(nb), 0, 32);
}

// Q5_0/Q5_1's fifth bits (qh, bit e for element e) to the packed chunk's 4 bytes, byte i
// holding elements 4c+i (bit c) and 16+4c+i (bit 4+c): element e goes to bit
// 8 (e % 4) + 4 (e / 16) + (e % 16) / 4. Table k spreads qh's byte k (elements 8k..8k+7).
struct FifthBitSpread {
    uint32_t table[4][256];
    constexpr FifthBitSpread() : table{} {
        for (int k = 0; k < 4; ++k) {
            for (int v = 0; v < 256; ++v) {
                uint32_t out = 0;
                for (int j = 0; j < 8; ++j) {
                    const int e = 8 * k + j;
                    if ((v >> j) & 1) out |= 1u << (8 * (e % 4) + 4 * (e / 16) + (e % 16) / 4);
                }
                table[k][v] = out;
            }
        }
    }
    const uint32_t* operator[](int k) const { return table[k]; }
};
constexpr FifthBitSpread kFifthBitSpread;

// Q4_1, Q5_0, Q5_1: one group (layout in packed.h); padding rows stay zero.
template <typename Block>
void pack_legacy_group(const uint8_t* src, size_t src_row, int64_t rows, int64_t nb, int64_t g, uint8_t* out) {
    constexpr bool kOffsets = std::is_same_v<Block, BlockQ4_1> || std::is_same_v<Block, BlockQ5_1>;
    constexpr bool kFifth = !std::is_same_v<Block, BlockQ4_1>;
    constexpr BlockPairs L{kFifth ? 320u : 256u, kOffsets};
    clear_unused_slot(L, nb, out);
    for (int r = 0; r < kPackRows && g * kPackRows + r < rows; ++r) {
        const Block* in = reinterpret_cast<const Block*>(src + static_cast<size_t>(g * kPackRows + r) * src_row);
        for (int64_t b = 0; b < nb; ++b) {
            const Block& blk = in[b];
            uint8_t* q = out + L.quants(b);
            reinterpret_cast<uint16_t*>(out + L.scales(b))[r] = blk.d;
            if constexpr (kOffsets) reinterpret_cast<uint16_t*>(out + L.offsets_at(b))[r] = blk.m;
            for (int c = 0; c < 4; ++c) std::memcpy(q + 64 * c + 4 * r, blk.qs + 4 * c, 4);
            if constexpr (kFifth) {
                uint32_t qh, bits = 0;
                std::memcpy(&qh, blk.qh, 4);
                for (int k = 0; k < 4; ++k) bits |= kFifthBitSpread[k][(qh >> (8 * k)) & 0xff];
                std::memcpy(q + 256 + 4 * r, &bits, 4);
            }
        }
    }
}

// Q4_K, or Q5_K (kFive): one super-block of a group (layouts in packed.h). Both blocks start
// with d, dmin and the 12 scale bytes; Q5_K's fifth bits come before its nibbles.
template <bool kFive>
void pack_q4_k_super(const uint8_t* rows_base, size_t src_row, int64_t rows, int64_t g, int64_t s, uint8_t* out) {
    using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
    uint16_t* d = reinterpret_cast<uint16_t*>(out);
    uint16_t* dmin = d + kPackRows;
    uint8_t* sc = out + 64;
    uint8_t* mn = sc + 128;
    uint8_t* q = mn + 128;
    for (int r = 0; r < kPackRows; ++r) {
        const int64_t row = g * kPackRows + r;
        if (row >= rows) continue;  // zero scales and mins: padding rows contribute nothing
        const Block& b = reinterpret_cast<const Block*>(rows_base + static_cast<size_t>(row) * src_row)[s];
        d[r] = b.d;
        dmin[r] = b.dmin;
        for (int j = 0; j < 8; ++j) {
            const kquant::ScaleMin sm = kquant::unpack_scale_min_k4(b.scales, j);
            sc[j * kPackRows + r] = static_cast<uint8_t>(sm.scale);
            mn[j * kPackRows + r] = static_cast<uint8_t>(sm.min);
        }
        for (int k = 0; k < 4; ++k) {
            for (int c = 0; c < 8; ++c) std::memcpy(q + 512 * k + 64 * c + 4 * r, b.qs + 32 * k + 4 * c, 4);
        }
        if constexpr (kFive) {
            for (int c = 0; c < 8; ++c) std::memcpy(q + 2048 + 64 * c + 4 * r, b.qh + 4 * c, 4);
        }
    }
}

// Q6_K: one super-block of a group (layout in packed.h).
void pack_q6_k_super(const uint8_t* rows_base, size_t src_row, int64_t rows, int64_t g, int64_t s, uint8_t* out) {
    uint8_t* lo = out;
    uint8_t* hi = out + 2048;
    int8_t* sc = reinterpret_cast<int8_t*>(out + 3072);
    uint16_t* d = reinterpret_cast<uint16_t*>(out + 3328);
    for (int r = 0; r < kPackRows; ++r) {
        const int64_t row = g * kPackRows + r;
        if (row >= rows) continue;  // zero scales: padding rows contribute nothing
        const BlockQ6_K& b = reinterpret_cast<const BlockQ6_K*>(rows_base + static_cast<size_t>(row) * src_row)[s];
        d[r] = b.d;
        uint8_t u[256];  // unsigned 6-bit values (value + 32), ggml's element order
        for (int h = 0; h < 2; ++h) {
            const uint8_t* ql = b.ql + 64 * h;
            const uint8_t* qh = b.qh + 32 * h;
            uint8_t* o = u + 128 * h;
            for (int l = 0; l < 32; ++l) {
                o[l] = static_cast<uint8_t>((ql[l] & 15) | (qh[l] & 3) << 4);
                o[l + 32] = static_cast<uint8_t>((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4);
                o[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4);
                o[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4);
            }
        }
        for (int j = 0; j < 16; ++j) {
            sc[j * kPackRows + r] = b.scales[j];
            for (int i = 0; i < 4; ++i) {
                const uint8_t* v = u + 16 * j + i;  // quads 0..3 of sub-block j at v[0], v[4], v[8], v[12]
                lo[64 * (2 * j) + 4 * r + i] = static_cast<uint8_t>((v[0] & 15) | (v[4] & 15) << 4);
                lo[64 * (2 * j + 1) + 4 * r + i] = static_cast<uint8_t>((v[8] & 15) | (v[12] & 15) << 4);
                hi[64 * j + 4 * r + i] = static_cast<uint8_t>(v[0] >> 4 | (v[4] >> 4) << 2 | (v[8] >> 4) << 4 | (v[12] >> 4) << 6);
            }
        }
    }
}

// Q3_K: one super-block of a group (layout in packed.h).
void pack_q3_k_super(const uint8_t* rows_base, size_t src_row, int64_t rows, int64_t g, int64_t s, uint8_t* out) {
    uint8_t* lo = out;
    uint8_t* hi = out + 1024;
    int8_t* sc = reinterpret_cast<int8_t*>(out + 1536);
    uint16_t* d = reinterpret_cast<uint16_t*>(out + 1792);
    std::memset(hi, 0, 512);  // ORed into below, by two sub-blocks per chunk
    for (int r = 0; r < kPackRows; ++r) {
        const int64_t row = g * kPackRows + r;
        if (row >= rows) continue;  // zero scales: padding rows contribute nothing
        const BlockQ3_K& b = reinterpret_cast<const BlockQ3_K*>(rows_base + static_cast<size_t>(row) * src_row)[s];
        d[r] = b.d;
        // ggml's order: value e's low 2 bits at bits 2(e%128/32) of qs[32(e/128) + e%32], its
        // top bit (set: no -4) at bit e/32 of hmask[e%32].
        auto value = [&](int e) {
            return ((b.qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3) | ((b.hmask[e % 32] >> (e / 32)) & 1) << 2;
        };
        for (int j = 0; j < 16; ++j) {
            sc[j * kPackRows + r] = static_cast<int8_t>(kquant::unpack_scale_q3_k(b.scales, j));
            for (int i = 0; i < 4; ++i) {
                uint8_t low = 0, top = 0;
                for (int q = 0; q < 4; ++q) {
                    const int u = value(16 * j + 4 * q + i);
                    low = static_cast<uint8_t>(low | (u & 3) << (2 * q));
                    top = static_cast<uint8_t>(top | (u >> 2) << q);
                }
                lo[64 * j + 4 * r + i] = low;
                hi[64 * (j / 2) + 4 * r + i] = static_cast<uint8_t>(hi[64 * (j / 2) + 4 * r + i] | top << (4 * (j % 2)));
            }
        }
    }
}

// F16 / BF16: one group (layouts in packed.h); padding rows stay zero.
void pack_float_group(GgmlType t, const uint8_t* src, size_t src_row, int64_t rows, int64_t cols, int64_t g, uint8_t* out) {
    uint16_t* o = reinterpret_cast<uint16_t*>(out);
    for (int r = 0; r < kPackRows && g * kPackRows + r < rows; ++r) {
        const auto* in = reinterpret_cast<const uint16_t*>(src + static_cast<size_t>(g * kPackRows + r) * src_row);
        for (int64_t k = 0; k < cols; ++k) {
            // F16: column k's vector of 16 halves; BF16: column pair k / 2's vector of 16 pairs.
            o[t == GgmlType::F16 ? k * kPackRows + r : (k / 2) * 2 * kPackRows + 2 * r + k % 2] = in[k];
        }
    }
}

// Q2_K: one super-block of a group (layout in packed.h).
void pack_q2_k_super(const uint8_t* rows_base, size_t src_row, int64_t rows, int64_t g, int64_t s, uint8_t* out) {
    uint8_t* lo = out;
    uint8_t* sc = out + 1024;
    uint16_t* d = reinterpret_cast<uint16_t*>(out + 1280);
    uint16_t* dmin = d + kPackRows;
    for (int r = 0; r < kPackRows; ++r) {
        const int64_t row = g * kPackRows + r;
        if (row >= rows) continue;  // zero scales and mins: padding rows contribute nothing
        const BlockQ2_K& b = reinterpret_cast<const BlockQ2_K*>(rows_base + static_cast<size_t>(row) * src_row)[s];
        d[r] = b.d;
        dmin[r] = b.dmin;
        // ggml's order, as Q3_K's low bits: value e at bits 2(e%128/32) of qs[32(e/128) + e%32].
        auto value = [&](int e) { return (b.qs[32 * (e / 128) + e % 32] >> (2 * (e % 128 / 32))) & 3; };
        for (int j = 0; j < 16; ++j) {
            sc[j * kPackRows + r] = b.scales[j];
            for (int i = 0; i < 4; ++i) {
                uint8_t low = 0;
                for (int q = 0; q < 4; ++q) low = static_cast<uint8_t>(low | value(16 * j + 4 * q + i) << (2 * q));
                lo[64 * j + 4 * r + i] = low;
            }
        }
    }
}

// IQ4_XS: one super-block of a group (layout in packed.h).
void pack_iq4_xs_super(const uint8_t* rows_base, size_t src_row, int64_t rows, int64_t g, int64_t s, uint8_t* out) {
    uint16_t* d = reinterpret_cast<uint16_t*>(out);
    int8_t* sc = reinterpret_cast<int8_t*>(out + 64);
    uint8_t* q = out + 192;
    for (int r = 0; r < kPackRows; ++r) {
        const int64_t row = g * kPackRows + r;
        if (row >= rows) continue;  // zero scales: padding rows contribute nothing
        const BlockIQ4_XS& b = reinterpret_cast<const BlockIQ4_XS*>(rows_base + static_cast<size_t>(row) * src_row)[s];
        d[r] = b.d;
        for (int ib = 0; ib < 8; ++ib) {
            const int ls = ((b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0f) | ((b.scales_h >> (2 * ib)) & 3) << 4;
            sc[ib * kPackRows + r] = static_cast<int8_t>(ls - 32);
            for (int c = 0; c < 4; ++c) std::memcpy(q + 256 * ib + 64 * c + 4 * r, b.qs + 16 * ib + 4 * c, 4);
        }
    }
}

// The 256-value types: one super-block of a group packed by `pack` into `bytes`.
struct SuperPacker {
    void (*pack)(const uint8_t* rows_base, size_t src_row, int64_t rows, int64_t g, int64_t s, uint8_t* out);
    size_t bytes;
};
SuperPacker super_packer(GgmlType t) {
    switch (t) {
        case GgmlType::Q2_K: return {pack_q2_k_super, kPackedQ2KSuperBytes};
        case GgmlType::Q3_K: return {pack_q3_k_super, kPackedQ3KSuperBytes};
        case GgmlType::Q4_K: return {pack_q4_k_super<false>, kPackedQ4KSuperBytes};
        case GgmlType::Q5_K: return {pack_q4_k_super<true>, kPackedQ5KSuperBytes};
        case GgmlType::Q6_K: return {pack_q6_k_super, kPackedQ6KSuperBytes};
        case GgmlType::IQ4_XS: return {pack_iq4_xs_super, kPackedIQ4XSSuperBytes};
        default: return {nullptr, 0};
    }
}

}  // namespace

bool packable(GgmlType t, Isa isa) {
    return packed_gemm_kernel(t, isa) != nullptr;
}

int packed_bias(GgmlType t) {
    return t == GgmlType::Q4_0 ? 8 : t == GgmlType::Q5_0 ? 16 : t == GgmlType::Q8_0 || t == GgmlType::IQ4_NL ? 128 : 0;
}

int64_t packed_col_multiple(GgmlType t) { return packed_k_quant(t) ? 256 : 32; }

size_t packed_group_bytes(GgmlType t, int64_t cols) {
    if (packed_float(t)) return static_cast<size_t>(cols) * kPackRows * 2;
    if (const SuperPacker sp = super_packer(t); sp.pack) return static_cast<size_t>(cols / 256) * sp.bytes;
    const int64_t nb = cols / kBlock;
    return block_pairs(t).group(nb);
}

size_t packed_bytes(GgmlType t, int64_t rows, int64_t cols) {
    return static_cast<size_t>((rows + kPackRows - 1) / kPackRows) * packed_group_bytes(t, cols);
}

void pack_groups(GgmlType t, const uint8_t* src, int64_t rows, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
#if defined(__x86_64__)
    // Whole groups by the AVX-512 gathers (row offsets must fit their 32-bit indices), the
    // partial last group, if any, by the scalar code below.
    const size_t src_row = row_size(t, cols);
    const int64_t full = std::min(g1, rows / kPackRows);
    if (active_isa() == Isa::Avx512 && full > g0 && src_row * (kPackRows - 1) <= INT32_MAX &&
        pack_groups_avx512(t, src, src_row, cols, g0, full, dst)) {
        g0 = full;
    }
#endif
    pack_groups_scalar(t, src, rows, cols, g0, g1, dst);
}

void pack_groups_scalar(GgmlType t, const uint8_t* src, int64_t rows, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const int64_t nb = cols / kBlock;
    const size_t src_row = row_size(t, cols);
    const size_t group = packed_group_bytes(t, cols);
    const BlockPairs L = block_pairs(t);
    for (int64_t g = g0; g < g1; ++g) {
        uint8_t* out = dst + static_cast<size_t>(g) * group;
        // Every byte a kernel reads is written below except the padding rows' (zero scales).
        if ((g + 1) * kPackRows > rows) std::memset(out, 0, group);
        if (packed_float(t)) {
            pack_float_group(t, src, src_row, rows, cols, g, out);
            continue;
        }
        if (const SuperPacker sp = super_packer(t); sp.pack) {
            for (int64_t s = 0; s < cols / 256; ++s) sp.pack(src, src_row, rows, g, s, out + s * sp.bytes);
            continue;
        }
        if (legacy_blocks(t)) {
            if (t == GgmlType::Q4_1) pack_legacy_group<BlockQ4_1>(src, src_row, rows, nb, g, out);
            if (t == GgmlType::Q5_0) pack_legacy_group<BlockQ5_0>(src, src_row, rows, nb, g, out);
            if (t == GgmlType::Q5_1) pack_legacy_group<BlockQ5_1>(src, src_row, rows, nb, g, out);
            continue;
        }
        clear_unused_slot(L, nb, out);
        for (int r = 0; r < kPackRows; ++r) {
            const int64_t row = g * kPackRows + r;
            if (row >= rows) {
                // Padding rows: scale 0 and the bias value, so each contributes exactly zero.
                for (int64_t b = 0; b < nb; ++b) {
                    uint8_t* q = out + L.quants(b);
                    for (int k = 0; k < 32; ++k) {
                        if (nibble_blocks(t)) {
                            q[64 * (k % 16 / 4) + 4 * r + k % 4] |= static_cast<uint8_t>(8 << (k >= 16 ? 4 : 0));
                        } else {
                            q[64 * (k / 4) + 4 * r + k % 4] = 128;
                        }
                    }
                }
                continue;
            }
            const uint8_t* in = src + static_cast<size_t>(row) * src_row;
            for (int64_t b = 0; b < nb; ++b) {
                uint8_t* q = out + L.quants(b);
                uint16_t* scales = reinterpret_cast<uint16_t*>(out + L.scales(b));
                if (nibble_blocks(t)) {
                    static_assert(sizeof(BlockQ4_0) == sizeof(BlockIQ4_NL), "one block layout");
                    const BlockQ4_0& blk = reinterpret_cast<const BlockQ4_0*>(in)[b];
                    scales[r] = blk.d;
                    // Element j (low nibble of qs[j]) and j + 16 (high nibble) share a byte in
                    // both layouts; only the byte's position changes.
                    for (int c = 0; c < 4; ++c) std::memcpy(q + 64 * c + 4 * r, blk.qs + 4 * c, 4);
                } else {
                    const BlockQ8_0& blk = reinterpret_cast<const BlockQ8_0*>(in)[b];
                    scales[r] = blk.d;
                    for (int c = 0; c < 8; ++c) {
                        uint32_t v;  // four int8 values + 128 each: flip the sign bits
                        std::memcpy(&v, blk.qs + 4 * c, 4);
                        v ^= 0x80808080u;
                        std::memcpy(q + 64 * c + 4 * r, &v, 4);
                    }
                }
            }
        }
    }
}

namespace {
// GFNI takes the high nibbles in one instruction where a shift and a mask take two. On the Xeon
// all three share the two ports with vpdpbusd; on Zen 5 the shift and the mask run on the other
// two vector pipes and vgf2p8affineqb competes with vpdpbusd, so AMD CPUs run the tiles built
// without it (one core, 256 tokens, GOPS with / without: Q4_K 8960x1536 755 / 764, 1536x8960
// 676 / 688; Q5_K 653 / 670, 566 / 601; Q4_0, Q8_0 and Q6_K within 1%; /tmp/mb/pp.cpp in
// docs/PERFORMANCE.md).
std::atomic<bool> g_gfni{!cpu_features().amd};
}  // namespace

bool packed_gfni_enabled() { return g_gfni.load(std::memory_order_relaxed); }
void set_packed_gfni_enabled(bool on) { g_gfni.store(on, std::memory_order_relaxed); }

namespace {
std::atomic<bool> g_avx_vnni{!isa_env_disables_vnni()};
}  // namespace

bool packed_avx_vnni_enabled() { return g_avx_vnni.load(std::memory_order_relaxed); }
void set_packed_avx_vnni_enabled(bool on) { g_avx_vnni.store(on, std::memory_order_relaxed); }

namespace {

// The active ISA's row quantizer (byte-identical on every path) into a row of blocks, then the
// quants and table entries moved to their places.
template <GgmlType W>
void pack_acts_rows(const float* x, int64_t cols, const ActsSlot& slot) {
    constexpr GgmlType kAct = packed_act_type(W);
    thread_local std::vector<uint8_t> row;
    row.resize(row_size(kAct, cols));
    quantize_act_kernel(kAct)(x, row.data(), cols);
    const int64_t stride = slot.stride;
    if constexpr (kAct == GgmlType::Q8_K) {
        const BlockQ8_K* blk = reinterpret_cast<const BlockQ8_K*>(row.data());
        for (int64_t s = 0; s < cols / 256; ++s) {
            std::memcpy(slot.q + s * slot.panel * 256, blk[s].qs, 256);
            write_k_tables<W>(blk[s].d, blk[s].bsums, s, slot);
        }
    } else if constexpr (kAct == GgmlType::Q8_1) {
        const BlockQ8_1* blk = reinterpret_cast<const BlockQ8_1*>(row.data());
        for (int64_t i = 0; i < cols / 32; ++i) {
            std::memcpy(slot.q + i * slot.panel * 32, blk[i].qs, 32);
            slot.d[i * stride] = fp16_to_fp32(blk[i].d);
            slot.sums[i * stride] = fp16_to_fp32(blk[i].s);
            slot.init[i * stride] = 0;
        }
    } else {
        const BlockQ8_0* blk = reinterpret_cast<const BlockQ8_0*>(row.data());
        for (int64_t i = 0; i < cols / 32; ++i) {
            int32_t sum = 0;
            for (int k = 0; k < 32; ++k) sum += blk[i].qs[k];
            std::memcpy(slot.q + i * slot.panel * 32, blk[i].qs, 32);
            slot.d[i * stride] = fp16_to_fp32(blk[i].d);
            slot.init[i * stride] = -packed_bias(W) * sum;
        }
    }
}

}  // namespace

// F16 / BF16 weights: the row rounded by the type's own from_float (as the per-row kernels
// round it), then widened back to f32 in blocks of 16.
template <GgmlType W>
void pack_acts_float(const float* x, int64_t cols, const ActsSlot& slot) {
    thread_local std::vector<uint16_t> row;
    row.resize(static_cast<size_t>(cols));
    type_traits(W)->from_float(x, row.data(), cols);
    constexpr ActBlock kBlock = packed_act_block(W);
    for (int64_t b = 0; b < cols / kBlock.values; ++b) {
        int8_t* dst = slot.q + b * slot.panel * kBlock.bytes;
        const uint16_t* h = row.data() + b * kBlock.values;
        for (int i = 0; i < kBlock.values; ++i) {
            const float f = W == GgmlType::F16 ? fp16_to_fp32(h[i]) : bf16_to_fp32(h[i]);
            std::memcpy(dst + 4 * i, &f, 4);
        }
    }
}

PackActsFn pack_acts_reference(GgmlType t) {
    switch (t) {
        case GgmlType::F16: return pack_acts_float<GgmlType::F16>;
        case GgmlType::BF16: return pack_acts_float<GgmlType::BF16>;
        case GgmlType::Q4_0: return pack_acts_rows<GgmlType::Q4_0>;
        case GgmlType::IQ4_NL: return pack_acts_rows<GgmlType::IQ4_NL>;
        case GgmlType::Q4_1: return pack_acts_rows<GgmlType::Q4_1>;
        case GgmlType::Q5_0: return pack_acts_rows<GgmlType::Q5_0>;
        case GgmlType::Q5_1: return pack_acts_rows<GgmlType::Q5_1>;
        case GgmlType::Q8_0: return pack_acts_rows<GgmlType::Q8_0>;
        case GgmlType::Q2_K: return pack_acts_rows<GgmlType::Q2_K>;
        case GgmlType::Q3_K: return pack_acts_rows<GgmlType::Q3_K>;
        case GgmlType::Q4_K: return pack_acts_rows<GgmlType::Q4_K>;
        case GgmlType::Q5_K: return pack_acts_rows<GgmlType::Q5_K>;
        case GgmlType::Q6_K: return pack_acts_rows<GgmlType::Q6_K>;
        case GgmlType::IQ4_XS: return pack_acts_rows<GgmlType::IQ4_XS>;
        default: return nullptr;
    }
}

PackActsFn pack_acts_kernel(GgmlType t, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) {
        if (PackActsFn f = packed_float(t) ? pack_float_acts_avx512(t) : pack_acts_avx512(t)) return f;
    }
    if (isa == Isa::Avx2) {
        if (PackActsFn f = pack_acts_avx2(t)) return f;
    }
#else
    (void)isa;
#endif
    return pack_acts_reference(t);
}

PackedGemmFn packed_gemm_kernel(GgmlType t, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return packed_gemm_avx512(t);
    if (isa == Isa::Avx2) return packed_gemm_avx2(t);
#else
    (void)t;
    (void)isa;
#endif
    return nullptr;
}

}  // namespace edgeseek
