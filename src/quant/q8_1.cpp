// Q8_1: Q8_0 plus s = d * sum(qs), the activation type of Q4_1/Q5_1 dots. Like ggml, it is an
// activation format only: no vec_dot, so it is never accepted as a weight type.
#include <cmath>

#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

void q8_1_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ8_1* b = static_cast<const BlockQ8_1*>(src);
    for (int64_t i = 0; i < n / kQK8_1; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < kQK8_1; ++j) dst[i * kQK8_1 + j] = static_cast<float>(b[i].qs[j]) * d;
    }
}

// As ggml's quantize_row_q8_1_ref: round half away from zero, s from the unrounded scale.
void q8_1_from_float(const float* src, void* dst, int64_t n) {
    BlockQ8_1* b = static_cast<BlockQ8_1*>(dst);
    for (int64_t i = 0; i < n / kQK8_1; ++i) {
        const float* x = src + i * kQK8_1;
        float amax = 0.0f;
        for (int j = 0; j < kQK8_1; ++j) amax = std::fmax(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < kQK8_1; ++j) {
            // |x * id| <= 127 for finite input; the clamp keeps the conversion defined otherwise.
            float q = std::round(x[j] * id);
            if (!(q >= -127.0f)) q = -127.0f;
            if (q > 127.0f) q = 127.0f;
            b[i].qs[j] = static_cast<int8_t>(q);
            sum += b[i].qs[j];
        }
        b[i].d = fp32_to_fp16(d);
        b[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
    }
}

}  // namespace

const TypeTraits kTraitsQ8_1 = {"q8_1", kQK8_1, sizeof(BlockQ8_1), true, q8_1_to_float,
                                q8_1_from_float, GgmlType::Q8_1, nullptr};

}  // namespace edgeseek
