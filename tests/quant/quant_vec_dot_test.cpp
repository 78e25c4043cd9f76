// vec_dot of every weight type against its partner equals the dot product of the two rows
// dequantized, as the engine's matmul uses it (activation converted with the partner's
// from_float).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant_testing.h"

namespace edgeseek {
namespace {

struct DotCase {
    double got = 0.0, expected = 0.0, tolerance = 0.0;
};

// Q4_1 and Q5_1 take the activation's sum from its f16 field s = f16(d * sum(q)); the
// dequantized activation has d * sum(q) exactly. Bound the difference per block.
double q8_1_sum_rounding(GgmlType weight, const void* w, const void* a, int64_t n) {
    if (weight != GgmlType::Q4_1 && weight != GgmlType::Q5_1) return 0.0;
    const auto* act = static_cast<const BlockQ8_1*>(a);
    const size_t wsize = test::traits_of(weight).type_size;
    double bound = 0.0;
    for (int64_t b = 0; b < n / kQK8_1; ++b) {
        // m is the second f16 of both Q4_1 and Q5_1 blocks.
        uint16_t m;
        std::memcpy(&m, static_cast<const uint8_t*>(w) + static_cast<size_t>(b) * wsize + 2, 2);
        bound += std::fabs(fp16_to_fp32(m)) * std::fabs(fp16_to_fp32(act[b].s)) * std::ldexp(1.0, -10);
    }
    return bound;
}

DotCase run_dot(GgmlType weight, int64_t n, uint32_t seed) {
    const TypeTraits& wt = test::traits_of(weight);
    const GgmlType partner = wt.vec_dot_type;
    const std::vector<float> w = test::gaussian(n, seed);
    const std::vector<float> a = test::gaussian(n, seed + 1000);
    const test::Encoded wq = test::quantize(weight, w);
    const test::Encoded aq = test::quantize(partner, a);
    const std::vector<float> wd = test::dequantize(weight, wq.data(), n);
    const std::vector<float> ad = test::dequantize(partner, aq.data(), n);
    DotCase c;
    double abs_sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        c.expected += static_cast<double>(wd[i]) * ad[i];
        abs_sum += std::fabs(static_cast<double>(wd[i]) * ad[i]);
    }
    c.got = wt.vec_dot(n, wq.data(), aq.data());
    // float accumulation over blocks, plus the f16 sum of Q8_1 where it is used
    c.tolerance = 2e-6 * abs_sum + q8_1_sum_rounding(weight, wq.data(), aq.data(), n);
    return c;
}

class QuantVecDot : public testing::TestWithParam<GgmlType> {};

TEST_P(QuantVecDot, EqualsDotOfDequantizedRows) {
    const GgmlType t = GetParam();
    for (int64_t n : {256, 768, 4096}) {
        for (uint32_t seed : {1u, 2u, 3u, 4u}) {
            const DotCase c = run_dot(t, n, seed);
            EXPECT_NEAR(c.got, c.expected, c.tolerance) << type_name(t) << " n=" << n << " seed=" << seed;
        }
    }
}

TEST_P(QuantVecDot, ApproximatesTheFloatDot) {
    // Not exact, but a quantized dot must land near the float one: catches a partner whose
    // scale or sum is wired wrong even when both sides agree with each other.
    const GgmlType t = GetParam();
    const int64_t n = 4096;
    const TypeTraits& wt = test::traits_of(t);
    double err2 = 0.0, ref2 = 0.0;
    for (uint32_t seed = 0; seed < 16; ++seed) {
        const std::vector<float> w = test::gaussian(n, 100 + seed);
        const std::vector<float> a = test::gaussian(n, 200 + seed);
        double ref = 0.0;
        for (int64_t i = 0; i < n; ++i) ref += static_cast<double>(w[i]) * a[i];
        const test::Encoded wq = test::quantize(t, w);
        const test::Encoded aq = test::quantize(wt.vec_dot_type, a);
        const double got = wt.vec_dot(n, wq.data(), aq.data());
        err2 += (got - ref) * (got - ref);
        ref2 += static_cast<double>(n);  // E[(w.a)^2] = n for unit Gaussians
    }
    // The dot's relative error is about the weights' relative RMS error.
    EXPECT_LT(std::sqrt(err2 / ref2), 0.4) << type_name(t);
}

TEST_P(QuantVecDot, ZeroActivationGivesZero) {
    const GgmlType t = GetParam();
    const TypeTraits& wt = test::traits_of(t);
    const int64_t n = 512;
    const test::Encoded wq = test::quantize(t, test::gaussian(n, 3));
    const test::Encoded aq = test::quantize(wt.vec_dot_type, std::vector<float>(n, 0.0f));
    EXPECT_EQ(wt.vec_dot(n, wq.data(), aq.data()), 0.0f) << type_name(t);
}

INSTANTIATE_TEST_SUITE_P(QuantWeightTypes, QuantVecDot, testing::ValuesIn(test::quantized_weight_types()),
                         test::TypeNamePrinter());

}  // namespace
}  // namespace edgeseek
