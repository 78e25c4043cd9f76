// from_float then to_float for every quantized type: error bounds on random data and the rows
// that break naive quantizers (zeros, one huge outlier, values near the f16 underflow).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "quant_testing.h"

namespace edgeseek {
namespace {

using test::gaussian;
using test::relative_rms_error;
using test::round_trip;

// RMS error relative to the data's RMS on N(0, 1) data, about 1.1x what llama.cpp's reference
// quantizers reach (measured: q4_0 0.086, q4_1 0.078, q5_0 0.043, q5_1 0.038, q8_0 0.0054,
// q2_K 0.297, q3_K 0.151, q4_K 0.071, q5_K 0.036, q6_K 0.0176, q8_K 0.0068, iq4 0.077).
double error_bound(GgmlType t) {
    static const std::map<GgmlType, double> bound = {
        {GgmlType::Q4_0, 0.095},  {GgmlType::Q4_1, 0.086},  {GgmlType::Q5_0, 0.047},
        {GgmlType::Q5_1, 0.042},  {GgmlType::Q8_0, 0.006},  {GgmlType::Q8_1, 0.006},
        {GgmlType::Q2_K, 0.32},   {GgmlType::Q3_K, 0.165},  {GgmlType::Q4_K, 0.078},
        {GgmlType::Q5_K, 0.040},  {GgmlType::Q6_K, 0.0195}, {GgmlType::Q8_K, 0.0075},
        {GgmlType::IQ4_NL, 0.084}, {GgmlType::IQ4_XS, 0.084},
    };
    return bound.at(t);
}

class QuantRoundTrip : public testing::TestWithParam<GgmlType> {
protected:
    GgmlType type() const { return GetParam(); }
    int64_t block() const { return test::traits_of(type()).block_size; }
    // A length of several blocks that is also a multiple of 256, so every type takes it.
    int64_t length() const { return 256 * 16; }
};

TEST_P(QuantRoundTrip, GaussianDataWithinBound) {
    for (uint32_t seed : {1u, 2u, 3u}) {
        const std::vector<float> x = gaussian(length(), seed);
        const std::vector<float> y = round_trip(type(), x);
        EXPECT_LT(relative_rms_error(x, y), error_bound(type())) << type_name(type()) << " seed " << seed;
    }
}

TEST_P(QuantRoundTrip, ErrorScalesWithTheData) {
    // Scales well inside f16's normal range: the relative error must not change with the unit.
    for (float sigma : {1e-2f, 100.0f, 3000.0f}) {
        const std::vector<float> x = gaussian(length(), 11, sigma);
        const std::vector<float> y = round_trip(type(), x);
        EXPECT_LT(relative_rms_error(x, y), error_bound(type())) << type_name(type()) << " sigma " << sigma;
    }
}

TEST_P(QuantRoundTrip, OffsetDataWithinBound) {
    // All values positive: types with a min must use it, symmetric ones still cover the range.
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.5f, 1.5f);
    std::vector<float> x(static_cast<size_t>(length()));
    for (auto& v : x) v = u(rng);
    const std::vector<float> y = round_trip(type(), x);
    EXPECT_LT(relative_rms_error(x, y), error_bound(type())) << type_name(type());
}

TEST_P(QuantRoundTrip, ZerosStayExactZeros) {
    const std::vector<float> x(static_cast<size_t>(length()), 0.0f);
    const std::vector<float> y = round_trip(type(), x);
    for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], 0.0f) << type_name(type()) << " at " << i;
}

TEST_P(QuantRoundTrip, ZeroBlockBesideDataStaysZero) {
    // Only the blocks of the second half are zero; the first half is ordinary data.
    std::vector<float> x = gaussian(length(), 9);
    std::fill(x.begin() + length() / 2, x.end(), 0.0f);
    const std::vector<float> y = round_trip(type(), x);
    for (int64_t i = length() / 2; i < length(); ++i) ASSERT_EQ(y[i], 0.0f) << type_name(type()) << " at " << i;
}

