// What every RMS norm path (ops.cpp, ops_avx512.cpp, ops_avx2.cpp) shares: the eight double
// running sums combined in one order, the values past the last full group of eight, and the
// scale. Internal linkage on purpose: each file compiles its own copy for its own target (an
// inline function shared across files built for different ISAs could be resolved to the
// AVX-512 copy on a CPU without it).
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace edgeseek::norm_common {

// The norm's x: written (x += b) when the residual add is fused in, only read otherwise.
template <bool kAdd>
using NormX = std::conditional_t<kAdd, float, const float>;

// 1 / rms of x[0, n), given part[k] = the sum of x[i]^2 over i < i0 with i % 8 == k (i0 a
// multiple of 8); values from i0 on get x[i] += b[i] first when kAdd.
template <bool kAdd>
static inline float finish_scale(const double (&part)[8], NormX<kAdd>* x, const float* b, int64_t i0, int64_t n,
                                 float eps) {
    double ss = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    for (int64_t i = i0; i < n; ++i) {
        if constexpr (kAdd) x[i] += b[i];
        ss += static_cast<double>(x[i]) * x[i];
    }
    return 1.0f / std::sqrt(static_cast<float>(ss / static_cast<double>(n)) + eps);
}

}  // namespace edgeseek::norm_common
