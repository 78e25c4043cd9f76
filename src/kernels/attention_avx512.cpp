// AVX-512 attention over the f16 cache: keys and values converted 16 at a time with
// vcvtph2ps, f16 rounding of Q and of the softmax weights with vcvtps2ph (round to nearest
// even, as the scalar fp32_to_fp16). Sums run in a different order than the scalar reference:
// results agree to float rounding.
#if defined(__x86_64__)
#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "kernels/attention.h"
#include "kernels/converted_values.h"
#include "kernels/cpu_features.h"
#include "kernels/kv_stream.h"
#include "kernels/ops.h"
#include "kernels/simd.h"

namespace edgeseek {
namespace {

inline __mmask16 tail_mask(int64_t left) {
    return left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
}

inline __m512 load_f16(const uint16_t* p, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }

inline __m512 round_f16(__m512 x) {
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// The keys and values are asked for ahead of use (KvStream): the hardware prefetchers follow
// one head's rows too slowly (with the cache's heads side by side, as they were: decode at 4096
// cached tokens, 1.5B shape, 28 layers beyond the L3, two threads, 9.5 GB/s of keys and values
// without, 23-25 with the L1 requests alone; the whole decode at that depth 26.9 -> 34.4 t/s).

constexpr int64_t kValueBlock = 64;  // positions whose values stay in L1 for all passes (values())

// outs[g] = weights[g] x values for NC 16-dim chunks from c0 (added to outs with `add`): one
// accumulator per row of weights and chunk, so each value chunk is converted once for all G
// rows. With `ahead`, position p's step is taken as it goes (p_first: the stream's position of
// the first).
template <int G, int NC, bool kMemBcast>
void weighted_values(const float* w, int64_t w_stride, const uint16_t* v0, int64_t kv_stride, int64_t n_pos, int64_t head_dim,
                     int64_t c0, float* const* outs, bool add, const KvStream* ahead, int64_t p_first) {
    __m512 acc[NC][G];
    __mmask16 m[NC];
#pragma GCC unroll 32
    for (int i = 0; i < NC; ++i) {
        m[i] = tail_mask(head_dim - 16 * (c0 + i));
#pragma GCC unroll 32
        for (int g = 0; g < G; ++g) {
            acc[i][g] = add ? _mm512_maskz_loadu_ps(m[i], outs[g] + 16 * (c0 + i)) : _mm512_setzero_ps();
        }
    }
    for (int64_t p = 0; p < n_pos; ++p) {
        if (ahead) ahead->step(p_first + p);
        const uint16_t* v = v0 + p * kv_stride + 16 * c0;
        __m512 x[NC];
#pragma GCC unroll 32
        for (int i = 0; i < NC; ++i) x[i] = load_f16(v + 16 * i, m[i]);
#pragma GCC unroll 32
        for (int g = 0; g < G; ++g) {
            if constexpr (kMemBcast) {
#pragma GCC unroll 32
                for (int i = 0; i < NC; ++i) acc[i][g] = fma_bcast(acc[i][g], x[i], w + g * w_stride + p);
            } else {
                const __m512 wg = _mm512_set1_ps(w[g * w_stride + p]);
#pragma GCC unroll 32
                for (int i = 0; i < NC; ++i) acc[i][g] = _mm512_fmadd_ps(wg, x[i], acc[i][g]);
            }
        }
    }
#pragma GCC unroll 32
    for (int i = 0; i < NC; ++i) {
#pragma GCC unroll 32
        for (int g = 0; g < G; ++g) _mm512_mask_storeu_ps(outs[g] + 16 * (c0 + i), m[i], acc[i][g]);
    }
}

// The softmax of s[0 .. n), its weights then rounded to f16.
void softmax_f16(float* s, int64_t n) {
    softmax(s, n);
    for (int64_t p = 0; p < n; p += 16) {
        const __mmask16 m = tail_mask(n - p);
        _mm512_mask_storeu_ps(s + p, m, round_f16(_mm512_maskz_loadu_ps(m, s + p)));
    }
}

// outs[g] = weights[g] (at w + g * w_stride) x the first n_pos values, for G rows of weights
// (a group's heads, or a prompt's tokens x heads). As many chunks per pass as fit the 32
// registers (G * kNc accumulators, kNc values): fewer passes and more independent accumulator
// chains. The positions go by in blocks of
// kValueBlock whose values (16 KB at head_dim 128) stay in L1 for all of a block's passes,
// each block adding to outs, the next block's asked for meanwhile: the values are read from
// memory once however many passes head_dim takes (6 heads: two of 64 dimensions).
template <int G>
void values(const float* w, int64_t w_stride, const uint16_t* v0, int64_t kv_stride, int64_t n_pos, int64_t head_dim,
            float* const* outs) {
    const int64_t chunks = (head_dim + 15) / 16;
    // A weight broadcast into a register for all kNc chunks, or (where that leaves room for
    // twice the chunks) taken by each FMA from memory: the latter costs a load per FMA, which on
    // Zen 5 ties the load ports to the FMAs (6 heads, cached: 87 -> 99 us), but halves the passes
    // for 7 heads (7B: two threads beyond the L3, 20.7 -> 24 GB/s). One chunk a pass (more than
    // 14 rows) uses each weight once: from memory.
    constexpr int kNcReg = (8 * G + 9 <= 32) ? 8 : (4 * G + 5 <= 32) ? 4 : (2 * G + 3 <= 32) ? 2 : 1;
    constexpr int kNcMem = (8 * G + 8 <= 32) ? 8 : (4 * G + 4 <= 32) ? 4 : (2 * G + 2 <= 32) ? 2 : 1;
    constexpr bool kMem = kNcMem > kNcReg || kNcMem == 1;
    constexpr int kNc = kMem ? kNcMem : kNcReg;
    const KvStream stream(v0, kv_stride, head_dim, n_pos, kValueBlock);
    stream.start();
    const int64_t blocks = std::max<int64_t>(1, (n_pos + kValueBlock - 1) / kValueBlock);  // no positions: zeros
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t p0 = b * kValueBlock;
        const int64_t np = std::max<int64_t>(0, std::min(kValueBlock, n_pos - p0));
        const float* wb = w + p0;
        const uint16_t* vb = v0 + p0 * kv_stride;
        const bool add = p0 > 0;
        // The block's first pass (c == 0) asks for the next block's values (and those further
        // ahead into L2), one position's row per position.
        auto first = [&](int64_t c) { return c == 0 ? &stream : nullptr; };
        int64_t c = 0;
        for (; c + kNc <= chunks; c += kNc) {
            weighted_values<G, kNc, kMem>(wb, w_stride, vb, kv_stride, np, head_dim, c, outs, add, first(c), p0);
        }
        if constexpr (kNc > 4) {
            if (c + 4 <= chunks) {
                weighted_values<G, 4, kMem>(wb, w_stride, vb, kv_stride, np, head_dim, c, outs, add, first(c), p0);
                c += 4;
            }
        }
        if constexpr (kNc > 2) {
            if (c + 2 <= chunks) {
                weighted_values<G, 2, kMem>(wb, w_stride, vb, kv_stride, np, head_dim, c, outs, add, first(c), p0);
                c += 2;
            }
        }
        for (; c < chunks; ++c) weighted_values<G, 1, kMem>(wb, w_stride, vb, kv_stride, np, head_dim, c, outs, add, first(c), p0);
    }
}

// One pass of converted_values(): NR rows of weights x NC chunks from c0 over positions of f32
// values (vrow floats apart), added to outs with `add`; ahead.next_step() before each position.
template <int NR, int NC>
void converted_values_pass(const float* w, int64_t w_stride, const float* vf, int64_t vrow, int64_t n_pos, int64_t head_dim,
                           int64_t c0, float* const* outs, bool add, AheadOfRows& ahead) {
    __m512 acc[NC][NR];
    __mmask16 m[NC];
#pragma GCC unroll 8
    for (int i = 0; i < NC; ++i) {
        m[i] = tail_mask(head_dim - 16 * (c0 + i));
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) acc[i][r] = add ? _mm512_maskz_loadu_ps(m[i], outs[r] + 16 * (c0 + i)) : _mm512_setzero_ps();
    }
    for (int64_t p = 0; p < n_pos; ++p) {
        ahead.next_step();
        __m512 x[NC];
#pragma GCC unroll 8
        for (int i = 0; i < NC; ++i) x[i] = _mm512_load_ps(vf + p * vrow + 16 * (c0 + i));
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) {
            const __m512 wr = _mm512_set1_ps(w[r * w_stride + p]);
#pragma GCC unroll 8
            for (int i = 0; i < NC; ++i) acc[i][r] = _mm512_fmadd_ps(wr, x[i], acc[i][r]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < NC; ++i) {
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) _mm512_mask_storeu_ps(outs[r] + 16 * (c0 + i), m[i], acc[i][r]);
    }
}

// values() over values already in f32 (convert_values), for any number of rows: passes of 6 rows
// x 4 chunks (converted_value_passes), each weight broadcast into a register for its 4 FMAs, so a
// position costs 10 loads and no conversions per 24 FMAs (values() with a prompt's 24 rows: one
// chunk a pass, a load per FMA and a conversion per 24). The same FMAs per row and chunk in the
// same order as values(): the same floats.
constexpr int kConvRows = 6, kConvChunks = 4;
void converted_values(const float* w, int64_t w_stride, const float* vf, int64_t n_pos, int64_t head_dim, int64_t rows,
                      float* const* outs) {
    const int64_t chunks = (head_dim + 15) / 16, vrow = 16 * chunks;
    using PassFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, int64_t, int64_t, float* const*, bool,
                            AheadOfRows&);
    static constexpr auto kPass = []<int... I>(std::integer_sequence<int, I...>) {
        return std::array<PassFn, sizeof...(I)>{converted_values_pass<I / kConvChunks + 1, I % kConvChunks + 1>...};
    }(std::make_integer_sequence<int, kConvRows * kConvChunks>{});
    converted_value_passes<kConvRows, kConvChunks>(
        vf, vrow, n_pos, chunks, rows,
        [&](int64_t nr, int64_t nc, int64_t r0, int64_t c0, int64_t p0, int64_t np, AheadOfRows& ahead) {
            kPass[static_cast<size_t>((nr - 1) * kConvChunks + nc - 1)](w + r0 * w_stride + p0, w_stride, vf + p0 * vrow, vrow, np,
                                                                        head_dim, c0, outs + r0, p0 > 0, ahead);
        });
}

