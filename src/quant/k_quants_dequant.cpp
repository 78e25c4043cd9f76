// k-quants, the reading side: to_float and vec_dot (against Q8_K) for Q2_K..Q6_K, and Q8_K's
// to_float. Each block is first unpacked to one small integer per value in natural order; the
// bit layouts are ggml's (ggml-common.h) and are spelled out at each unpack function.
#include <cstdint>

#include "quant/f16.h"
#include "quant/k_quants.h"

namespace edgeseek::kquant {
namespace {

// Q2_K and Q3_K keep 2-bit quants in 64-byte halves: value e = 128h + 32s + l sits in bits 2s..2s+1
// of qs[32h + l].
inline int two_bits(const uint8_t* qs, int e) {
    const int h = e / 128, s = (e % 128) / 32, l = e % 32;
    return (qs[32 * h + l] >> (2 * s)) & 3;
}

// Q3_K's hmask and Q5_K's qh keep one extra bit per value: value e in bit e/32 of byte e%32.
inline int high_bit(const uint8_t* bits, int e) { return (bits[e % 32] >> (e / 32)) & 1; }

// Q4_K and Q5_K keep 4-bit quants in 32-byte chunks of 64 values: value e = 64c + r sits in the
// low nibble of qs[32c + r] for r < 32 and in the high nibble of qs[32c + r - 32] otherwise.
inline int nibble(const uint8_t* qs, int e) {
    const int c = e / 64, r = e % 64;
    return r < 32 ? (qs[32 * c + r] & 0x0f) : (qs[32 * c + r - 32] >> 4);
}

void unpack_q2_k(const BlockQ2_K& b, int8_t* q) {
    for (int e = 0; e < kQK_K; ++e) q[e] = static_cast<int8_t>(two_bits(b.qs, e));
}

// Levels -4..3: the stored high bit set means "no -4".
void unpack_q3_k(const BlockQ3_K& b, int8_t* q) {
    for (int e = 0; e < kQK_K; ++e) {
        q[e] = static_cast<int8_t>(two_bits(b.qs, e) - (high_bit(b.hmask, e) ? 0 : 4));
    }
}

void unpack_q4_k(const BlockQ4_K& b, int8_t* q) {
    for (int e = 0; e < kQK_K; ++e) q[e] = static_cast<int8_t>(nibble(b.qs, e));
}

void unpack_q5_k(const BlockQ5_K& b, int8_t* q) {
    for (int e = 0; e < kQK_K; ++e) q[e] = static_cast<int8_t>(nibble(b.qs, e) | high_bit(b.qh, e) << 4);
}

// Q6_K: value e = 128h + 32s + l. Low 4 bits: ql[64h + 32(s%2) + l], low nibble for s < 2,
// high nibble otherwise; high 2 bits: qh[32h + l], bits 2s..2s+1. Levels -32..31.
void unpack_q6_k(const BlockQ6_K& b, int8_t* q) {
    for (int e = 0; e < kQK_K; ++e) {
        const int h = e / 128, s = (e % 128) / 32, l = e % 32;
        const int lo = (b.ql[64 * h + 32 * (s % 2) + l] >> (4 * (s / 2))) & 0x0f;
        const int hi = (b.qh[32 * h + l] >> (2 * s)) & 3;
        q[e] = static_cast<int8_t>((lo | hi << 4) - 32);
    }
}

int32_t dot_ints(const int8_t* a, const int8_t* b, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; ++i) s += static_cast<int32_t>(a[i]) * b[i];
    return s;
}

}  // namespace

// ---- to_float ------------------------------------------------------------------------------

void q2_k_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ2_K* blocks = static_cast<const BlockQ2_K*>(src);
    int8_t q[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const BlockQ2_K& b = blocks[i];
        const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
        unpack_q2_k(b, q);
        for (int j = 0; j < kQK_K / 16; ++j) {
            const float dl = d * static_cast<float>(b.scales[j] & 0x0f);
            const float ml = dmin * static_cast<float>(b.scales[j] >> 4);
            for (int l = 0; l < 16; ++l) dst[16 * j + l] = dl * static_cast<float>(q[16 * j + l]) - ml;
        }
    }
}

void q3_k_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ3_K* blocks = static_cast<const BlockQ3_K*>(src);
    int8_t q[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const BlockQ3_K& b = blocks[i];
        const float d = fp16_to_fp32(b.d);
        unpack_q3_k(b, q);
        for (int j = 0; j < kQK_K / 16; ++j) {
            const float dl = d * static_cast<float>(unpack_scale_q3_k(b.scales, j));
            for (int l = 0; l < 16; ++l) dst[16 * j + l] = dl * static_cast<float>(q[16 * j + l]);
        }
    }
}

