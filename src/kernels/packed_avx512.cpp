// AVX-512 VNNI kernels over the packed layouts (kernels/packed.h; the tiles are in
// packed_tiles_avx512.h) and the load-time packers.
#if defined(__x86_64__)
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "kernels/packed_tiles_avx512.h"

namespace edgeseek {
namespace {

// Load-time packing (the same bytes as pack_groups_scalar): the layouts put 4-byte pieces of
// 16 rows side by side, so every 64-byte output vector is one 32-bit gather over the group's
// rows (row r at offset r * src_row). Only whole groups: the caller packs a partial last group
// with the scalar code.
inline __m512i row_offsets(size_t src_row) {
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                              _mm512_set1_epi32(static_cast<int>(src_row)));
}

inline __m512i gather4(const uint8_t* base, __m512i rows) { return _mm512_i32gather_epi32(rows, base, 1); }

inline void store16(uint8_t* out, __m512i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(v)); }

inline void store_halves(uint16_t* out, __m512i v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_cvtepi32_epi16(v));
}

template <GgmlType kT>
void pack_block_groups(const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const int64_t nb = cols / 32;
    const size_t group = packed_group_bytes(kT, cols);
    const __m512i rows = row_offsets(src_row);
    constexpr size_t kBlockBytes = kT == GgmlType::Q4_0 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
    constexpr int kChunks = kT == GgmlType::Q4_0 ? 4 : 8;
    const __m512i flip = _mm512_set1_epi32(static_cast<int>(0x80808080u));
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        uint8_t* out = dst + static_cast<size_t>(g) * group;
        constexpr BlockPairs L{kChunks * 64, false};
        if (nb % 2 != 0) std::memset(out + L.scales(nb), 0, 32);  // the last unit's unused slot
        for (int64_t b = 0; b < nb; ++b) {
            const uint8_t* blk = in + static_cast<size_t>(b) * kBlockBytes;
            store_halves(reinterpret_cast<uint16_t*>(out + L.scales(b)), gather4(blk, rows));  // d, then 2 quant bytes
            uint8_t* q = out + L.quants(b);
#pragma GCC unroll 8
            for (int c = 0; c < kChunks; ++c) {
                __m512i v = gather4(blk + 2 + 4 * c, rows);
                if constexpr (kT == GgmlType::Q8_0) v = _mm512_xor_si512(v, flip);
                _mm512_storeu_si512(q + 64 * c, v);
            }
        }
    }
}

// Q4_K, or Q5_K (kFive: 32 bytes of fifth bits between the scales and the nibbles).
template <bool kFive>
void pack_q4_k_groups(const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
    constexpr size_t kSuper = kFive ? kPackedQ5KSuperBytes : kPackedQ4KSuperBytes;
    constexpr size_t kNibbles = offsetof(Block, qs);
    const int64_t nsb = cols / 256;
    const __m512i rows = row_offsets(src_row);
    const __m512i m63 = _mm512_set1_epi32(63), m15 = _mm512_set1_epi32(15), m3 = _mm512_set1_epi32(3);
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        for (int64_t s = 0; s < nsb; ++s) {
            const uint8_t* blk = in + static_cast<size_t>(s) * sizeof(Block);
            uint8_t* out = dst + static_cast<size_t>(g * nsb + s) * kSuper;
            const __m512i dd = gather4(blk, rows);  // d | dmin << 16
            store_halves(reinterpret_cast<uint16_t*>(out), dd);
            store_halves(reinterpret_cast<uint16_t*>(out) + kPackRows, _mm512_srli_epi32(dd, 16));
            // The 12 scale bytes: j < 4: scale = q[j] & 63, min = q[j+4] & 63; j >= 4:
            // scale = q[j+4] & 15 | (q[j-4] >> 6) << 4, min = q[j+4] >> 4 | (q[j] >> 6) << 4.
            const __m512i s0 = gather4(blk + 4, rows), s1 = gather4(blk + 8, rows), s2 = gather4(blk + 12, rows);
            uint8_t* sc = out + 64;
            uint8_t* mn = sc + 128;
#pragma GCC unroll 4
            for (int j = 0; j < 4; ++j) {
                const __m512i a = _mm512_srli_epi32(s0, 8 * j), b = _mm512_srli_epi32(s1, 8 * j),
                              c = _mm512_srli_epi32(s2, 8 * j);
                store16(sc + j * kPackRows, _mm512_and_si512(a, m63));
                store16(mn + j * kPackRows, _mm512_and_si512(b, m63));
                const __m512i top_a = _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(a, 6), m3), 4);
                const __m512i top_b = _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(b, 6), m3), 4);
                store16(sc + (j + 4) * kPackRows, _mm512_or_si512(_mm512_and_si512(c, m15), top_a));
                store16(mn + (j + 4) * kPackRows, _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(c, 4), m15), top_b));
            }
            uint8_t* q = mn + 128;