// Keys are asked for this many positions ahead of their conversion (32, 64 and 128 measured
// alike).
constexpr int64_t kKeysAhead = 64;

template <int G>
void attend_group(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                  int64_t head_dim, float scale, float* scores, float* out) {
    constexpr int64_t kMaxDim = 512;
    const int64_t chunks = (head_dim + 15) / 16;
    const int64_t row = 16 * chunks;  // head_dim padded with zeros to whole chunks
    const int64_t full = head_dim / 16;
    const __mmask16 tail = tail_mask(head_dim - 16 * full);
    alignas(64) float qr[G * kMaxDim];
    for (int g = 0; g < G; ++g) {
        for (int64_t c = 0; c < chunks; ++c) {
            const __mmask16 m = tail_mask(head_dim - 16 * c);
            _mm512_store_ps(qr + g * row + 16 * c, round_f16(_mm512_maskz_loadu_ps(m, q + g * head_dim + 16 * c)));
        }
    }
    // Keys 16 at a time: converted to f32 once into kb, then dotted with every head's Q, the
    // 16 products of a head reduced together. kb is chunk-major (chunk c of key j at
    // 256 * c + 16 * j) so the 16 loads of a chunk share one base register.
    alignas(64) float kb[16 * kMaxDim];
    const KvStream stream(k0, kv_stride, head_dim, n_pos, kKeysAhead);
    stream.start();
    for (int64_t p0 = 0; p0 < n_pos; p0 += 16) {
        const int64_t nk = std::min<int64_t>(16, n_pos - p0);
        for (int64_t j = 0; j < 16; ++j) {
            stream.step(p0 + j);
            if (j < nk) {
                const uint16_t* k = k0 + (p0 + j) * kv_stride;
                for (int64_t c = 0; c < full; ++c) _mm512_store_ps(kb + 256 * c + 16 * j, load_f16(k + 16 * c, 0xffff));
                if (full < chunks) _mm512_store_ps(kb + 256 * full + 16 * j, load_f16(k + 16 * full, tail));
            } else {
                for (int64_t c = 0; c < chunks; ++c) _mm512_store_ps(kb + 256 * c + 16 * j, _mm512_setzero_ps());
            }
        }
        for (int g = 0; g < G; ++g) {
            __m512 acc[16];
#pragma GCC unroll 16
            for (int j = 0; j < 16; ++j) acc[j] = _mm512_setzero_ps();
            for (int64_t c = 0; c < chunks; ++c) {
                const __m512 qc = _mm512_load_ps(qr + g * row + 16 * c);
                const float* kc = kb + 256 * c;
#pragma GCC unroll 16
                for (int j = 0; j < 16; ++j) acc[j] = _mm512_fmadd_ps(qc, _mm512_load_ps(kc + 16 * j), acc[j]);
            }
            _mm512_mask_storeu_ps(scores + g * n_pos + p0, tail_mask(nk), _mm512_mul_ps(reduce16(acc, AddPs{}), _mm512_set1_ps(scale)));
        }
    }
    for (int g = 0; g < G; ++g) softmax_f16(scores + g * n_pos, n_pos);
    float* outs[G];
    for (int g = 0; g < G; ++g) outs[g] = out + g * head_dim;
    values<G>(scores, n_pos, v0, kv_stride, n_pos, head_dim, outs);
}

