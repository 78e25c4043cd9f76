// Q4_1, Q5_0 and Q5_1: the legacy 32-value blocks besides Q4_0/Q8_0.
//   Q4_1: value = q * d + m,        q in 0..15, dotted against Q8_1 (its s field carries the sum).
//   Q5_0: value = (q - 16) * d,     q in 0..31, dotted against Q8_0.
//   Q5_1: value = q * d + m,        q in 0..31, dotted against Q8_1.
// The quantizers follow ggml's quantize_row_q{4_1,5_0,5_1}_ref, which llama.cpp uses for
// files made without an importance matrix.
#include <cmath>
#include <cstring>

#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant/traits_decl.h"

namespace edgeseek {
namespace {

constexpr int kHalf = 16;  // element j sits in the low nibble of qs[j], j + 16 in the high one

// ggml rounds these blocks by truncating v + 0.5 (callers add it); clamping to [0, hi] before
// the conversion keeps the float-to-int conversion defined for any input.
inline int truncate_clamped(float v, int hi) {
    if (!(v > 0.0f)) return 0;  // NaN included
    return v < static_cast<float>(hi) ? static_cast<int>(v) : hi;
}

uint32_t load_qh(const uint8_t qh[4]) {
    return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
           static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
}

void store_qh(uint8_t qh[4], uint32_t v) {
    for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(v >> (8 * k));
}

// The 5-bit quant of element j (0..31) of a Q5 block.
inline int q5_value(const uint8_t* qs, uint32_t qh, int j) {
    const int lo = j < kHalf ? (qs[j] & 0x0f) : (qs[j - kHalf] >> 4);
    return lo | static_cast<int>((qh >> j) & 1u) << 4;
}

struct MinMax {
    float min, max;
};

MinMax block_min_max(const float* x, int n) {
    MinMax r{x[0], x[0]};
    for (int j = 1; j < n; ++j) {
        if (x[j] < r.min) r.min = x[j];
        if (x[j] > r.max) r.max = x[j];
    }
    return r;
}

// The value of largest magnitude, with its sign.
float signed_absmax(const float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; ++j) {
        if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

// ---- Q4_1 ----------------------------------------------------------------------------------

void q4_1_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ4_1* b = static_cast<const BlockQ4_1*>(src);
    for (int64_t i = 0; i < n / kQK4_1; ++i) {
        const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
        float* y = dst + i * kQK4_1;
        for (int j = 0; j < kHalf; ++j) {
            y[j] = static_cast<float>(b[i].qs[j] & 0x0f) * d + m;
            y[j + kHalf] = static_cast<float>(b[i].qs[j] >> 4) * d + m;
        }
    }
}

void q4_1_from_float(const float* src, void* dst, int64_t n) {
    BlockQ4_1* b = static_cast<BlockQ4_1*>(dst);
    for (int64_t i = 0; i < n / kQK4_1; ++i) {
        const float* x = src + i * kQK4_1;
        const MinMax mm = block_min_max(x, kQK4_1);
        const float d = (mm.max - mm.min) / 15.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        b[i].m = fp32_to_fp16(mm.min);
        for (int j = 0; j < kHalf; ++j) {
            const int q0 = truncate_clamped((x[j] - mm.min) * id + 0.5f, 15);
            const int q1 = truncate_clamped((x[j + kHalf] - mm.min) * id + 0.5f, 15);
            b[i].qs[j] = static_cast<uint8_t>(q0 | q1 << 4);
        }
    }
}

float q4_1_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ4_1* x = static_cast<const BlockQ4_1*>(row);
    const BlockQ8_1* y = static_cast<const BlockQ8_1*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK4_1; ++i) {
        int32_t s = 0;
        for (int j = 0; j < kHalf; ++j) {
            s += (x[i].qs[j] & 0x0f) * y[i].qs[j];
            s += (x[i].qs[j] >> 4) * y[i].qs[j + kHalf];
        }
        // sum_j (q_j d + m) * a_j = d * dy * sum(q * qa) + m * (dy * sum(qa)), the last factor is s.
        sum += static_cast<float>(s) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) +
               fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
    }
    return sum;
}

// ---- Q5_0 ----------------------------------------------------------------------------------

void q5_0_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ5_0* b = static_cast<const BlockQ5_0*>(src);
    for (int64_t i = 0; i < n / kQK5_0; ++i) {
        const float d = fp16_to_fp32(b[i].d);
        const uint32_t qh = load_qh(b[i].qh);
        for (int j = 0; j < kQK5_0; ++j) {
            dst[i * kQK5_0 + j] = static_cast<float>(q5_value(b[i].qs, qh, j) - 16) * d;
        }
    }
}