#pragma GCC unroll 8
            for (int i = 0; i < 32; ++i) _mm512_storeu_si512(q + 64 * i, gather4(blk + kNibbles + 4 * i, rows));
            if constexpr (kFive) {
#pragma GCC unroll 8
                for (int c = 0; c < 8; ++c) _mm512_storeu_si512(q + 2048 + 64 * c, gather4(blk + offsetof(Block, qh) + 4 * c, rows));
            }
        }
    }
}

void pack_q6_k_groups(const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const int64_t nsb = cols / 256;
    const __m512i rows = row_offsets(src_row);
    const __m512i m4 = _mm512_set1_epi8(0x0f), m2 = _mm512_set1_epi8(0x03);
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        for (int64_t s = 0; s < nsb; ++s) {
            const uint8_t* blk = in + static_cast<size_t>(s) * sizeof(BlockQ6_K);
            uint8_t* out = dst + static_cast<size_t>(g * nsb + s) * kPackedQ6KSuperBytes;
            uint8_t* lo = out;
            uint8_t* hi = out + 2048;
            // Sub-block j (16 values) is ggml's half h = j / 8, quarter (j % 8) / 2, lanes
            // 16 * (j % 2) + 4q + i: low bits from ql[64h + 32(quarter & 1) + lane] (low nibble
            // for quarters 0-1, high for 2-3), top bits from qh[32h + lane] >> 2 * quarter.
#pragma GCC unroll 1
            for (int j = 0; j < 16; ++j) {
                const int h = j / 8, quarter = (j % 8) / 2, lane = 16 * (j % 2);
                const uint8_t* ql = blk + 64 * h + 32 * (quarter & 1) + lane;
                const uint8_t* qh = blk + 128 + 32 * h + lane;
                __m512i nib[4], top[4];
#pragma GCC unroll 4
                for (int quad = 0; quad < 4; ++quad) {
                    const __m512i l = gather4(ql + 4 * quad, rows);
                    nib[quad] = _mm512_and_si512(quarter < 2 ? l : _mm512_srli_epi16(l, 4), m4);
                    top[quad] = _mm512_and_si512(_mm512_srl_epi16(gather4(qh + 4 * quad, rows),
                                                                  _mm_cvtsi32_si128(2 * quarter)), m2);
                }
                _mm512_storeu_si512(lo + 64 * (2 * j), _mm512_or_si512(nib[0], _mm512_slli_epi16(nib[1], 4)));
                _mm512_storeu_si512(lo + 64 * (2 * j + 1), _mm512_or_si512(nib[2], _mm512_slli_epi16(nib[3], 4)));
                _mm512_storeu_si512(hi + 64 * j,
                                    _mm512_or_si512(_mm512_or_si512(top[0], _mm512_slli_epi16(top[1], 2)),
                                                    _mm512_or_si512(_mm512_slli_epi16(top[2], 4), _mm512_slli_epi16(top[3], 6))));
            }
            int8_t* sc = reinterpret_cast<int8_t*>(out + 3072);
#pragma GCC unroll 4
            for (int m = 0; m < 4; ++m) {
                const __m512i v = gather4(blk + 192 + 4 * m, rows);
#pragma GCC unroll 4
                for (int i = 0; i < 4; ++i) store16(reinterpret_cast<uint8_t*>(sc) + (4 * m + i) * kPackRows, _mm512_srli_epi32(v, 8 * i));
            }
            // d is the block's last 2 bytes: read the 4 ending there (nothing past the block).
            store_halves(reinterpret_cast<uint16_t*>(out + 3328), _mm512_srli_epi32(gather4(blk + 206, rows), 16));
        }
    }
}