// Groups of more than 8 heads would not keep their accumulators in registers: 8 at a time.
void attend_heads(const float* q, int64_t n_heads, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride,
                  int64_t n_pos, int64_t head_dim, float scale, float* scores, float* out) {
    using GroupFn = void (*)(const float*, const uint16_t*, const uint16_t*, int64_t, int64_t, int64_t, float, float*, float*);
    static constexpr GroupFn kByGroup[] = {attend_group<1>, attend_group<2>, attend_group<3>, attend_group<4>,
                                                attend_group<5>, attend_group<6>, attend_group<7>, attend_group<8>};
    for (int64_t h = 0; h < n_heads; h += 8) {
        const int64_t g = std::min<int64_t>(8, n_heads - h);
        kByGroup[g - 1](q + h * head_dim, k0, v0, kv_stride, n_pos, head_dim, scale, scores + h * n_pos, out + h * head_dim);
    }
}

// r[j] lane d = r[d] lane j (a 16 x 16 transpose): 32-bit then 64-bit interleaves within
// 128-bit lanes, then two rounds of 128-bit lane shuffles (64 shuffles).
inline void transpose16(__m512 (&r)[16]) {
    __m512 t[16];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // After this, lane L of u[4g + k] holds rows 4g..4g+3 of column 4L + k.
    __m512 u[16];
#pragma GCC unroll 4
    for (int g = 0; g < 4; ++g) {
        const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
        u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
        const __m512 a0 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x44), a1 = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xee);
        const __m512 b0 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x44), b1 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xee);
        r[k] = _mm512_shuffle_f32x4(a0, b0, 0x88);
        r[4 + k] = _mm512_shuffle_f32x4(a0, b0, 0xdd);
        r[8 + k] = _mm512_shuffle_f32x4(a1, b1, 0x88);
        r[12 + k] = _mm512_shuffle_f32x4(a1, b1, 0xdd);
    }
}

