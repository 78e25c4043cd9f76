// Q4_0: blocks of 32 4-bit values, value = (q - 8) * d; dotted against Q8_0 activations.
#include <algorithm>
#include <cmath>

#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

void q4_0_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ4_0* b = static_cast<const BlockQ4_0*>(src);
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK4_0 / 2; ++j) {
            dst[i * kQK4_0 + j] = static_cast<float>((b[i].qs[j] & 0x0f) - 8) * d;
            dst[i * kQK4_0 + j + kQK4_0 / 2] = static_cast<float>((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void q4_0_from_float(const float* src, void* dst, int64_t n) {
    BlockQ4_0* b = static_cast<BlockQ4_0*>(dst);
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        const float* x = src + i * kQK4_0;
        float amax = 0.0f, max = 0.0f;  // max keeps the sign of the largest-magnitude value
        for (int j = 0; j < kQK4_0; ++j) {
            if (std::fabs(x[j]) > amax) { amax = std::fabs(x[j]); max = x[j]; }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        for (int j = 0; j < kQK4_0 / 2; ++j) {
            // Clamped before the conversion so NaN/Inf input is not undefined behaviour.
            const int q0 = static_cast<int>(std::fmin(15.0f, std::fmax(0.0f, x[j] * id + 8.5f)));
            const int q1 = static_cast<int>(std::fmin(15.0f, std::fmax(0.0f, x[j + kQK4_0 / 2] * id + 8.5f)));
            b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
    }
}

float q4_0_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ4_0* x = static_cast<const BlockQ4_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        int32_t s = 0;
        for (int j = 0; j < kQK4_0 / 2; ++j) {
            s += ((x[i].qs[j] & 0x0f) - 8) * y[i].qs[j];
            s += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + kQK4_0 / 2];
        }
        sum += static_cast<float>(s) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
    }
    return sum;
}

}  // namespace

const TypeTraits kTraitsQ4_0 = {"q4_0", kQK4_0, sizeof(BlockQ4_0), true, q4_0_to_float,
                                q4_0_from_float, GgmlType::Q8_0, q4_0_vec_dot};

}  // namespace edgeseek
