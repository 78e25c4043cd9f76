// F32, F16 and BF16: plain element types (block size 1).
#include "quant/f16.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

void f32_to_float(const void* src, float* dst, int64_t n) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
void f32_from_float(const float* src, void* dst, int64_t n) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}
float f32_vec_dot(int64_t n, const void* a, const void* b) {
    const float* x = static_cast<const float*>(a);
    const float* y = static_cast<const float*>(b);
    double s = 0.0;  // ggml's scalar path accumulates in double as well
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * y[i];
    return static_cast<float>(s);
}

void f16_to_float(const void* src, float* dst, int64_t n) {
    const uint16_t* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
}
void f16_from_float(const float* src, void* dst, int64_t n) {
    uint16_t* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
}
float f16_vec_dot(int64_t n, const void* a, const void* b) {
    const uint16_t* x = static_cast<const uint16_t*>(a);
    const uint16_t* y = static_cast<const uint16_t*>(b);
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(fp16_to_fp32(x[i])) * fp16_to_fp32(y[i]);
    return static_cast<float>(s);
}

void bf16_to_float(const void* src, float* dst, int64_t n) {
    const uint16_t* h = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
}
void bf16_from_float(const float* src, void* dst, int64_t n) {
    uint16_t* h = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
}
float bf16_vec_dot(int64_t n, const void* a, const void* b) {
    const uint16_t* x = static_cast<const uint16_t*>(a);
    const uint16_t* y = static_cast<const uint16_t*>(b);
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(bf16_to_fp32(x[i])) * bf16_to_fp32(y[i]);
    return static_cast<float>(s);
}

}  // namespace

const TypeTraits kTraitsF32 = {"f32", 1, 4, false, f32_to_float, f32_from_float, GgmlType::F32, f32_vec_dot};
const TypeTraits kTraitsF16 = {"f16", 1, 2, false, f16_to_float, f16_from_float, GgmlType::F16, f16_vec_dot};
const TypeTraits kTraitsBF16 = {"bf16", 1, 2, false, bf16_to_float, bf16_from_float, GgmlType::BF16, bf16_vec_dot};

}  // namespace edgeseek