// Keys p0 .. p0 + 15 (those from n_pos on as zeros) converted to f32 and transposed into kt:
// dimension d of the 16 keys at kt + 16 * d, dimensions head_dim .. 16 * chunks - 1 zero.
void transposed_keys(const uint16_t* k0, int64_t kv_stride, int64_t p0, int64_t n_pos, int64_t head_dim, float* kt) {
    const int64_t chunks = (head_dim + 15) / 16, nk = std::min<int64_t>(16, n_pos - p0);
    for (int64_t c = 0; c < chunks; ++c) {
        const __mmask16 m = tail_mask(head_dim - 16 * c);
        __m512 r[16];
#pragma GCC unroll 16
        for (int j = 0; j < 16; ++j) r[j] = j < nk ? load_f16(k0 + (p0 + j) * kv_stride + 16 * c, m) : _mm512_setzero_ps();
        transpose16(r);
#pragma GCC unroll 16
        for (int d = 0; d < 16; ++d) _mm512_store_ps(kt + 16 * (16 * c + d), r[d]);
    }
}

// NR rows' scores against one block of 16 keys held transposed (kt[d] = dimension d of the 16
// keys): per dimension one load and NR FMAs with the row's value broadcast, no reduction.
template <int NR>
void scores_rows(const float* qr, int64_t row, const float* kt, int64_t head_dim, float scale, float* s, int64_t s_stride,
                 __mmask16 m) {
    __m512 acc[NR];
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t d = 0; d < head_dim; ++d) {
        const __m512 k = _mm512_load_ps(kt + 16 * d);
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(qr[r * row + d]), k, acc[r]);
    }
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) _mm512_mask_storeu_ps(s + r * s_stride, m, _mm512_mul_ps(acc[r], _mm512_set1_ps(scale)));
}

