// IQ4_NL and IQ4_XS: 4-bit indices into 16 non-linear levels (kIQ4NLValues, denser near zero).
//   IQ4_NL: 32 values, one f16 scale; dotted against Q8_0.
//   IQ4_XS: 256 values, an f16 scale and eight signed 6-bit sub-scales; dotted against Q8_K.
// The quantizers follow ggml's quantize_iq4_nl / quantize_iq4_xs without importance weights
// (what llama.cpp writes files with): per 32 values, weights x^2, 15 candidate scales.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/f16.h"
#include "quant/k_quants.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

using kquant::kIQ4NLValues;

constexpr int kSub = 32;           // values per scale
constexpr int kCandidates = 7;     // scales tried on each side of the first guess
constexpr float kGroupMaxEps = 1e-15f;

// Index of the level nearest to v (levels are sorted; ties go to the upper one).
int nearest_level(float v) {
    if (v <= kIQ4NLValues[0]) return 0;
    if (v >= kIQ4NLValues[15]) return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (v < kIQ4NLValues[mid]) hi = mid;
        else lo = mid;
    }
    return v - kIQ4NLValues[hi - 1] < kIQ4NLValues[hi] - v ? hi - 1 : hi;
}

// Element j of 32 sits in the low nibble of qs[j], j + 16 in the high nibble.
inline int iq4_index(const uint8_t* qs, int j) { return j < 16 ? (qs[j] & 0x0f) : (qs[j - 16] >> 4); }

void pack_indices(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | L[j + 16] << 4);
}

// The best scale for 32 values: least squares weighted by x^2 for the levels picked by each of
// 2 * kCandidates + 2 inverse scales (both signs of the level grid). 0 for an all-zero block.
float search_iq4_scale(const float* x) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kSub; ++j) {
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    if (amax < kGroupMaxEps) return 0.0f;
    auto fit = [&](float id, float& sumqx, float& sumq2) {
        sumqx = sumq2 = 0.0f;
        for (int j = 0; j < kSub; ++j) {
            const float q = kIQ4NLValues[nearest_level(id * x[j])];
            const float w = x[j] * x[j];
            sumqx += w * q * x[j];
            sumq2 += w * q * q;
        }
    };
    float sumqx, sumq2;
    const float d0 = -max / static_cast<float>(kIQ4NLValues[0]);  // max -> +127
    fit(1.0f / d0, sumqx, sumq2);
    float d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
    float best = d * sumqx;
    for (int t = -kCandidates; t <= kCandidates; ++t) {
        fit(static_cast<float>(t + kIQ4NLValues[0]) / max, sumqx, sumq2);  // max -> about -127
        if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

// ---- IQ4_NL --------------------------------------------------------------------------------

void iq4_nl_to_float(const void* src, float* dst, int64_t n) {
    const BlockIQ4_NL* b = static_cast<const BlockIQ4_NL*>(src);
    for (int64_t i = 0; i < n / kQK4_NL; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK4_NL; ++j) {
            dst[i * kQK4_NL + j] = d * static_cast<float>(kIQ4NLValues[iq4_index(b[i].qs, j)]);
        }
    }
}

void iq4_nl_from_float(const float* src, void* dst, int64_t n) {
    BlockIQ4_NL* b = static_cast<BlockIQ4_NL*>(dst);
    uint8_t L[kQK4_NL];
    for (int64_t i = 0; i < n / kQK4_NL; ++i) {
        const float* x = src + i * kQK4_NL;
        const float d = search_iq4_scale(x);
        b[i].d = fp32_to_fp16(d);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < kQK4_NL; ++j) L[j] = static_cast<uint8_t>(nearest_level(id * x[j]));
        pack_indices(L, b[i].qs);
    }
}

float iq4_nl_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockIQ4_NL* x = static_cast<const BlockIQ4_NL*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK4_NL; ++i) {
        int32_t s = 0;
        for (int j = 0; j < kQK4_NL; ++j) s += kIQ4NLValues[iq4_index(x[i].qs, j)] * y[i].qs[j];
        sum += fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d) * static_cast<float>(s);
    }
    return sum;
}

// ---- IQ4_XS --------------------------------------------------------------------------------

