// AVX2 + FMA attention over the f16 cache (F16C conversions), for CPUs without AVX-512 (most
// laptops): the AVX-512 kernel's structure at 8 lanes and 16 registers. Keys 8 at a time are
// converted once into a block every head's Q is dotted with (each head's 8 products reduced
// together); the softmax weights rounded to f16; values weighed in 64-position blocks that
// stay in L1 for all of a block's passes over head_dim, with the cache's rows asked for ahead
// of use. Q and the weights round to f16 as the scalar reference (and llama.cpp) round them;
// sums run in another order: results agree to float rounding. Head sizes that are not a
// multiple of 8 (no model has one) take the scalar reference. A prompt's tokens go in batches
// (attend_tokens_group): keys converted and transposed once per block for all its rows.
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/attention.h"
#include "kernels/converted_values.h"
#include "kernels/cpu_features.h"
#include "kernels/kv_stream.h"
#include "kernels/ops.h"

namespace edgeseek {
namespace {

constexpr int64_t kMaxDim = 512;
constexpr int64_t kKeysAhead = 64;    // positions of keys asked for ahead of their conversion
constexpr int64_t kValueBlock = 64;   // positions whose values stay in L1 for all passes

inline __m256 load_h8(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

inline __m256 round_f16(__m256 x) {
    return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Lanes below `left` (all 8 from 8 on).
inline __m256i tail(int64_t left) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min<int64_t>(left, 8))), lanes);
}

// Lane j = the sum of v[j]'s 8 lanes.
inline __m256 reduce8(const __m256 (&v)[8]) {
    const __m256 t0 = _mm256_hadd_ps(v[0], v[1]), t1 = _mm256_hadd_ps(v[2], v[3]);
    const __m256 t2 = _mm256_hadd_ps(v[4], v[5]), t3 = _mm256_hadd_ps(v[6], v[7]);
    // u0: v0..v3's sums of lanes 0-3 (low half) and of lanes 4-7 (high half); u1: v4..v7's.
    const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// out[g] = weights[g] x values for NC 8-dim chunks from c0 (added to out with `add`); with
// `ahead`, position p's step taken as it goes (p_first: the stream's position of the first).
template <int G, int NC>
void weighted_values(const float* w, int64_t w_stride, const uint16_t* v0, int64_t kv_stride, int64_t n_pos, int64_t head_dim,
                     int64_t c0, float* out, bool add, const KvStream* ahead, int64_t p_first) {
    __m256 acc[NC][G];
    for (int i = 0; i < NC; ++i) {
        for (int g = 0; g < G; ++g) acc[i][g] = add ? _mm256_loadu_ps(out + g * head_dim + 8 * (c0 + i)) : _mm256_setzero_ps();
    }
    for (int64_t p = 0; p < n_pos; ++p) {
        if (ahead) ahead->step(p_first + p);
        const uint16_t* v = v0 + p * kv_stride + 8 * c0;
        __m256 x[NC];
        for (int i = 0; i < NC; ++i) x[i] = load_h8(v + 8 * i);
        for (int g = 0; g < G; ++g) {
            const __m256 wg = _mm256_broadcast_ss(w + g * w_stride + p);
            for (int i = 0; i < NC; ++i) acc[i][g] = _mm256_fmadd_ps(wg, x[i], acc[i][g]);
        }
    }
    for (int i = 0; i < NC; ++i) {
        for (int g = 0; g < G; ++g) _mm256_storeu_ps(out + g * head_dim + 8 * (c0 + i), acc[i][g]);
    }
}

// out[g] = weights[g] (at w + g * w_stride) x the first n_pos values, for G heads: as many
// chunks per pass as fit 16 registers (G * kNc accumulators, kNc values, one weight).
template <int G>
void values(const float* w, int64_t w_stride, const uint16_t* v0, int64_t kv_stride, int64_t n_pos, int64_t head_dim,
            float* out) {
    const int64_t chunks = head_dim / 8;
    constexpr int kNc = (4 * G + 5 <= 16) ? 4 : (2 * G + 3 <= 16) ? 2 : 1;
    const KvStream stream(v0, kv_stride, head_dim, n_pos, kValueBlock);
    stream.start();
    const int64_t blocks = std::max<int64_t>(1, (n_pos + kValueBlock - 1) / kValueBlock);  // no positions: zeros
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t p0 = b * kValueBlock;
        const int64_t np = std::max<int64_t>(0, std::min(kValueBlock, n_pos - p0));
        const float* wb = w + p0;
        const uint16_t* vb = v0 + p0 * kv_stride;
        const bool add = p0 > 0;
        int64_t c = 0;
        for (; c + kNc <= chunks; c += kNc) {
            weighted_values<G, kNc>(wb, w_stride, vb, kv_stride, np, head_dim, c, out, add, c == 0 ? &stream : nullptr, p0);
        }
        for (; c < chunks; ++c) {
            weighted_values<G, 1>(wb, w_stride, vb, kv_stride, np, head_dim, c, out, add, c == 0 ? &stream : nullptr, p0);
        }
    }
}