// The 16 chunks of 2-bit values of a Q2_K or Q3_K super-block (layouts in packed.h) from its
// qs[64], at qs: value e = 128n + 32jj + 16hh + l has them at bits 2jj..2jj+1 of
// qs[32n + 16hh + l], and sub-block j = e / 16 = 8n + 2jj + hh. One gather per (n, hh, quad)
// serves all four jj.
inline void pack_two_bit_plane(const uint8_t* qs, __m512i rows, uint8_t* out) {
    const __m512i m2 = _mm512_set1_epi8(0x03);
#pragma GCC unroll 1
    for (int n = 0; n < 2; ++n) {
        for (int hh = 0; hh < 2; ++hh) {
            __m512i qv[4];
#pragma GCC unroll 4
            for (int q = 0; q < 4; ++q) qv[q] = gather4(qs + 32 * n + 16 * hh + 4 * q, rows);
#pragma GCC unroll 4
            for (int jj = 0; jj < 4; ++jj) {
                __m512i low = _mm512_setzero_si512();
#pragma GCC unroll 4
                for (int q = 0; q < 4; ++q) {
                    low = _mm512_or_si512(low, _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(qv[q], 2 * jj), m2), 2 * q));
                }
                _mm512_storeu_si512(out + 64 * (8 * n + 2 * jj + hh), low);
            }
        }
    }
}

// Q2_K (block: scales[16], qs[64], d, dmin).
void pack_q2_k_groups(const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const int64_t nsb = cols / 256;
    const __m512i rows = row_offsets(src_row);
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        for (int64_t s = 0; s < nsb; ++s) {
            const uint8_t* blk = in + static_cast<size_t>(s) * sizeof(BlockQ2_K);
            uint8_t* out = dst + static_cast<size_t>(g * nsb + s) * kPackedQ2KSuperBytes;
            pack_two_bit_plane(blk + offsetof(BlockQ2_K, qs), rows, out);
#pragma GCC unroll 4
            for (int m = 0; m < 4; ++m) {
                const __m512i v = gather4(blk + offsetof(BlockQ2_K, scales) + 4 * m, rows);
#pragma GCC unroll 4
                for (int i = 0; i < 4; ++i) store16(out + 1024 + (4 * m + i) * kPackRows, _mm512_srli_epi32(v, 8 * i));
            }
            const __m512i dd = gather4(blk + offsetof(BlockQ2_K, d), rows);  // d | dmin << 16
            store_halves(reinterpret_cast<uint16_t*>(out + 1280), dd);
            store_halves(reinterpret_cast<uint16_t*>(out + 1280) + kPackRows, _mm512_srli_epi32(dd, 16));
        }
    }
}

// Q3_K (block: hmask[32], qs[64], scales[12], d): the 2-bit plane as Q2_K's; value e's top bit
// is bit e / 32 = 4n + jj of hmask[16hh + l], one gather per (hh, quad).
void pack_q3_k_groups(const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const int64_t nsb = cols / 256;
    const __m512i rows = row_offsets(src_row);
    const __m512i m1 = _mm512_set1_epi8(0x01), m15 = _mm512_set1_epi32(15), m3 = _mm512_set1_epi32(3),
                  m32 = _mm512_set1_epi32(32);
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        for (int64_t s = 0; s < nsb; ++s) {
            const uint8_t* blk = in + static_cast<size_t>(s) * sizeof(BlockQ3_K);
            uint8_t* out = dst + static_cast<size_t>(g * nsb + s) * kPackedQ3KSuperBytes;
            pack_two_bit_plane(blk + offsetof(BlockQ3_K, qs), rows, out);
            __m512i hm[2][4];
#pragma GCC unroll 8
            for (int i = 0; i < 8; ++i) hm[i / 4][i % 4] = gather4(blk + offsetof(BlockQ3_K, hmask) + 4 * i, rows);
            // Top chunk m = 4n + jj holds sub-blocks 2m (hh = 0, bits 0-3) and 2m + 1 (hh = 1, bits 4-7).
#pragma GCC unroll 1
            for (int m = 0; m < 8; ++m) {
                __m512i top = _mm512_setzero_si512();
#pragma GCC unroll 2
                for (int hh = 0; hh < 2; ++hh) {
#pragma GCC unroll 4
                    for (int q = 0; q < 4; ++q) {
                        const __m512i bit = _mm512_and_si512(_mm512_srl_epi32(hm[hh][q], _mm_cvtsi32_si128(m)), m1);
                        top = _mm512_or_si512(top, _mm512_slli_epi32(bit, 4 * hh + q));
                    }
                }
                _mm512_storeu_si512(out + 1024 + 64 * m, top);
            }
            // Scales: j < 8 low 4 bits in the low nibble of byte j, j >= 8 in the high nibble
            // of byte j - 8; top 2 bits at bits 2(j / 4) of byte 8 + j % 4.
            const uint8_t* sp = blk + offsetof(BlockQ3_K, scales);
            const __m512i s0 = gather4(sp, rows), s1 = gather4(sp + 4, rows), s2 = gather4(sp + 8, rows);
            int8_t* sc = reinterpret_cast<int8_t*>(out + 1536);
#pragma GCC unroll 16
            for (int j = 0; j < 16; ++j) {
                const __m512i lo_byte = _mm512_srli_epi32(j % 8 < 4 ? s0 : s1, 8 * (j % 4));
                const __m512i lo4 = _mm512_and_si512(j < 8 ? lo_byte : _mm512_srli_epi32(lo_byte, 4), m15);
                const __m512i hi2 = _mm512_and_si512(_mm512_srli_epi32(s2, 8 * (j % 4) + 2 * (j / 4)), m3);
                store16(reinterpret_cast<uint8_t*>(sc) + j * kPackRows,
                        _mm512_sub_epi32(_mm512_or_si512(lo4, _mm512_slli_epi32(hi2, 4)), m32));
            }
            // d is the block's last 2 bytes: read the 4 ending there (nothing past the block).
            store_halves(reinterpret_cast<uint16_t*>(out + 1792),
                         _mm512_srli_epi32(gather4(blk + sizeof(BlockQ3_K) - 4, rows), 16));
        }
    }
}

