// The traits table against ggml's numbers (ggml-common.h block sizes, ggml-cpu vec_dot_type).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "quant/types.h"
#include "quant_testing.h"

namespace edgeseek {
namespace {

struct Expected {
    GgmlType type;
    const char* name;
    int64_t block_size;
    size_t type_size;
    GgmlType vec_dot_type;
    bool weight_type;  // has vec_dot; false for the activation-only Q8_1 / Q8_K
};

const std::vector<Expected>& ggml_table() {
    static const std::vector<Expected> t = {
        {GgmlType::Q4_0, "q4_0", 32, 18, GgmlType::Q8_0, true},
        {GgmlType::Q4_1, "q4_1", 32, 20, GgmlType::Q8_1, true},
        {GgmlType::Q5_0, "q5_0", 32, 22, GgmlType::Q8_0, true},
        {GgmlType::Q5_1, "q5_1", 32, 24, GgmlType::Q8_1, true},
        {GgmlType::Q8_0, "q8_0", 32, 34, GgmlType::Q8_0, true},
        {GgmlType::Q8_1, "q8_1", 32, 36, GgmlType::Q8_1, false},
        {GgmlType::Q2_K, "q2_K", 256, 84, GgmlType::Q8_K, true},
        {GgmlType::Q3_K, "q3_K", 256, 110, GgmlType::Q8_K, true},
        {GgmlType::Q4_K, "q4_K", 256, 144, GgmlType::Q8_K, true},
        {GgmlType::Q5_K, "q5_K", 256, 176, GgmlType::Q8_K, true},
        {GgmlType::Q6_K, "q6_K", 256, 210, GgmlType::Q8_K, true},
        {GgmlType::Q8_K, "q8_K", 256, 292, GgmlType::Q8_K, false},
        {GgmlType::IQ4_NL, "iq4_nl", 32, 18, GgmlType::Q8_0, true},
        {GgmlType::IQ4_XS, "iq4_xs", 256, 136, GgmlType::Q8_K, true},
    };
    return t;
}

TEST(QuantTraits, BlockSizesMatchGgml) {
    for (const Expected& e : ggml_table()) {
        const TypeTraits* tr = type_traits(e.type);
        ASSERT_NE(tr, nullptr) << e.name;
        EXPECT_STREQ(tr->name, e.name);
        EXPECT_EQ(tr->block_size, e.block_size) << e.name;
        EXPECT_EQ(tr->type_size, e.type_size) << e.name;
        EXPECT_TRUE(tr->quantized) << e.name;
        EXPECT_EQ(tr->vec_dot_type, e.vec_dot_type) << e.name;
    }
}

TEST(QuantTraits, EveryTypeConvertsBothWays) {
    for (const Expected& e : ggml_table()) {
        const TypeTraits* tr = type_traits(e.type);
        ASSERT_NE(tr, nullptr) << e.name;
        EXPECT_NE(tr->to_float, nullptr) << e.name;
        EXPECT_NE(tr->from_float, nullptr) << e.name;
        EXPECT_EQ(tr->vec_dot != nullptr, e.weight_type) << e.name;
        EXPECT_EQ(type_supported(e.type), e.weight_type) << e.name;
        // The partner must be something activations can be converted to.
        const TypeTraits* partner = type_traits(tr->vec_dot_type);
        ASSERT_NE(partner, nullptr) << e.name;
        EXPECT_NE(partner->from_float, nullptr) << e.name << " -> " << partner->name;
        EXPECT_EQ(partner->block_size, e.block_size) << e.name << ": partner blocks must line up";
    }
}

TEST(QuantTraits, NamesRoundTrip) {
    for (const Expected& e : ggml_table()) {
        EXPECT_EQ(type_name(e.type), e.name);
        EXPECT_EQ(type_from_name(e.name), e.type) << e.name;
    }
    EXPECT_EQ(type_from_name("Q4_K"), GgmlType::Q4_K);
    EXPECT_EQ(type_from_name("IQ4_XS"), GgmlType::IQ4_XS);
}

TEST(QuantTraits, RowSize) {
    EXPECT_EQ(row_size(GgmlType::Q4_K, 4096), 16u * 144u);
    EXPECT_EQ(row_size(GgmlType::Q6_K, 512), 2u * 210u);
    EXPECT_EQ(row_size(GgmlType::Q5_1, 64), 2u * 24u);
    EXPECT_EQ(row_size(GgmlType::IQ4_XS, 256), 136u);
}

TEST(QuantTraits, CheckFiniteNamesTheFirstBadValue) {
    std::vector<float> x(100, 1.0f);
    EXPECT_NO_THROW(check_finite(x.data(), 100, "t"));
    x[37] = std::numeric_limits<float>::quiet_NaN();
    x[60] = std::numeric_limits<float>::infinity();
    try {
        check_finite(x.data(), 100, "blk.0.attn_q.weight");
        FAIL() << "NaN not reported";
    } catch (const Error& err) {
        EXPECT_EQ(err.location(), "blk.0.attn_q.weight");
        EXPECT_NE(err.problem().find("37"), std::string::npos) << err.what();
        EXPECT_NE(err.problem().find("NaN"), std::string::npos) << err.what();
    }
    try {
        check_finite(x.data() + 40, 60, "w");
        FAIL() << "infinity not reported";
    } catch (const Error& err) {
        EXPECT_NE(err.problem().find("20"), std::string::npos) << err.what();
        EXPECT_NE(err.problem().find("infinite"), std::string::npos) << err.what();
    }
}

}  // namespace
}  // namespace edgeseek
