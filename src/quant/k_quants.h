// Internal to src/quant: what the k-quant files (k_quants_dequant.cpp, k_quants_quantize.cpp)
// and iq4.cpp share — the packing of the 6-bit sub-block scales and the rounding ggml uses.
// Layouts: ggml's ggml-common.h; algorithms: ggml's ggml-quants.c (read, not copied).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "quant/blocks.h"

namespace edgeseek::kquant {

// Round to nearest, ties to even, like ggml's nearest_int: adding 1.5 * 2^23 leaves the rounded
// integer in the low mantissa bits. Outside |v| < 2^22 (never for sane data; NaN included) lrint
// takes over, which is defined for every input where a plain conversion would not be.
inline int nearest_int(float v) {
    if (!(std::fabs(v) < 4194304.0f)) return static_cast<int>(std::lrint(std::fmax(std::fmin(v, 1e9f), -1e9f)));
    const float shifted = v + 12582912.0f;
    int32_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return (bits & 0x007fffff) - 0x00400000;
}

// ---- Q4_K / Q5_K: 8 six-bit scales and 8 six-bit mins in 12 bytes ----------------------------
// Sub-blocks 0..3 keep scale and min in the low 6 bits of bytes j and j+4; sub-blocks 4..7 keep
// their low 4 bits in byte j+4 (scale low nibble, min high nibble) and their top 2 bits in the
// top 2 bits of bytes j-4 (scale) and j (min).
struct ScaleMin {
    int scale, min;
};

inline ScaleMin unpack_scale_min_k4(const uint8_t* s, int j) {
    if (j < 4) return {s[j] & 63, s[j + 4] & 63};
    return {(s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4)};
}

// ls, lm: 8 values each in 0..63.
inline void pack_scale_min_k4(uint8_t* s, const uint8_t* ls, const uint8_t* lm) {
    for (int j = 0; j < 4; ++j) {
        s[j] = static_cast<uint8_t>(ls[j] | (ls[j + 4] >> 4) << 6);
        s[j + 4] = static_cast<uint8_t>(lm[j] | (lm[j + 4] >> 4) << 6);
        s[j + 8] = static_cast<uint8_t>((ls[j + 4] & 0x0f) | (lm[j + 4] & 0x0f) << 4);
    }
}

// ---- Q3_K: 16 six-bit scales (stored with +32) in 12 bytes ------------------------------------
// Low 4 bits: scale j < 8 in the low nibble of byte j, scale j >= 8 in the high nibble of byte
// j-8; high 2 bits: byte 8 + j%4, bit pair j/4.
inline int unpack_scale_q3_k(const uint8_t* s, int j) {
    const int lo = j < 8 ? (s[j] & 0x0f) : (s[j - 8] >> 4);
    const int hi = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (lo | hi << 4) - 32;
}

// l: 16 values in 0..63 (signed scale + 32).
inline void pack_scales_q3_k(uint8_t* s, const uint8_t* l) {
    for (int k = 0; k < 12; ++k) s[k] = 0;
    for (int j = 0; j < 16; ++j) {
        if (j < 8) s[j] = static_cast<uint8_t>(s[j] | (l[j] & 0x0f));
        else s[j - 8] = static_cast<uint8_t>(s[j - 8] | (l[j] & 0x0f) << 4);
        s[8 + j % 4] = static_cast<uint8_t>(s[8 + j % 4] | (l[j] >> 4) << (2 * (j / 4)));
    }
}

// ---- IQ4: the 16 non-linear levels of IQ4_NL / IQ4_XS -----------------------------------------
inline constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// ---- scale searches (k_quants_search.cpp), as ggml's make_*_quants without importance weights
// Each fills L with one quant per value and returns the block scale.

// Symmetric levels -nmax..nmax-1 weighted by x^2, trying 19 scales around -nmax/max
// (make_qx_quants, rmse_type 1). L holds level + nmax.
float search_scale_symmetric(int n, int nmax, const float* x, int8_t* L);

// Q3_K's: start at -nmax/max, then move single quants while the weighted error drops
// (make_q3_quants with do_rmse). L holds level + nmax.
float search_scale_q3(int n, int nmax, const float* x, int8_t* L);

// Scale and min, value ~ scale * L - min with L in 0..nmax, error weighted by `weights`,
// |error| when use_mad else error^2, trying nstep+1 scales (make_qkx2_quants). *min_out >= 0.
float search_scale_min(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* min_out, float rmin, float rdelta, int nstep, bool use_mad);

// ---- the functions of the k-quant traits (k_quants.cpp assembles them) ------------------------
// k_quants_dequant.cpp
void q2_k_to_float(const void* src, float* dst, int64_t n);
void q3_k_to_float(const void* src, float* dst, int64_t n);
void q4_k_to_float(const void* src, float* dst, int64_t n);
void q5_k_to_float(const void* src, float* dst, int64_t n);
void q6_k_to_float(const void* src, float* dst, int64_t n);
void q8_k_to_float(const void* src, float* dst, int64_t n);
float q2_k_vec_dot(int64_t n, const void* row, const void* act);
float q3_k_vec_dot(int64_t n, const void* row, const void* act);
float q4_k_vec_dot(int64_t n, const void* row, const void* act);
float q5_k_vec_dot(int64_t n, const void* row, const void* act);
float q6_k_vec_dot(int64_t n, const void* row, const void* act);
// k_quants_quantize.cpp
void q2_k_from_float(const float* src, void* dst, int64_t n);
void q3_k_from_float(const float* src, void* dst, int64_t n);
void q4_k_from_float(const float* src, void* dst, int64_t n);
void q5_k_from_float(const float* src, void* dst, int64_t n);
void q6_k_from_float(const float* src, void* dst, int64_t n);
void q8_k_from_float(const float* src, void* dst, int64_t n);

}  // namespace edgeseek::kquant
