// Q8_0: blocks of 32 int8 values with one f16 scale. Also the activation type of Q4_0/Q8_0 dots.
#include <cmath>

#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

void q8_0_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ8_0* b = static_cast<const BlockQ8_0*>(src);
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK8_0; ++j) dst[i * kQK8_0 + j] = b[i].qs[j] * d;
    }
}

void q8_0_from_float(const float* src, void* dst, int64_t n) {
    BlockQ8_0* b = static_cast<BlockQ8_0*>(dst);
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        const float* x = src + i * kQK8_0;
        float amax = 0.0f;
        for (int j = 0; j < kQK8_0; ++j) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        // Clamped before the conversion: NaN/Inf input must not be undefined behaviour (fmax/fmin
        // map NaN to the bound). Round half to even, as the SIMD paths do.
        for (int j = 0; j < kQK8_0; ++j) {
            b[i].qs[j] = static_cast<int8_t>(std::nearbyint(std::fmin(127.0f, std::fmax(-127.0f, x[j] * id))));
        }
    }
}

float q8_0_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ8_0* x = static_cast<const BlockQ8_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        int32_t s = 0;
        for (int j = 0; j < kQK8_0; ++j) s += static_cast<int32_t>(x[i].qs[j]) * y[i].qs[j];
        sum += static_cast<float>(s) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
    }
    return sum;
}

}  // namespace

const TypeTraits kTraitsQ8_0 = {"q8_0", kQK8_0, sizeof(BlockQ8_0), true, q8_0_to_float,
                                q8_0_from_float, GgmlType::Q8_0, q8_0_vec_dot};

}  // namespace edgeseek
