// Real files: GGUFs quantized by llama.cpp from the same random weights as tiny-*-f32.gguf.
// Dequantizing them must land at the error each type is known for (a wrong layout or scale
// packing gives errors of order 1), and our quantizer must do as well as llama.cpp's.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <iostream>
#include <iomanip>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gguf/gguf_file.h"
#include "quant_testing.h"
#include "test_support.h"

namespace edgeseek {
namespace {

struct FixtureCase {
    const char* file;       // under models/
    const char* reference;  // the f32 file it was made from
    GgmlType attn_q_type;   // type of blk.0.attn_q.weight
};

std::ostream& operator<<(std::ostream& os, const FixtureCase& c) { return os << c.file; }

const std::vector<FixtureCase>& fixture_cases() {
    static const std::vector<FixtureCase> cases = {
        {"tiny-qwen2-q8_0.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q8_0},
        {"tiny-qwen2-q4_0.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q4_0},
        {"tiny-qwen2-q4_1.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q4_1},
        {"tiny-qwen2-q5_0.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q5_0},
        {"tiny-qwen2-q5_1.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q5_1},
        {"tiny-qwen2-q2_k.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q2_K},
        {"tiny-qwen2-q3_k_s.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q3_K},
        {"tiny-qwen2-q4_k_s.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q4_K},
        {"tiny-qwen2-q5_k_s.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q5_K},
        {"tiny-qwen2-q6_k.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q6_K},
        {"tiny-qwen2-iq4_nl.gguf", "tiny-qwen2-f32.gguf", GgmlType::IQ4_NL},
        {"tiny-qwen2-q4_k_m.gguf", "tiny-qwen2-f32.gguf", GgmlType::Q4_K},
        {"tiny-llama-q8_0.gguf", "tiny-llama-f32.gguf", GgmlType::Q8_0},
        {"tiny-llama-q4_k_m.gguf", "tiny-llama-f32.gguf", GgmlType::Q4_K},
    };
    return cases;
}

// Relative RMS error of llama.cpp's files on these (Gaussian) weights: the measured value
// sits inside each range with room on both sides.
std::pair<double, double> expected_error(GgmlType t) {
    static const std::map<GgmlType, std::pair<double, double>> range = {
        {GgmlType::Q8_0, {0.004, 0.007}}, {GgmlType::Q4_0, {0.07, 0.10}},   {GgmlType::Q4_1, {0.065, 0.09}},
        {GgmlType::Q5_0, {0.035, 0.05}},  {GgmlType::Q5_1, {0.03, 0.045}},  {GgmlType::Q2_K, {0.25, 0.34}},
        {GgmlType::Q3_K, {0.13, 0.17}},   {GgmlType::Q4_K, {0.06, 0.08}},   {GgmlType::Q5_K, {0.03, 0.042}},
        {GgmlType::Q6_K, {0.015, 0.02}},  {GgmlType::IQ4_NL, {0.065, 0.085}},
    };
    return range.at(t);
}

std::vector<float> f32_values(const TensorInfo& t) {
    std::vector<float> v(static_cast<size_t>(t.n_elements()));
    std::memcpy(v.data(), t.data, v.size() * sizeof(float));
    return v;
}

class QuantFixture : public testing::TestWithParam<FixtureCase> {
protected:
    void SetUp() override {
        const std::string path = test::fixture(std::string("models/") + GetParam().file);
        const std::string ref = test::fixture(std::string("models/") + GetParam().reference);
        EDGESEEK_REQUIRE_FIXTURE(path);
        EDGESEEK_REQUIRE_FIXTURE(ref);
        file_ = GgufFile::open(path);
        reference_ = GgufFile::open(ref);
    }

    // The f32 original of a quantized tensor, checked to be one.
    std::vector<float> original_of(const TensorInfo& t) const {
        const TensorInfo* r = reference_->find_tensor(t.name);
        if (!r || r->type != GgmlType::F32 || r->shape != t.shape) {
            ADD_FAILURE() << t.name << ": no f32 tensor of shape " << t.shape_string() << " in "
                          << GetParam().reference;
            return {};
        }
        return f32_values(*r);
    }

    std::unique_ptr<GgufFile> file_, reference_;
};

TEST_P(QuantFixture, AttnQHasTheFileType) {
    const TensorInfo* t = file_->find_tensor("blk.0.attn_q.weight");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, GetParam().attn_q_type) << type_name(t->type);
}

TEST_P(QuantFixture, EveryQuantizedTensorDequantizesToItsOriginal) {
    int checked = 0;
    for (const TensorInfo& t : file_->tensors()) {
        if (!test::traits_of(t.type).quantized) continue;
        const std::vector<float> original = original_of(t);
        if (original.empty()) continue;
        const std::vector<float> got = test::dequantize(t.type, t.data, t.n_elements());
        const double err = test::relative_rms_error(original, got);
        const auto [lo, hi] = expected_error(t.type);
        EXPECT_GE(err, lo) << t.name << " (" << type_name(t.type) << ")";
        EXPECT_LE(err, hi) << t.name << " (" << type_name(t.type) << ")";
        ++checked;
    }
    EXPECT_GT(checked, 0);
}

TEST_P(QuantFixture, OurQuantizerMatchesLlamaCpp) {
    // For every quantized tensor: quantize the f32 original ourselves. Our error must be at most
    // 1.1x that of llama.cpp's file; as both run the same reference algorithm, nearly every
    // block should even come out byte-identical.
    std::ostringstream table;
    for (const TensorInfo& t : file_->tensors()) {
        const TypeTraits& tr = test::traits_of(t.type);
        if (!tr.quantized) continue;
        const std::vector<float> original = original_of(t);
        if (original.empty()) continue;
        const test::Encoded ours = test::quantize(t.type, original);
        const double theirs_err = test::relative_rms_error(original, test::dequantize(t.type, t.data, t.n_elements()));
        const double ours_err = test::relative_rms_error(original, test::dequantize(t.type, ours.data(), t.n_elements()));
        EXPECT_LE(ours_err, 1.1 * theirs_err) << t.name << " (" << type_name(t.type) << ")";

        const int64_t blocks = t.n_elements() / tr.block_size;
        int64_t identical = 0;
        for (int64_t b = 0; b < blocks; ++b) {
            const size_t off = static_cast<size_t>(b) * tr.type_size;
            identical += std::memcmp(static_cast<const uint8_t*>(ours.data()) + off, t.data + off, tr.type_size) == 0;
        }
        EXPECT_GE(static_cast<double>(identical), 0.99 * static_cast<double>(blocks))
            << t.name << " (" << type_name(t.type) << "): " << identical << " of " << blocks << " blocks identical";

        if (t.name == "blk.0.attn_q.weight") {
            table << std::fixed << std::setprecision(5) << type_name(t.type) << " llama.cpp " << theirs_err
                  << " ours " << ours_err << " ratio " << ours_err / theirs_err << " identical blocks "
                  << identical << "/" << blocks;
        }
    }
    RecordProperty("attn_q", table.str());
    std::cout << "[ attn_q   ] " << GetParam().file << ": " << table.str() << "\n";
}

INSTANTIATE_TEST_SUITE_P(QuantLlamaCppFiles, QuantFixture, testing::ValuesIn(fixture_cases()),
                         [](const testing::TestParamInfo<FixtureCase>& info) {
                             std::string name = info.param.file;
                             name = name.substr(0, name.find(".gguf"));
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return name;
                         });

}  // namespace
}  // namespace edgeseek