// Q4_K and Q5_K share scales and mins, one pair per 32 values.
namespace {
template <typename Block>
void scaled_min_to_float(const Block& b, const int8_t* q, float* dst) {
    const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
    for (int j = 0; j < kQK_K / 32; ++j) {
        const ScaleMin sm = unpack_scale_min_k4(b.scales, j);
        const float dl = d * static_cast<float>(sm.scale), ml = dmin * static_cast<float>(sm.min);
        for (int l = 0; l < 32; ++l) dst[32 * j + l] = dl * static_cast<float>(q[32 * j + l]) - ml;
    }
}
}  // namespace

void q4_k_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ4_K* blocks = static_cast<const BlockQ4_K*>(src);
    int8_t q[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        unpack_q4_k(blocks[i], q);
        scaled_min_to_float(blocks[i], q, dst);
    }
}

void q5_k_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ5_K* blocks = static_cast<const BlockQ5_K*>(src);
    int8_t q[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        unpack_q5_k(blocks[i], q);
        scaled_min_to_float(blocks[i], q, dst);
    }
}

void q6_k_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ6_K* blocks = static_cast<const BlockQ6_K*>(src);
    int8_t q[kQK_K];
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const BlockQ6_K& b = blocks[i];
        const float d = fp16_to_fp32(b.d);
        unpack_q6_k(b, q);
        for (int j = 0; j < kQK_K / 16; ++j) {
            const float dl = d * static_cast<float>(b.scales[j]);
            for (int l = 0; l < 16; ++l) dst[16 * j + l] = dl * static_cast<float>(q[16 * j + l]);
        }
    }
}

// ---- vec_dot against Q8_K ------------------------------------------------------------------
// sum_e (d*sc_j*q_e - dmin*m_j) * (dy*a_e) = d*dy * sum_j sc_j*(q.a)_j - dmin*dy * sum_j m_j*(sum a)_j,
// with the sums of a per 16 values precomputed in the activation's bsums.

float q2_k_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ2_K* x = static_cast<const BlockQ2_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    int8_t q[kQK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_q2_k(x[i], q);
        int32_t isum = 0, msum = 0;
        for (int j = 0; j < kQK_K / 16; ++j) {
            isum += (x[i].scales[j] & 0x0f) * dot_ints(q + 16 * j, y[i].qs + 16 * j, 16);
            msum += (x[i].scales[j] >> 4) * y[i].bsums[j];
        }
        sum += y[i].d * fp16_to_fp32(x[i].d) * static_cast<float>(isum) -
               y[i].d * fp16_to_fp32(x[i].dmin) * static_cast<float>(msum);
    }
    return sum;
}

float q3_k_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ3_K* x = static_cast<const BlockQ3_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    int8_t q[kQK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_q3_k(x[i], q);
        int32_t isum = 0;
        for (int j = 0; j < kQK_K / 16; ++j) {
            isum += unpack_scale_q3_k(x[i].scales, j) * dot_ints(q + 16 * j, y[i].qs + 16 * j, 16);
        }
        sum += fp16_to_fp32(x[i].d) * y[i].d * static_cast<float>(isum);
    }
    return sum;
}

namespace {
template <typename Block>
float scaled_min_vec_dot(const Block& x, const int8_t* q, const BlockQ8_K& y) {
    int32_t isum = 0, msum = 0;
    for (int j = 0; j < kQK_K / 32; ++j) {
        const ScaleMin sm = unpack_scale_min_k4(x.scales, j);
        isum += sm.scale * dot_ints(q + 32 * j, y.qs + 32 * j, 32);
        msum += sm.min * (y.bsums[2 * j] + y.bsums[2 * j + 1]);
    }
    return y.d * fp16_to_fp32(x.d) * static_cast<float>(isum) -
           y.d * fp16_to_fp32(x.dmin) * static_cast<float>(msum);
}
}  // namespace

float q4_k_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ4_K* x = static_cast<const BlockQ4_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    int8_t q[kQK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_q4_k(x[i], q);
        sum += scaled_min_vec_dot(x[i], q, y[i]);
    }
    return sum;
}

float q5_k_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ5_K* x = static_cast<const BlockQ5_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    int8_t q[kQK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_q5_k(x[i], q);
        sum += scaled_min_vec_dot(x[i], q, y[i]);
    }
    return sum;
}

float q6_k_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ6_K* x = static_cast<const BlockQ6_K*>(row);
    const BlockQ8_K* y = static_cast<const BlockQ8_K*>(act);
    int8_t q[kQK_K];
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        unpack_q6_k(x[i], q);
        int32_t isum = 0;
        for (int j = 0; j < kQK_K / 16; ++j) {
            isum += x[i].scales[j] * dot_ints(q + 16 * j, y[i].qs + 16 * j, 16);
        }
        sum += fp16_to_fp32(x[i].d) * y[i].d * static_cast<float>(isum);
    }
    return sum;
}

void q8_k_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ8_K* b = static_cast<const BlockQ8_K*>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        for (int j = 0; j < kQK_K; ++j) dst[i * kQK_K + j] = b[i].d * static_cast<float>(b[i].qs[j]);
    }
}

}  // namespace edgeseek::kquant