// Sub-block scale ib (0..7) in -32..31: low 4 bits in scales_l[ib/2] (nibble ib%2), high 2
// bits in scales_h bits 2ib..2ib+1.
inline int iq4_xs_scale(const BlockIQ4_XS& b, int ib) {
    const int lo = (b.scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0f;
    const int hi = (b.scales_h >> (2 * ib)) & 3;
    return (lo | hi << 4) - 32;
}

void iq4_xs_to_float(const void* src, float* dst, int64_t n) {
    const BlockIQ4_XS* b = static_cast<const BlockIQ4_XS*>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        for (int ib = 0; ib < kQK_K / kSub; ++ib) {
            const float dl = d * static_cast<float>(iq4_xs_scale(b[i], ib));
            const uint8_t* qs = b[i].qs + 16 * ib;
            float* y = dst + i * kQK_K + kSub * ib;
            for (int j = 0; j < kSub; ++j) y[j] = dl * static_cast<float>(kIQ4NLValues[iq4_index(qs, j)]);
        }
    }
}

void iq4_xs_from_float(const float* src, void* dst, int64_t n) {
    BlockIQ4_XS* blocks = static_cast<BlockIQ4_XS*>(dst);
    float scales[kQK_K / kSub];
    uint8_t L[kSub];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float* x = src + i * kQK_K;
        BlockIQ4_XS& b = blocks[i];
        float max_scale = 0.0f, amax = 0.0f;  // signed sub-scale of largest magnitude
        for (int ib = 0; ib < kQK_K / kSub; ++ib) {
            scales[ib] = search_iq4_scale(x + kSub * ib);
            if (std::fabs(scales[ib]) > amax) {
                amax = std::fabs(scales[ib]);
                max_scale = scales[ib];
            }
        }
        // The largest-magnitude sub-scale maps to -32; values are re-picked against the stored
        // sub-scale (times the unrounded super-block scale, as ggml does).
        const float d = -max_scale / 32.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b.d = fp32_to_fp16(d);
        b.scales_h = 0;
        std::memset(b.scales_l, 0, sizeof b.scales_l);
        for (int ib = 0; ib < kQK_K / kSub; ++ib) {
            const int l = std::clamp(kquant::nearest_int(id * scales[ib]), -32, 31);
            const float dl = d * static_cast<float>(l);
            const float idl = dl != 0.0f ? 1.0f / dl : 0.0f;
            for (int j = 0; j < kSub; ++j) L[j] = static_cast<uint8_t>(nearest_level(idl * x[kSub * ib + j]));
            pack_indices(L, b.qs + 16 * ib);
            const unsigned stored = static_cast<unsigned>(l + 32);
            b.scales_l[ib / 2] = static_cast<uint8_t>(b.scales_l[ib / 2] | (stored & 0x0fu) << (4 * (ib % 2)));
            b.scales_h = static_cast<uint16_t>(b.scales_h | (stored >> 4) << (2 * ib));
        }
    }
}

float iq4_xs_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockIQ4_XS* x = static_cast<const BlockIQ4_XS*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        int32_t isum = 0;
        for (int ib = 0; ib < kQK_K / kSub; ++ib) {
            const uint8_t* qs = x[i].qs + 16 * ib;
            const int8_t* a = y[i].qs + kSub * ib;
            int32_t s = 0;
            for (int j = 0; j < kSub; ++j) s += kIQ4NLValues[iq4_index(qs, j)] * a[j];
            isum += iq4_xs_scale(x[i], ib) * s;
        }
        sum += fp16_to_fp32(x[i].d) * y[i].d * static_cast<float>(isum);
    }
    return sum;
}

}  // namespace

const TypeTraits kTraitsIQ4_NL = {"iq4_nl", kQK4_NL, sizeof(BlockIQ4_NL), true, iq4_nl_to_float,
                                  iq4_nl_from_float, GgmlType::Q8_0, iq4_nl_vec_dot};
const TypeTraits kTraitsIQ4_XS = {"iq4_xs", kQK_K, sizeof(BlockIQ4_XS), true, iq4_xs_to_float,
                                  iq4_xs_from_float, GgmlType::Q8_K, iq4_xs_vec_dot};

}  // namespace edgeseek