void q5_0_from_float(const float* src, void* dst, int64_t n) {
    BlockQ5_0* b = static_cast<BlockQ5_0*>(dst);
    for (int64_t i = 0; i < n / kQK5_0; ++i) {
        const float* x = src + i * kQK5_0;
        // The largest-magnitude value maps to q = 0 (-16), so both signs use the full range.
        const float d = signed_absmax(x, kQK5_0) / -16.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        uint32_t qh = 0;
        for (int j = 0; j < kHalf; ++j) {
            const int q0 = truncate_clamped(x[j] * id + 16.5f, 31);
            const int q1 = truncate_clamped(x[j + kHalf] * id + 16.5f, 31);
            b[i].qs[j] = static_cast<uint8_t>((q0 & 0x0f) | (q1 & 0x0f) << 4);
            qh |= static_cast<uint32_t>(q0 >> 4) << j;
            qh |= static_cast<uint32_t>(q1 >> 4) << (j + kHalf);
        }
        store_qh(b[i].qh, qh);
    }
}

float q5_0_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ5_0* x = static_cast<const BlockQ5_0*>(row);
    const BlockQ8_0* y = static_cast<const BlockQ8_0*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK5_0; ++i) {
        const uint32_t qh = load_qh(x[i].qh);
        int32_t s = 0;
        for (int j = 0; j < kQK5_0; ++j) s += (q5_value(x[i].qs, qh, j) - 16) * y[i].qs[j];
        sum += static_cast<float>(s) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
    }
    return sum;
}

// ---- Q5_1 ----------------------------------------------------------------------------------

void q5_1_to_float(const void* src, float* dst, int64_t n) {
    const BlockQ5_1* b = static_cast<const BlockQ5_1*>(src);
    for (int64_t i = 0; i < n / kQK5_1; ++i) {
        const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
        const uint32_t qh = load_qh(b[i].qh);
        for (int j = 0; j < kQK5_1; ++j) {
            dst[i * kQK5_1 + j] = static_cast<float>(q5_value(b[i].qs, qh, j)) * d + m;
        }
    }
}

void q5_1_from_float(const float* src, void* dst, int64_t n) {
    BlockQ5_1* b = static_cast<BlockQ5_1*>(dst);
    for (int64_t i = 0; i < n / kQK5_1; ++i) {
        const float* x = src + i * kQK5_1;
        const MinMax mm = block_min_max(x, kQK5_1);
        const float d = (mm.max - mm.min) / 31.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = fp32_to_fp16(d);
        b[i].m = fp32_to_fp16(mm.min);
        uint32_t qh = 0;
        for (int j = 0; j < kHalf; ++j) {
            const int q0 = truncate_clamped((x[j] - mm.min) * id + 0.5f, 31);
            const int q1 = truncate_clamped((x[j + kHalf] - mm.min) * id + 0.5f, 31);
            b[i].qs[j] = static_cast<uint8_t>((q0 & 0x0f) | (q1 & 0x0f) << 4);
            qh |= static_cast<uint32_t>(q0 >> 4) << j;
            qh |= static_cast<uint32_t>(q1 >> 4) << (j + kHalf);
        }
        store_qh(b[i].qh, qh);
    }
}

float q5_1_vec_dot(int64_t n, const void* row, const void* act) {
    const BlockQ5_1* x = static_cast<const BlockQ5_1*>(row);
    const BlockQ8_1* y = static_cast<const BlockQ8_1*>(act);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK5_1; ++i) {
        const uint32_t qh = load_qh(x[i].qh);
        int32_t s = 0;
        for (int j = 0; j < kQK5_1; ++j) s += q5_value(x[i].qs, qh, j) * y[i].qs[j];
        sum += static_cast<float>(s) * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) +
               fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
    }
    return sum;
}

}  // namespace

const TypeTraits kTraitsQ4_1 = {"q4_1", kQK4_1, sizeof(BlockQ4_1), true, q4_1_to_float,
                                q4_1_from_float, GgmlType::Q8_1, q4_1_vec_dot};
const TypeTraits kTraitsQ5_0 = {"q5_0", kQK5_0, sizeof(BlockQ5_0), true, q5_0_to_float,
                                q5_0_from_float, GgmlType::Q8_0, q5_0_vec_dot};
const TypeTraits kTraitsQ5_1 = {"q5_1", kQK5_1, sizeof(BlockQ5_1), true, q5_1_to_float,
                                q5_1_from_float, GgmlType::Q8_1, q5_1_vec_dot};

}  // namespace edgeseek