// Softmax over s[0, n), each weight then rounded to f16 (as the scalar reference rounds it).
void softmax_f16(float* s, int64_t n) {
    softmax_avx2(s, n);
    for (int64_t p = 0; p < n; p += 8) {
        const __m256i m = tail(n - p);
        _mm256_maskstore_ps(s + p, m, round_f16(_mm256_maskload_ps(s + p, m)));
    }
}

template <int G>
void attend_group(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                  int64_t head_dim, float scale, float* scores, float* out) {
    const int64_t chunks = head_dim / 8;
    alignas(32) float qr[G * kMaxDim];
    for (int g = 0; g < G; ++g) {
        for (int64_t c = 0; c < chunks; ++c) _mm256_store_ps(qr + g * head_dim + 8 * c, round_f16(_mm256_loadu_ps(q + g * head_dim + 8 * c)));
    }
    // Keys 8 at a time, converted once into kb (chunk c of key j at 64 c + 8 j), then dotted
    // with every head's Q.
    alignas(32) float kb[8 * kMaxDim];
    const KvStream stream(k0, kv_stride, head_dim, n_pos, kKeysAhead);
    stream.start();
    const __m256 vscale = _mm256_set1_ps(scale);
    for (int64_t p0 = 0; p0 < n_pos; p0 += 8) {
        const int64_t nk = std::min<int64_t>(8, n_pos - p0);
        for (int64_t j = 0; j < 8; ++j) {
            stream.step(p0 + j);
            if (j < nk) {
                const uint16_t* k = k0 + (p0 + j) * kv_stride;
                for (int64_t c = 0; c < chunks; ++c) _mm256_store_ps(kb + 64 * c + 8 * j, load_h8(k + 8 * c));
            } else {
                for (int64_t c = 0; c < chunks; ++c) _mm256_store_ps(kb + 64 * c + 8 * j, _mm256_setzero_ps());
            }
        }
        const __m256i m = tail(nk);
        for (int g = 0; g < G; ++g) {
            __m256 acc[8];
            for (int j = 0; j < 8; ++j) acc[j] = _mm256_setzero_ps();
            for (int64_t c = 0; c < chunks; ++c) {
                const __m256 qc = _mm256_load_ps(qr + g * head_dim + 8 * c);
                const float* kc = kb + 64 * c;
                for (int j = 0; j < 8; ++j) acc[j] = _mm256_fmadd_ps(qc, _mm256_load_ps(kc + 8 * j), acc[j]);
            }
            _mm256_maskstore_ps(scores + g * n_pos + p0, m, _mm256_mul_ps(reduce8(acc), vscale));
        }
    }
    for (int g = 0; g < G; ++g) softmax_f16(scores + g * n_pos, n_pos);
    values<G>(scores, n_pos, v0, kv_stride, n_pos, head_dim, out);
}