// IQ4_XS (block: d, scales_h, scales_l[4], qs[128]): quants as Q4_0's, per 32-value sub-block.
void pack_iq4_xs_groups(const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    const int64_t nsb = cols / 256;
    const __m512i rows = row_offsets(src_row);
    const __m512i m15 = _mm512_set1_epi32(15), m3 = _mm512_set1_epi32(3), m32 = _mm512_set1_epi32(32);
    for (int64_t g = g0; g < g1; ++g) {
        const uint8_t* in = src + static_cast<size_t>(g) * kPackRows * src_row;
        for (int64_t s = 0; s < nsb; ++s) {
            const uint8_t* blk = in + static_cast<size_t>(s) * sizeof(BlockIQ4_XS);
            uint8_t* out = dst + static_cast<size_t>(g * nsb + s) * kPackedIQ4XSSuperBytes;
            const __m512i dh = gather4(blk, rows);  // d | scales_h << 16
            const __m512i sl = gather4(blk + offsetof(BlockIQ4_XS, scales_l), rows);
            store_halves(reinterpret_cast<uint16_t*>(out), dh);
#pragma GCC unroll 8
            for (int ib = 0; ib < 8; ++ib) {
                const __m512i lo = _mm512_and_si512(_mm512_srli_epi32(sl, 4 * ib), m15);  // byte ib / 2, nibble ib % 2
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi32(dh, 16 + 2 * ib), m3);
                store16(out + 64 + 16 * ib, _mm512_sub_epi32(_mm512_or_si512(lo, _mm512_slli_epi32(hi, 4)), m32));
            }
            uint8_t* q = out + 192;
#pragma GCC unroll 8
            for (int i = 0; i < 32; ++i) {
                // Chunk c of sub-block ib (i = 4 ib + c) is qs[16 ib + 4c .. + 3]: qs + 4i.
                _mm512_storeu_si512(q + 64 * i, gather4(blk + offsetof(BlockIQ4_XS, qs) + 4 * i, rows));
            }
        }
    }
}

}  // namespace

PackedGemmFn packed_gemm_avx512(GgmlType t) {
    if (packed_float(t)) return packed_float_gemm_avx512(t);
    if (cpu_features().gfni && packed_gfni_enabled()) return packed_gemm_avx512_gfni(t);
    return select_packed_gemm(t);
}

bool pack_groups_avx512(GgmlType t, const uint8_t* src, size_t src_row, int64_t cols, int64_t g0, int64_t g1, uint8_t* dst) {
    switch (t) {
        case GgmlType::Q4_0:
        case GgmlType::IQ4_NL: pack_block_groups<GgmlType::Q4_0>(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::Q8_0: pack_block_groups<GgmlType::Q8_0>(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::Q4_K: pack_q4_k_groups<false>(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::Q5_K: pack_q4_k_groups<true>(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::Q6_K: pack_q6_k_groups(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::F16:
        case GgmlType::BF16: return pack_float_groups_avx512(t, src, src_row, cols, g0, g1, dst);
        case GgmlType::Q2_K: pack_q2_k_groups(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::Q3_K: pack_q3_k_groups(src, src_row, cols, g0, g1, dst); return true;
        case GgmlType::IQ4_XS: pack_iq4_xs_groups(src, src_row, cols, g0, g1, dst); return true;
        default: return false;
    }
}

}  // namespace edgeseek
#endif
