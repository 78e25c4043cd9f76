// k-quants, the writing side: reference quantizers for Q2_K..Q6_K and Q8_K. They follow ggml's
// quantize_row_q*_K_ref (what llama.cpp's quantizer runs without an importance matrix): search
// a scale (and min) per sub-block, quantize those to 4/6/8 bits against one f16 super-block
// scale, then re-round every value against the scale that was actually stored.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/f16.h"
#include "quant/k_quants.h"

namespace edgeseek::kquant {
namespace {

// Inverse of the unpacking in k_quants_dequant.cpp: L holds 256 levels in 0..3, natural order.
void pack_two_bits(const uint8_t* L, uint8_t* qs) {
    for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
            const uint8_t* v = L + 128 * h + l;
            qs[32 * h + l] = static_cast<uint8_t>(v[0] | v[32] << 2 | v[64] << 4 | v[96] << 6);
        }
    }
}

// L holds 256 levels in 0..15; value 64c + r goes to the low nibble of qs[32c + r] (r < 32),
// to the high nibble of qs[32c + r - 32] otherwise.
void pack_nibbles(const uint8_t* L, uint8_t* qs) {
    for (int c = 0; c < 4; ++c) {
        for (int l = 0; l < 32; ++l) {
            qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | L[64 * c + 32 + l] << 4);
        }
    }
}

// Q4_K and Q5_K: a scale and a min per 32 values from make_qkx2-style searches weighted by
// |x| + rms(x), both quantized to 6 bits. Fills d, dmin, scales; L gets levels in 0..nmax
// re-rounded against the stored scales.
template <typename Block>
void quantize_scales_and_mins(const float* x, Block& b, uint8_t* L, int nmax, float rmin, int nstep) {
    float scales[kQK_K / 32], mins[kQK_K / 32], weights[32];
    float max_scale = 0.0f, max_min = 0.0f;  // the min is subtracted, so both are >= 0
    for (int j = 0; j < kQK_K / 32; ++j) {
        const float* xb = x + 32 * j;
        float sum_x2 = 0.0f;
        for (int l = 0; l < 32; ++l) sum_x2 += xb[l] * xb[l];
        const float av_x = std::sqrt(sum_x2 / 32.0f);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xb[l]);
        scales[j] = search_scale_min(32, nmax, xb, weights, L + 32 * j, &mins[j], rmin, 0.1f, nstep, false);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    uint8_t ls[8], lm[8];
    for (int j = 0; j < kQK_K / 32; ++j) {
        ls[j] = static_cast<uint8_t>(std::clamp(nearest_int(inv_scale * scales[j]), 0, 63));
        lm[j] = static_cast<uint8_t>(std::clamp(nearest_int(inv_min * mins[j]), 0, 63));
    }
    pack_scale_min_k4(b.scales, ls, lm);
    b.d = fp32_to_fp16(max_scale / 63.0f);
    b.dmin = fp32_to_fp16(max_min / 63.0f);
    for (int j = 0; j < kQK_K / 32; ++j) {
        const ScaleMin sm = unpack_scale_min_k4(b.scales, j);
        const float d = fp16_to_fp32(b.d) * static_cast<float>(sm.scale);
        if (d == 0.0f) continue;
        const float dm = fp16_to_fp32(b.dmin) * static_cast<float>(sm.min);
        for (int l = 0; l < 32; ++l) {
            L[32 * j + l] = static_cast<uint8_t>(std::clamp(nearest_int((x[32 * j + l] + dm) / d), 0, nmax));
        }
    }
}

}  // namespace