// Groups of up to 8 heads per call (the accumulators of more would not fit the registers).
void attend_heads(const float* q, int64_t n_heads, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride,
                  int64_t n_pos, int64_t head_dim, float scale, float* scores, float* out) {
    if (head_dim % 8 != 0 || head_dim > kMaxDim) {
        attend_heads_scalar(q, n_heads, k0, v0, kv_stride, n_pos, head_dim, scale, scores, out);
        return;
    }
    using GroupFn = void (*)(const float*, const uint16_t*, const uint16_t*, int64_t, int64_t, int64_t, float, float*, float*);
    static constexpr GroupFn kByGroup[] = {attend_group<1>, attend_group<2>, attend_group<3>, attend_group<4>,
                                           attend_group<5>, attend_group<6>, attend_group<7>, attend_group<8>};
    for (int64_t h = 0; h < n_heads; h += 8) {
        const int64_t g = std::min<int64_t>(8, n_heads - h);
        kByGroup[g - 1](q + h * head_dim, k0, v0, kv_stride, n_pos, head_dim, scale, scores + h * n_pos, out + h * head_dim);
    }
}

// r[j] lane d = r[d] lane j (an 8 x 8 transpose): 32-bit interleaves, 64-bit shuffles within
// 128-bit lanes, then the 128-bit halves.
inline void transpose8(__m256 (&r)[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4h + k]: rows 4h..4h+3 of column k (low half) and of column 4 + k (high half).
    for (int h = 0; h < 2; ++h) {
        u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
    }
    for (int k = 0; k < 4; ++k) {
        r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
        r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
}

// Keys p0 .. p0 + 7 (those from n_pos on as zeros) converted to f32 and transposed into kt:
// dimension d of the 8 keys at kt + 8 * d.
void transposed_keys(const uint16_t* k0, int64_t kv_stride, int64_t p0, int64_t n_pos, int64_t head_dim, float* kt) {
    const int64_t nk = std::min<int64_t>(8, n_pos - p0);
    for (int64_t c = 0; c < head_dim / 8; ++c) {
        __m256 r[8];
        for (int j = 0; j < 8; ++j) r[j] = j < nk ? load_h8(k0 + (p0 + j) * kv_stride + 8 * c) : _mm256_setzero_ps();
        transpose8(r);
        for (int d = 0; d < 8; ++d) _mm256_store_ps(kt + 8 * (8 * c + d), r[d]);
    }
}

// NR rows' scores against one block of 8 keys held transposed (kt[8 d + j] = dimension d of
// key j): per dimension one load and NR FMAs with the row's value broadcast, no reduction.
template <int NR>
void scores_rows(const float* qr, int64_t row, const float* kt, int64_t head_dim, float scale, float* s, int64_t s_stride,
                 __m256i m) {
    __m256 acc[NR];
    for (int r = 0; r < NR; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t d = 0; d < head_dim; ++d) {
        const __m256 k = _mm256_load_ps(kt + 8 * d);
        for (int r = 0; r < NR; ++r) acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(qr + r * row + d), k, acc[r]);
    }
    for (int r = 0; r < NR; ++r) _mm256_maskstore_ps(s + r * s_stride, m, _mm256_mul_ps(acc[r], _mm256_set1_ps(scale)));
}

// scores_rows for two consecutive blocks of 8 keys (the second at kt + 8 * head_dim, its stores
// masked by m1): each broadcast row value feeds two FMAs, 2 + NR loads per 2 * NR FMAs (up to 6
// rows: 12 accumulators). The same FMAs per score.
template <int NR>
void scores_rows_pair(const float* qr, int64_t row, const float* kt, int64_t head_dim, float scale, float* s, int64_t s_stride,
                      __m256i m1) {
    __m256 acc0[NR], acc1[NR];
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) acc0[r] = acc1[r] = _mm256_setzero_ps();
    const float* kt1 = kt + 8 * head_dim;
    for (int64_t d = 0; d < head_dim; ++d) {
        const __m256 k0 = _mm256_load_ps(kt + 8 * d), k1 = _mm256_load_ps(kt1 + 8 * d);
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) {
            const __m256 qv = _mm256_broadcast_ss(qr + r * row + d);
            acc0[r] = _mm256_fmadd_ps(qv, k0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(qv, k1, acc1[r]);
        }
    }
    const __m256 sc = _mm256_set1_ps(scale);