TEST_P(QuantRoundTrip, HugeOutlierIsKeptAndStaysLocal) {
    std::vector<float> x = gaussian(length(), 21);
    const int64_t at = 300;  // in the second 256-value super-block
    x[at] = 1000.0f;
    const std::vector<float> y = round_trip(type(), x);
    for (float v : y) ASSERT_TRUE(std::isfinite(v)) << type_name(type());
    // The outlier sets its block's scale, so it comes back to about f16 precision.
    EXPECT_NEAR(y[at], x[at], 1e-3 * 1000.0) << type_name(type());
    // Super-blocks without the outlier are unaffected.
    const std::vector<float> rest_x(x.begin() + 512, x.end()), rest_y(y.begin() + 512, y.end());
    EXPECT_LT(relative_rms_error(rest_x, rest_y), error_bound(type())) << type_name(type());
}

TEST_P(QuantRoundTrip, TinyValuesDoNotBlowUp) {
    // 1e-7 is below f16's smallest normal, 1e-20 below its smallest subnormal: f16 scales lose
    // precision or underflow. The data may be lost, but the result must stay finite and within
    // the data's magnitude plus what f16 subnormal steps (2^-24) times up to 63 levels allow.
    const float f16_slack = 64.0f * std::ldexp(1.0f, -24);
    for (float sigma : {1e-7f, 1e-20f}) {
        const std::vector<float> x = gaussian(length(), 31, sigma);
        const std::vector<float> y = round_trip(type(), x);
        float amax = 0.0f;
        for (float v : x) amax = std::max(amax, std::fabs(v));
        for (size_t i = 0; i < y.size(); ++i) {
            ASSERT_TRUE(std::isfinite(y[i])) << type_name(type()) << " at " << i;
            ASSERT_LE(std::fabs(y[i]), 2.0f * amax + f16_slack) << type_name(type()) << " at " << i << " sigma " << sigma;
        }
    }
}

TEST_P(QuantRoundTrip, NonFiniteInputStaysDefinedBehaviour) {
    // from_float does not validate (check_finite is the caller's job) but must not hit undefined
    // behaviour on NaN or infinity: no float-to-int overflow, no out-of-range index. The
    // sanitizer build is what really checks this; the values that come back are unspecified.
    std::vector<float> x = gaussian(length(), 51);
    x[3] = std::numeric_limits<float>::quiet_NaN();
    x[block() + 5] = std::numeric_limits<float>::infinity();
    x[2 * block() + 7] = -std::numeric_limits<float>::infinity();
    x[3 * block()] = std::numeric_limits<float>::max();
    const std::vector<float> y = round_trip(type(), x);
    EXPECT_EQ(y.size(), x.size());
}

TEST_P(QuantRoundTrip, QuantizingIsDeterministicAndBlockwise) {
    // Quantizing a row in one call or block by block gives the same bytes.
    const std::vector<float> x = gaussian(length(), 41);
    const test::Encoded whole = test::quantize(type(), x);
    const TypeTraits& tr = test::traits_of(type());
    test::Encoded parts;
    parts.storage.assign(whole.storage.size(), 0);
    for (int64_t b = 0; b < length() / block(); ++b) {
        tr.from_float(x.data() + b * block(), static_cast<uint8_t*>(parts.data()) + b * tr.type_size, block());
    }
    EXPECT_EQ(whole.storage, parts.storage) << type_name(type());
}

std::vector<GgmlType> all_quantized_types() {
    std::vector<GgmlType> t = test::quantized_weight_types();
    t.push_back(GgmlType::Q8_1);
    t.push_back(GgmlType::Q8_K);
    return t;
}

INSTANTIATE_TEST_SUITE_P(QuantAllTypes, QuantRoundTrip, testing::ValuesIn(all_quantized_types()),
                         test::TypeNamePrinter());

}  // namespace
}  // namespace edgeseek