// scores_rows for two consecutive blocks of 16 keys (the second at kt + 16 * row; its stores
// masked by m1): each broadcast row value feeds two FMAs, so up to 12 rows' 24 accumulators take
// 2 + NR loads per 2 * NR FMAs instead of 1 + NR per NR. The same FMAs per score.
template <int NR>
void scores_rows_pair(const float* qr, int64_t row, const float* kt, int64_t head_dim, float scale, float* s, int64_t s_stride,
                      __mmask16 m1) {
    __m512 acc0[NR], acc1[NR];
#pragma GCC unroll 12
    for (int r = 0; r < NR; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
    const float* kt1 = kt + 16 * row;
    for (int64_t d = 0; d < head_dim; ++d) {
        const __m512 k0 = _mm512_load_ps(kt + 16 * d), k1 = _mm512_load_ps(kt1 + 16 * d);
#pragma GCC unroll 12
        for (int r = 0; r < NR; ++r) {
            const __m512 qv = _mm512_set1_ps(qr[r * row + d]);
            acc0[r] = _mm512_fmadd_ps(qv, k0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(qv, k1, acc1[r]);
        }
    }
    const __m512 sc = _mm512_set1_ps(scale);
#pragma GCC unroll 12
    for (int r = 0; r < NR; ++r) {
        _mm512_storeu_ps(s + r * s_stride, _mm512_mul_ps(acc0[r], sc));
        _mm512_mask_storeu_ps(s + r * s_stride + 16, m1, _mm512_mul_ps(acc1[r], sc));
    }
}
constexpr int kPairRows = 12;

// n_tok consecutive tokens x G heads: the keys are converted and transposed once per block of
// 16 for all n_tok * G rows, whose scores then need no horizontal sums; softmax and values
// per token as attend_group. Row i * G + g's scores at scores + (i * G + g) * n_max.
template <int G>
void attend_tokens_group(const float* q, int64_t q_stride, int64_t n_tok, const uint16_t* k0, const uint16_t* v0,
                         int64_t kv_stride, int64_t pos0, int64_t head_dim, float scale, float* scores, float* out,
                         int64_t out_stride, const float* keys, const float* vals) {
    constexpr int64_t kMaxDim = 512;
    const int64_t chunks = (head_dim + 15) / 16;
    const int64_t row = 16 * chunks;
    const int64_t rows = n_tok * G, n_max = pos0 + n_tok;
    thread_local std::vector<float> qbuf;
    qbuf.resize(static_cast<size_t>(rows * row));
    float* qr = qbuf.data();
    for (int64_t i = 0; i < n_tok; ++i) {
        for (int g = 0; g < G; ++g) {
            for (int64_t c = 0; c < chunks; ++c) {
                const __mmask16 m = tail_mask(head_dim - 16 * c);
                _mm512_storeu_ps(qr + (i * G + g) * row + 16 * c,
                                 round_f16(_mm512_maskz_loadu_ps(m, q + i * q_stride + g * head_dim + 16 * c)));
            }
        }
    }
    // Keys by pairs of blocks (scores_rows_pair), a last single block by scores_rows.
    alignas(64) float block[2 * 16 * kMaxDim];
    using RowsFn = void (*)(const float*, int64_t, const float*, int64_t, float, float*, int64_t, __mmask16);
    static constexpr auto kPair = []<int... R>(std::integer_sequence<int, R...>) {
        return std::array<RowsFn, sizeof...(R)>{scores_rows_pair<R + 1>...};
    }(std::make_integer_sequence<int, kPairRows>{});
    static constexpr RowsFn kRest[] = {nullptr, scores_rows<1>, scores_rows<2>, scores_rows<3>,
                                       scores_rows<4>, scores_rows<5>, scores_rows<6>, scores_rows<7>};
    for (int64_t p0 = 0; p0 < n_max; p0 += 32) {
        const int64_t nk = std::min<int64_t>(32, n_max - p0);
        const float* kt = block;
        if (keys) {
            kt = keys + p0 * row;  // converted once for the layer (convert_keys)
        } else {
            transposed_keys(k0, kv_stride, p0, n_max, head_dim, block);
            if (nk > 16) transposed_keys(k0, kv_stride, p0 + 16, n_max, head_dim, block + 16 * row);
        }
        if (nk > 16) {
            for (int64_t r0 = 0; r0 < rows; r0 += kPairRows) {
                kPair[static_cast<size_t>(std::min<int64_t>(kPairRows, rows - r0) - 1)](
                    qr + r0 * row, row, kt, head_dim, scale, scores + r0 * n_max + p0, n_max, tail_mask(nk - 16));
            }
            continue;
        }
        const __mmask16 m = tail_mask(nk);
        int64_t r0 = 0;
        for (; r0 + 8 <= rows; r0 += 8) scores_rows<8>(qr + r0 * row, row, kt, head_dim, scale, scores + r0 * n_max + p0, n_max, m);
        if (r0 < rows) kRest[rows - r0](qr + r0 * row, row, kt, head_dim, scale, scores + r0 * n_max + p0, n_max, m);
    }
    // Causal: token i sees keys 0 .. pos0 + i. The values of the keys every token sees go to all
    // n_tok * G rows in one call (each value chunk converted once for all of them); the few
    // after those (up to n_tok - 1) then to the rows that see them, in the same order of FMAs
    // per row as one call per token would take.
    float* outs[kAttendTokens * 8];
    for (int64_t i = 0; i < n_tok; ++i) {
        for (int g = 0; g < G; ++g) {
            softmax_f16(scores + (i * G + g) * n_max, pos0 + i + 1);
            outs[i * G + g] = out + i * out_stride + g * head_dim;
        }
    }
    using ValuesFn = void (*)(const float*, int64_t, const uint16_t*, int64_t, int64_t, int64_t, float* const*);
    static constexpr auto kValues = []<int... R>(std::integer_sequence<int, R...>) {
        return std::array<ValuesFn, sizeof...(R)>{values<R + 1>...};
    }(std::make_integer_sequence<int, kAttendTokens * 8>{});
    if (vals) {
        converted_values(scores, n_max, vals, pos0 + 1, head_dim, rows, outs);
    } else {
        kValues[static_cast<size_t>(rows - 1)](scores, n_max, v0, kv_stride, pos0 + 1, head_dim, outs);
    }
    for (int64_t j = 1; j < n_tok; ++j) {
        const uint16_t* v = v0 + (pos0 + j) * kv_stride;
        for (int64_t c = 0; c < chunks; ++c) {
            const __mmask16 m = tail_mask(head_dim - 16 * c);
            const __m512 x = load_f16(v + 16 * c, m);
            for (int64_t r = j * G; r < rows; ++r) {
                float* o = outs[r] + 16 * c;
                _mm512_mask_storeu_ps(o, m, fma_bcast(_mm512_maskz_loadu_ps(m, o), x, scores + r * n_max + pos0 + j));
            }
        }
    }
}

void attend_tokens(const float* q, int64_t q_stride, int64_t n_tok, int64_t n_heads, const uint16_t* k0, const uint16_t* v0,
                   int64_t kv_stride, int64_t pos0, int64_t head_dim, float scale, float* scores, float* out,
                   int64_t out_stride, const float* keys, const float* values) {
    using TokensFn = void (*)(const float*, int64_t, int64_t, const uint16_t*, const uint16_t*, int64_t, int64_t, int64_t,
                              float, float*, float*, int64_t, const float*, const float*);
    static constexpr TokensFn kByGroup[] = {attend_tokens_group<1>, attend_tokens_group<2>, attend_tokens_group<3>,
                                            attend_tokens_group<4>, attend_tokens_group<5>, attend_tokens_group<6>,
                                            attend_tokens_group<7>, attend_tokens_group<8>};
    if (n_tok > kAttendTokens) {  // at most kAttendTokens * 8 rows a call (the values' row table)
        for (int64_t t0 = 0; t0 < n_tok; t0 += kAttendTokens) {
            attend_tokens(q + t0 * q_stride, q_stride, std::min(kAttendTokens, n_tok - t0), n_heads, k0, v0, kv_stride, pos0 + t0,
                          head_dim, scale, scores, out + t0 * out_stride, out_stride, keys, values);
        }
        return;
    }
    if (n_heads > 8 || n_tok * n_heads < kAttendRowsMin) {  // a group too large for the registers, or too few rows to pay the transpose
        attend_tokens_scalar_order(attend_heads, q, q_stride, n_tok, n_heads, k0, v0, kv_stride, pos0, head_dim, scale, scores,
                                   out, out_stride);
        return;
    }
    kByGroup[n_heads - 1](q, q_stride, n_tok, k0, v0, kv_stride, pos0, head_dim, scale, scores, out, out_stride, keys, values);
}

void convert_keys(const uint16_t* k0, int64_t kv_stride, int64_t p0, int64_t p1, int64_t head_dim, float* keys) {
    const int64_t row = 16 * ((head_dim + 15) / 16);
    for (int64_t p = p0; p < p1; p += 16) transposed_keys(k0, kv_stride, p, p1, head_dim, keys + p * row);
}

void convert_values(const uint16_t* v0, int64_t kv_stride, int64_t p0, int64_t p1, int64_t head_dim, float* values) {
    const int64_t chunks = (head_dim + 15) / 16, row = 16 * chunks;
    for (int64_t p = p0; p < p1; ++p) {
        for (int64_t c = 0; c < chunks; ++c) {
            _mm512_store_ps(values + p * row + 16 * c, load_f16(v0 + p * kv_stride + 16 * c, tail_mask(head_dim - 16 * c)));
        }
    }
}

}  // namespace

ConvertValuesFn convert_values_avx512() { return convert_values; }
AttendGroupFn attend_heads_avx512() { return attend_heads; }
AttendTokensFn attend_tokens_avx512() { return attend_tokens; }
ConvertKeysFn convert_keys_avx512() { return convert_keys; }

}  // namespace edgeseek
#endif