#pragma GCC unroll 8
    for (int r = 0; r < NR; ++r) {
        _mm256_storeu_ps(s + r * s_stride, _mm256_mul_ps(acc0[r], sc));
        _mm256_maskstore_ps(s + r * s_stride + 8, m1, _mm256_mul_ps(acc1[r], sc));
    }
}
constexpr int kPairRows = 6;

// One pass of converted_values(): NR rows of weights x NC chunks of 8 from c0 over positions of
// f32 values (vrow floats apart), added to outs with `add`; ahead.next_step() before each position.
template <int NR, int NC>
void converted_values_pass(const float* w, int64_t w_stride, const float* vf, int64_t vrow, int64_t n_pos, int64_t c0,
                           float* const* outs, bool add, AheadOfRows& ahead) {
    __m256 acc[NC][NR];
#pragma GCC unroll 8
    for (int i = 0; i < NC; ++i) {
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) acc[i][r] = add ? _mm256_loadu_ps(outs[r] + 8 * (c0 + i)) : _mm256_setzero_ps();
    }
    for (int64_t p = 0; p < n_pos; ++p) {
        ahead.next_step();
        __m256 x[NC];
#pragma GCC unroll 8
        for (int i = 0; i < NC; ++i) x[i] = _mm256_load_ps(vf + p * vrow + 8 * (c0 + i));
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) {
            const __m256 wr = _mm256_broadcast_ss(w + r * w_stride + p);
#pragma GCC unroll 8
            for (int i = 0; i < NC; ++i) acc[i][r] = _mm256_fmadd_ps(wr, x[i], acc[i][r]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < NC; ++i) {
#pragma GCC unroll 8
        for (int r = 0; r < NR; ++r) _mm256_storeu_ps(outs[r] + 8 * (c0 + i), acc[i][r]);
    }
}

// All rows' weights x the first n_pos values already in f32 (convert_values), in passes of 6 rows
// x 2 chunks (converted_value_passes; 12 accumulators): no conversions, 8 loads per 12 FMAs
// (values() per token: two conversions per 12 FMAs). The same FMAs per output in the same order
// as values(): the same floats.
constexpr int kConvRows = 6, kConvChunks = 2;
void converted_values(const float* w, int64_t w_stride, const float* vf, int64_t n_pos, int64_t head_dim, int64_t rows,
                      float* const* outs) {
    const int64_t chunks = head_dim / 8, vrow = (head_dim + 15) / 16 * 16;
    using PassFn = void (*)(const float*, int64_t, const float*, int64_t, int64_t, int64_t, float* const*, bool, AheadOfRows&);
    static constexpr PassFn kPass[kConvRows][kConvChunks] = {
        {converted_values_pass<1, 1>, converted_values_pass<1, 2>}, {converted_values_pass<2, 1>, converted_values_pass<2, 2>},
        {converted_values_pass<3, 1>, converted_values_pass<3, 2>}, {converted_values_pass<4, 1>, converted_values_pass<4, 2>},
        {converted_values_pass<5, 1>, converted_values_pass<5, 2>}, {converted_values_pass<6, 1>, converted_values_pass<6, 2>}};
    converted_value_passes<kConvRows, kConvChunks>(
        vf, vrow, n_pos, chunks, rows,
        [&](int64_t nr, int64_t nc, int64_t r0, int64_t c0, int64_t p0, int64_t np, AheadOfRows& ahead) {
            kPass[nr - 1][nc - 1](w + r0 * w_stride + p0, w_stride, vf + p0 * vrow, vrow, np, c0, outs + r0, p0 > 0, ahead);
        });
}

