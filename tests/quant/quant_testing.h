// What the quant tests share: seeded data, quantize/dequantize through the traits table, RMS.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "quant/types.h"

namespace edgeseek::test {

inline const TypeTraits& traits_of(GgmlType t) {
    const TypeTraits* tr = type_traits(t);
    if (!tr) throw std::runtime_error("no traits for type#" + std::to_string(static_cast<uint32_t>(t)));
    return *tr;
}

// n values drawn from N(0, sigma^2), seeded.
inline std::vector<float> gaussian(int64_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

// Encoded bytes; uint64_t storage keeps every block type's alignment.
struct Encoded {
    std::vector<uint64_t> storage;
    void* data() { return storage.data(); }
    const void* data() const { return storage.data(); }
};

inline Encoded quantize(GgmlType t, const std::vector<float>& x) {
    const size_t bytes = row_size(t, static_cast<int64_t>(x.size()));
    Encoded e;
    e.storage.assign((bytes + 7) / 8, 0);
    traits_of(t).from_float(x.data(), e.data(), static_cast<int64_t>(x.size()));
    return e;
}

inline std::vector<float> dequantize(GgmlType t, const void* data, int64_t n) {
    std::vector<float> y(static_cast<size_t>(n));
    traits_of(t).to_float(data, y.data(), n);
    return y;
}

inline std::vector<float> round_trip(GgmlType t, const std::vector<float>& x) {
    const Encoded e = quantize(t, x);
    return dequantize(t, e.data(), static_cast<int64_t>(x.size()));
}

inline double rms(const std::vector<float>& x) {
    double s = 0.0;
    for (float v : x) s += static_cast<double>(v) * v;
    return std::sqrt(s / static_cast<double>(x.size()));
}

inline double rms_error(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        s += d * d;
    }
    return std::sqrt(s / static_cast<double>(a.size()));
}

// RMS error relative to the RMS of the reference.
inline double relative_rms_error(const std::vector<float>& ref, const std::vector<float>& got) {
    return rms_error(ref, got) / rms(ref);
}

// The weight types this project computes with, each with the partner its dots use.
inline const std::vector<GgmlType>& quantized_weight_types() {
    static const std::vector<GgmlType> types = {
        GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
        GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,
        GgmlType::IQ4_NL, GgmlType::IQ4_XS};
    return types;
}

struct TypeNamePrinter {
    std::string operator()(const testing::TestParamInfo<GgmlType>& info) const {
        return type_name(info.param);
    }
};

}  // namespace edgeseek::test