void q2_k_from_float(const float* src, void* dst, int64_t n) {
    BlockQ2_K* blocks = static_cast<BlockQ2_K*>(dst);
    uint8_t L[kQK_K];
    float weights[16], scales[kQK_K / 16], mins[kQK_K / 16];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float* x = src + i * kQK_K;
        BlockQ2_K& b = blocks[i];
        float max_scale = 0.0f, max_min = 0.0f;
        for (int j = 0; j < kQK_K / 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
            scales[j] = search_scale_min(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
            max_scale = std::max(max_scale, scales[j]);
            max_min = std::max(max_min, mins[j]);
        }
        // Scales in the low nibble, mins in the high nibble, each against its own f16 factor.
        const float iscale = max_scale > 0.0f ? 15.0f / max_scale : 0.0f;
        const float imin = max_min > 0.0f ? 15.0f / max_min : 0.0f;
        for (int j = 0; j < kQK_K / 16; ++j) {
            const int ls = std::clamp(nearest_int(iscale * scales[j]), 0, 15);
            const int lm = std::clamp(nearest_int(imin * mins[j]), 0, 15);
            b.scales[j] = static_cast<uint8_t>(ls | lm << 4);
        }
        b.d = fp32_to_fp16(max_scale > 0.0f ? max_scale / 15.0f : 0.0f);
        b.dmin = fp32_to_fp16(max_min > 0.0f ? max_min / 15.0f : 0.0f);
        for (int j = 0; j < kQK_K / 16; ++j) {
            const float d = fp16_to_fp32(b.d) * static_cast<float>(b.scales[j] & 0x0f);
            if (d == 0.0f) continue;
            const float dm = fp16_to_fp32(b.dmin) * static_cast<float>(b.scales[j] >> 4);
            for (int l = 0; l < 16; ++l) {
                L[16 * j + l] = static_cast<uint8_t>(std::clamp(nearest_int((x[16 * j + l] + dm) / d), 0, 3));
            }
        }
        pack_two_bits(L, b.qs);
    }
}

void q3_k_from_float(const float* src, void* dst, int64_t n) {
    BlockQ3_K* blocks = static_cast<BlockQ3_K*>(dst);
    int8_t L[kQK_K];
    float scales[kQK_K / 16];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float* x = src + i * kQK_K;
        BlockQ3_K& b = blocks[i];
        float max_scale = 0.0f, amax = 0.0f;  // signed scale of largest magnitude
        for (int j = 0; j < kQK_K / 16; ++j) {
            scales[j] = search_scale_q3(16, 4, x + 16 * j, L + 16 * j);
            if (std::fabs(scales[j]) > amax) {
                amax = std::fabs(scales[j]);
                max_scale = scales[j];
            }
        }
        // Signed 6-bit scales: the largest-magnitude one maps to -32.
        uint8_t ls[kQK_K / 16] = {};
        if (max_scale != 0.0f) {
            const float iscale = -32.0f / max_scale;
            for (int j = 0; j < kQK_K / 16; ++j) {
                ls[j] = static_cast<uint8_t>(std::clamp(nearest_int(iscale * scales[j]), -32, 31) + 32);
            }
            pack_scales_q3_k(b.scales, ls);
            b.d = fp32_to_fp16(1.0f / iscale);
        } else {
            std::memset(b.scales, 0, sizeof b.scales);
            b.d = fp32_to_fp16(0.0f);
        }
        for (int j = 0; j < kQK_K / 16; ++j) {
            const float d = fp16_to_fp32(b.d) * static_cast<float>(unpack_scale_q3_k(b.scales, j));
            if (d == 0.0f) continue;
            for (int l = 0; l < 16; ++l) {
                L[16 * j + l] = static_cast<int8_t>(std::clamp(nearest_int(x[16 * j + l] / d), -4, 3) + 4);
            }
        }
        // Levels 0..7: bit 2 goes to hmask (value e: byte e%32, bit e/32), bits 0..1 to qs.
        std::memset(b.hmask, 0, sizeof b.hmask);
        uint8_t low[kQK_K];
        for (int e = 0; e < kQK_K; ++e) {
            if (L[e] > 3) b.hmask[e % 32] = static_cast<uint8_t>(b.hmask[e % 32] | 1u << (e / 32));
            low[e] = static_cast<uint8_t>(L[e] & 3);
        }
        pack_two_bits(low, b.qs);
    }
}

void q4_k_from_float(const float* src, void* dst, int64_t n) {
    BlockQ4_K* blocks = static_cast<BlockQ4_K*>(dst);
    uint8_t L[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        quantize_scales_and_mins(src + i * kQK_K, blocks[i], L, 15, -1.0f, 20);
        pack_nibbles(L, blocks[i].qs);
    }
}

