#include "kernels/ops.h"

#include <cmath>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/norm_common.h"
#include "quant/f16.h"

namespace edgeseek {

namespace {
// The sum of squares in double, in 8 running sums: one sum's chain of dependent adds cost 4
// cycles a value (1.3% of a 1.5B prompt's time). The SIMD paths keep these sums in lanes.
template <bool kAdd>
void norm_scalar(norm_common::NormX<kAdd>* x, const float* b, float* out, const float* w, int64_t n, float eps) {
    double part[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; ++k) {
            if constexpr (kAdd) x[i + k] += b[i + k];
            part[k] += static_cast<double>(x[i + k]) * x[i + k];
        }
    }
    const float scale = norm_common::finish_scale<kAdd>(part, x, b, i, n, eps);
    for (i = 0; i < n; ++i) out[i] = w ? x[i] * scale * w[i] : x[i] * scale;
}
}  // namespace

void rmsnorm_scalar(float* out, const float* x, const float* w, int64_t n, float eps) {
    norm_scalar<false>(x, nullptr, out, w, n, eps);
}

void add_rmsnorm_scalar(float* x, const float* b, float* out, const float* w, int64_t n, float eps) {
    norm_scalar<true>(x, b, out, w, n, eps);
}

void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return rmsnorm_avx512(out, x, w, n, eps);
    if (active_isa() == Isa::Avx2) return rmsnorm_avx2(out, x, w, n, eps);
#endif
    rmsnorm_scalar(out, x, w, n, eps);
}

void add_rmsnorm(float* x, const float* b, float* out, const float* w, int64_t n, float eps) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return add_rmsnorm_avx512(x, b, out, w, n, eps);
    if (active_isa() == Isa::Avx2) return add_rmsnorm_avx2(x, b, out, w, n, eps);
#endif
    add_rmsnorm_scalar(x, b, out, w, n, eps);
}

void rope_angles(int64_t pos, const RopeParams& p, float* cos_out, float* sin_out) {
    const int half = p.n_rot / 2;
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    float theta = static_cast<float>(pos) * p.freq_scale;
    for (int i = 0; i < half; ++i) {
        const float t = p.freq_factors ? theta / p.freq_factors[i] : theta;
        cos_out[i] = std::cos(t);
        sin_out[i] = std::sin(t);
        theta *= theta_scale;
    }
}

void rope_apply(float* x, const float* cos_in, const float* sin_in, const RopeParams& p) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return rope_apply_avx512(x, cos_in, sin_in, p);
    if (active_isa() == Isa::Avx2) return rope_apply_avx2(x, cos_in, sin_in, p);
#endif
    rope_apply_scalar(x, cos_in, sin_in, p);
}

void rope_apply_scalar(float* x, const float* cos_in, const float* sin_in, const RopeParams& p) {
    const int half = p.n_rot / 2;
    for (int i = 0; i < half; ++i) {
        const int i0 = p.neox ? i : 2 * i;
        const int i1 = p.neox ? i + half : 2 * i + 1;
        const float a = x[i0], b = x[i1], c = cos_in[i], s = sin_in[i];
        const float ac = a * c, bs = b * s, as = a * s, bc = b * c;  // rounded apart, as the SIMD paths
        x[i0] = ac - bs;
        x[i1] = as + bc;
    }
}

void rope(float* x, int64_t pos, const RopeParams& p) {
    std::vector<float> cs(static_cast<size_t>(p.n_rot / 2)), sn(cs.size());
    rope_angles(pos, p, cs.data(), sn.data());
    rope_apply(x, cs.data(), sn.data(), p);
}

void softmax_scalar(float* x, int64_t n) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < n; ++i) mx = std::fmax(mx, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - mx);
        sum += x[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu_scalar(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows) {
    for (int64_t t = 0; t < rows; ++t, out += ldo, gate += ld, up += ld) {
        for (int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
    }
}

void softmax(float* x, int64_t n) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return softmax_avx512(x, n);
    if (active_isa() == Isa::Avx2) return softmax_avx2(x, n);
#endif
    softmax_scalar(x, n);
}

void fp32_to_fp16_row(uint16_t* out, const float* x, int64_t n) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return fp32_to_fp16_row_avx512(out, x, n);
    if (active_isa() == Isa::Avx2) return fp32_to_fp16_row_avx2(out, x, n);
#endif
    for (int64_t i = 0; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
}

void swiglu_rows(float* out, int64_t ldo, const float* gate, const float* up, int64_t ld, int64_t n, int64_t rows) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return swiglu_avx512(out, ldo, gate, up, ld, n, rows);
    if (active_isa() == Isa::Avx2) return swiglu_avx2(out, ldo, gate, up, ld, n, rows);
#endif
    swiglu_scalar(out, ldo, gate, up, ld, n, rows);
}

void add(float* x, const float* b, int64_t n) {
#if defined(__x86_64__)
    if (active_isa() == Isa::Avx512) return add_avx512(x, b, n);
    if (active_isa() == Isa::Avx2) return add_avx2(x, b, n);
#endif
    add_scalar(x, b, n);
}

void add_scalar(float* x, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] += b[i];
}

}  // namespace edgeseek