// n_tok consecutive tokens x G heads, as the AVX-512 kernel: each block of 8 cached keys is
// converted and transposed once for all n_tok * G rows, whose scores then need no horizontal
// sums; softmax and values per token as attend_group. Row i * G + g's scores at scores + (i * G
// + g) * n_max.
template <int G>
void attend_tokens_group(const float* q, int64_t q_stride, int64_t n_tok, const uint16_t* k0, const uint16_t* v0,
                         int64_t kv_stride, int64_t pos0, int64_t head_dim, float scale, float* scores, float* out,
                         int64_t out_stride, const float* keys, const float* vals) {
    const int64_t chunks = head_dim / 8;
    const int64_t rows = n_tok * G, n_max = pos0 + n_tok;
    thread_local std::vector<float> qbuf;
    qbuf.resize(static_cast<size_t>(rows * head_dim));
    float* qr = qbuf.data();
    for (int64_t i = 0; i < n_tok; ++i) {
        for (int g = 0; g < G; ++g) {
            for (int64_t c = 0; c < chunks; ++c) {
                _mm256_storeu_ps(qr + (i * G + g) * head_dim + 8 * c, round_f16(_mm256_loadu_ps(q + i * q_stride + g * head_dim + 8 * c)));
            }
        }
    }
    // Keys by pairs of blocks (scores_rows_pair), a last single block by scores_rows.
    alignas(32) float block[2 * 8 * kMaxDim];
    using RowsFn = void (*)(const float*, int64_t, const float*, int64_t, float, float*, int64_t, __m256i);
    static constexpr RowsFn kPair[] = {scores_rows_pair<1>, scores_rows_pair<2>, scores_rows_pair<3>,
                                       scores_rows_pair<4>, scores_rows_pair<5>, scores_rows_pair<6>};
    static constexpr RowsFn kRest[] = {nullptr, scores_rows<1>, scores_rows<2>, scores_rows<3>,
                                       scores_rows<4>, scores_rows<5>, scores_rows<6>, scores_rows<7>};
    for (int64_t p0 = 0; p0 < n_max; p0 += 16) {
        const int64_t nk = std::min<int64_t>(16, n_max - p0);
        const float* kt = block;
        if (keys) {
            kt = keys + p0 * head_dim;  // converted once for the layer (convert_keys)
        } else {
            transposed_keys(k0, kv_stride, p0, n_max, head_dim, block);
            if (nk > 8) transposed_keys(k0, kv_stride, p0 + 8, n_max, head_dim, block + 8 * head_dim);
        }
        if (nk > 8) {
            for (int64_t r0 = 0; r0 < rows; r0 += kPairRows) {
                kPair[std::min<int64_t>(kPairRows, rows - r0) - 1](qr + r0 * head_dim, head_dim, kt, head_dim, scale,
                                                                   scores + r0 * n_max + p0, n_max, tail(nk - 8));
            }
            continue;
        }
        const __m256i m = tail(nk);
        int64_t r0 = 0;
        for (; r0 + 8 <= rows; r0 += 8) scores_rows<8>(qr + r0 * head_dim, head_dim, kt, head_dim, scale, scores + r0 * n_max + p0, n_max, m);
        if (r0 < rows) kRest[rows - r0](qr + r0 * head_dim, head_dim, kt, head_dim, scale, scores + r0 * n_max + p0, n_max, m);
    }
    if (!vals) {
        for (int64_t i = 0; i < n_tok; ++i) {
            const int64_t n_pos = pos0 + i + 1;  // causal: token i sees keys 0 .. its position
            float* w = scores + i * G * n_max;
            for (int g = 0; g < G; ++g) softmax_f16(w + g * n_max, n_pos);
            values<G>(w, n_max, v0, kv_stride, n_pos, head_dim, out + i * out_stride);
        }
        return;
    }
    // The converted values every token sees (0 .. pos0) go to all rows at once, then the few
    // after them (up to n_tok - 1, from the cache) to the rows that see them: per output the same
    // FMAs in the same order as values() per token.
    float* outs[kAttendTokens * 8];
    for (int64_t i = 0; i < n_tok; ++i) {
        for (int g = 0; g < G; ++g) {
            softmax_f16(scores + (i * G + g) * n_max, pos0 + i + 1);
            outs[i * G + g] = out + i * out_stride + g * head_dim;
        }
    }
    converted_values(scores, n_max, vals, pos0 + 1, head_dim, rows, outs);
    for (int64_t j = 1; j < n_tok; ++j) {
        const uint16_t* v = v0 + (pos0 + j) * kv_stride;
        for (int64_t c = 0; c < chunks; ++c) {
            const __m256 x = load_h8(v + 8 * c);
            for (int64_t r = j * G; r < rows; ++r) {
                float* o = outs[r] + 8 * c;
                _mm256_storeu_ps(o, _mm256_fmadd_ps(_mm256_broadcast_ss(scores + r * n_max + pos0 + j), x, _mm256_loadu_ps(o)));
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
    if (n_tok > kAttendTokens) {  // at most kAttendTokens * 8 rows a call (converted_values' row table)
        for (int64_t t0 = 0; t0 < n_tok; t0 += kAttendTokens) {
            attend_tokens(q + t0 * q_stride, q_stride, std::min(kAttendTokens, n_tok - t0), n_heads, k0, v0, kv_stride, pos0 + t0,
                          head_dim, scale, scores, out + t0 * out_stride, out_stride, keys, values);
        }
        return;
    }
    // Head sizes the heads kernel leaves to the scalar reference, groups too large for the
    // registers, or too few rows to pay the transpose: one token at a time.
    if (head_dim % 8 != 0 || head_dim > kMaxDim || n_heads > 8 || n_tok * n_heads < kAttendRowsMin) {
        attend_tokens_scalar_order(attend_heads, q, q_stride, n_tok, n_heads, k0, v0, kv_stride, pos0, head_dim, scale, scores,
                                   out, out_stride);
        return;
    }
    kByGroup[n_heads - 1](q, q_stride, n_tok, k0, v0, kv_stride, pos0, head_dim, scale, scores, out, out_stride, keys, values);
}

// 8-key blocks, block p / 8 at keys + p * head_dim (head sizes the kernel takes: a multiple of 8).
void convert_keys(const uint16_t* k0, int64_t kv_stride, int64_t p0, int64_t p1, int64_t head_dim, float* keys) {
    if (head_dim % 8 != 0 || head_dim > kMaxDim) return;  // attend_tokens reads the cache then
    for (int64_t p = p0; p < p1; p += 8) transposed_keys(k0, kv_stride, p, p1, head_dim, keys + p * head_dim);
}

// The layout attention.h gives (row = head_dim rounded up to 16, zeros past head_dim); head
// sizes the kernels leave to the scalar reference are not converted (attend_tokens reads the
// cache then).
void convert_values(const uint16_t* v0, int64_t kv_stride, int64_t p0, int64_t p1, int64_t head_dim, float* values) {
    if (head_dim % 8 != 0 || head_dim > kMaxDim) return;
    const int64_t row = (head_dim + 15) / 16 * 16;
    for (int64_t p = p0; p < p1; ++p) {
        for (int64_t d = 0; d < head_dim; d += 8) _mm256_store_ps(values + p * row + d, load_h8(v0 + p * kv_stride + d));
        for (int64_t d = head_dim; d < row; d += 8) _mm256_store_ps(values + p * row + d, _mm256_setzero_ps());
    }
}

}  // namespace

ConvertValuesFn convert_values_avx2() { return convert_values; }
AttendGroupFn attend_heads_avx2() { return attend_heads; }
AttendTokensFn attend_tokens_avx2() { return attend_tokens; }
ConvertKeysFn convert_keys_avx2() { return convert_keys; }

}  // namespace edgeseek
#endif