void q5_k_from_float(const float* src, void* dst, int64_t n) {
    BlockQ5_K* blocks = static_cast<BlockQ5_K*>(dst);
    uint8_t L[kQK_K], low[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        BlockQ5_K& b = blocks[i];
        quantize_scales_and_mins(src + i * kQK_K, b, L, 31, -0.5f, 15);
        // Levels 0..31: bit 4 goes to qh (value e: byte e%32, bit e/32), bits 0..3 to qs.
        std::memset(b.qh, 0, sizeof b.qh);
        for (int e = 0; e < kQK_K; ++e) {
            if (L[e] > 15) b.qh[e % 32] = static_cast<uint8_t>(b.qh[e % 32] | 1u << (e / 32));
            low[e] = static_cast<uint8_t>(L[e] & 0x0f);
        }
        pack_nibbles(low, b.qs);
    }
}

void q6_k_from_float(const float* src, void* dst, int64_t n) {
    BlockQ6_K* blocks = static_cast<BlockQ6_K*>(dst);
    int8_t L[kQK_K];
    float scales[kQK_K / 16];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float* x = src + i * kQK_K;
        BlockQ6_K& b = blocks[i];
        float max_scale = 0.0f, amax = 0.0f;
        for (int j = 0; j < kQK_K / 16; ++j) {
            scales[j] = search_scale_symmetric(16, 32, x + 16 * j, L + 16 * j);
            if (std::fabs(scales[j]) > amax) {
                amax = std::fabs(scales[j]);
                max_scale = scales[j];
            }
        }
        if (amax < 1e-15f) {
            std::memset(&b, 0, sizeof b);
            continue;
        }
        // Signed 8-bit scales: the largest-magnitude one maps to -128.
        const float iscale = -128.0f / max_scale;
        b.d = fp32_to_fp16(1.0f / iscale);
        for (int j = 0; j < kQK_K / 16; ++j) {
            b.scales[j] = static_cast<int8_t>(std::clamp(nearest_int(iscale * scales[j]), -128, 127));
        }
        for (int j = 0; j < kQK_K / 16; ++j) {
            const float d = fp16_to_fp32(b.d) * static_cast<float>(b.scales[j]);
            if (d == 0.0f) continue;
            for (int l = 0; l < 16; ++l) {
                L[16 * j + l] = static_cast<int8_t>(std::clamp(nearest_int(x[16 * j + l] / d), -32, 31) + 32);
            }
        }
        // Levels 0..63, value e = 128h + 32s + l: low 4 bits to ql[64h + 32(s%2) + l] (low nibble
        // for s < 2), high 2 bits to qh[32h + l] bits 2s..2s+1.
        std::memset(b.ql, 0, sizeof b.ql);
        std::memset(b.qh, 0, sizeof b.qh);
        for (int e = 0; e < kQK_K; ++e) {
            const int h = e / 128, s = (e % 128) / 32, l = e % 32;
            const unsigned v = static_cast<unsigned>(L[e]);
            uint8_t& lo = b.ql[64 * h + 32 * (s % 2) + l];
            lo = static_cast<uint8_t>(lo | (v & 0x0fu) << (4 * (s / 2)));
            uint8_t& hi = b.qh[32 * h + l];
            hi = static_cast<uint8_t>(hi | (v >> 4) << (2 * s));
        }
    }
}

// Activations for k-quant dots: one float scale per 256 values (the largest-magnitude value maps
// to -127) and the sums of each 16 quants for the min terms.
void q8_k_from_float(const float* src, void* dst, int64_t n) {
    BlockQ8_K* blocks = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float* x = src + i * kQK_K;
        BlockQ8_K& b = blocks[i];
        float max = 0.0f, amax = 0.0f;
        for (int j = 0; j < kQK_K; ++j) {
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        if (amax == 0.0f) {
            std::memset(&b, 0, sizeof b);
            continue;
        }
        const float iscale = -127.0f / max;
        for (int j = 0; j < kQK_K; ++j) {
            b.qs[j] = static_cast<int8_t>(std::clamp(nearest_int(iscale * x[j]), -127, 127));
        }
        for (int j = 0; j < kQK_K / 16; ++j) {
            int sum = 0;
            for (int l = 0; l < 16; ++l) sum += b.qs[16 * j + l];
            b.bsums[j] = static_cast<int16_t>(sum);
        }
        b.d = 1.0f / iscale;
    }
}

}  // namespace edgeseek::kquant
