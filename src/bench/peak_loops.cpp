// Scalar peak loops and the dispatch to the AVX2 and AVX-512 ones.
#include <cstddef>
#include <cstdint>

#include "kernels/cpu_features.h"
#include "kernels/packed.h"

namespace edgeseek {

double peak_read_bytes_avx512(const uint8_t* data, size_t n, bool prefetch);
double peak_int8_loop_avx512(int64_t iters);
double peak_fp32_loop_avx512(int64_t iters);
double peak_read_bytes_avx2(const uint8_t* data, size_t n, bool prefetch);
double peak_int8_loop_avx2(int64_t iters);
double peak_int8_loop_avx2_vnni(int64_t iters);
double peak_fp32_loop_avx2(int64_t iters);

double peak_read_bytes(const uint8_t* data, size_t n, Isa isa, bool prefetch) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return peak_read_bytes_avx512(data, n, prefetch);
    if (isa == Isa::Avx2) return peak_read_bytes_avx2(data, n, prefetch);
#endif
    (void)isa;
    (void)prefetch;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const uint64_t* p = reinterpret_cast<const uint64_t*>(data);
    for (size_t i = 0; i + 4 <= n / 8; i += 4) {
        s0 += p[i];
        s1 += p[i + 1];
        s2 += p[i + 2];
        s3 += p[i + 3];
    }
    return static_cast<double>(s0 + s1 + s2 + s3);
}

double peak_int8_loop(int64_t iters, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return peak_int8_loop_avx512(iters);
    if (isa == Isa::Avx2) {
        // The instruction the AVX2 tiles multiply with on this CPU (packed_gemm_avx2).
        if (cpu_features().avxvnni && packed_avx_vnni_enabled()) return peak_int8_loop_avx2_vnni(iters);
        return peak_int8_loop_avx2(iters);
    }
#endif
    (void)isa;
    int32_t acc[8] = {};
    for (int64_t i = 0; i < iters; ++i) {
        for (int k = 0; k < 8; ++k) acc[k] += static_cast<int8_t>(i + k) * 3;
    }
    volatile int32_t sink = acc[0] + acc[7];
    (void)sink;
    return static_cast<double>(iters) * 8.0;
}

double peak_fp32_loop(int64_t iters, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return peak_fp32_loop_avx512(iters);
    if (isa == Isa::Avx2) return peak_fp32_loop_avx2(iters);
#endif
    (void)isa;
    float acc[8] = {};
    for (int64_t i = 0; i < iters; ++i) {
        for (int k = 0; k < 8; ++k) acc[k] = acc[k] * 0.999f + 1.0f;
    }
    volatile float sink = acc[0] + acc[7];
    (void)sink;
    return static_cast<double>(iters) * 8.0;
}

}  // namespace edgeseek
