// The safetensors header parser on crafted bytes: what it accepts, and that every lie in a header
// is refused with an Error naming the tensor and the problem.
#include <gtest/gtest.h>

#include "convert/safetensors.h"
#include "convert_testing.h"
#include "core/error.h"

namespace edgeseek {
namespace {

std::unique_ptr<SafetensorsFile> parse(const std::vector<uint8_t>& bytes) {
    return SafetensorsFile::parse(MappedFile::from_memory(bytes.data(), bytes.size()));
}

// The Error message of parsing `header` followed by `data_size` bytes ("" when it parses).
std::string error_of(const std::string& header, size_t data_size = 64) {
    const auto bytes = test::safetensors_file_bytes(header, std::vector<uint8_t>(data_size));
    try {
        parse(bytes);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(ConvertSafetensors, ReadsTensorsAndMetadata) {
    const std::vector<test::StTensor> ts = {
        {"b.weight", "BF16", {2, 3}, test::bf16_bytes({1, 2, 3, 4, 5, 6})},
        {"a.bias", "F32", {2}, test::f32_bytes({0.5f, -1.0f})},
        {"empty", "F16", {0, 4}, {}},
    };
    const auto bytes = test::safetensors_bytes(ts);
    const auto f = parse(bytes);
    ASSERT_EQ(f->tensors().size(), 3u);
    const SafetensorsTensor* b = f->find("b.weight");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->dtype, SafetensorsDtype::BF16);
    EXPECT_EQ(b->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(b->nbytes(), 12u);
    EXPECT_EQ(b->shape_string(), "[2, 3]");
    EXPECT_EQ(std::memcmp(b->data, ts[0].bytes.data(), 12), 0);
    const SafetensorsTensor* a = f->find("a.bias");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(std::memcmp(a->data, ts[1].bytes.data(), 8), 0);
    EXPECT_EQ(f->find("empty")->n_elements(), 0);
    EXPECT_EQ(f->metadata().at("format"), "pt");
    EXPECT_EQ(f->find("nope"), nullptr);
}

TEST(ConvertSafetensors, RefusesHeadersThatLie) {
    struct Case {
        std::string header;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
         "tensor 'b': data [8, 24) overlaps tensor 'a' [0, 16)"},
        {R"({"a":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}})", "tensor 'a': unknown dtype 'Q4'"},
        {R"({"a":{"dtype":"F32","shape":[32],"data_offsets":[0,128]}})", "tensor 'a': data [0, 128) runs past the end of the data (64 bytes)"},
        {R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,8]}})", "end before they begin"},
        {R"({"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}})", "needs 20 bytes but data_offsets span 16"},
        {R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", "a shape dimension must be a non-negative integer"},
        {R"({"a":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}})", "a shape dimension must be a non-negative integer"},
        {R"({"a":{"dtype":"F32","shape":[4]}})", "'data_offsets' must be [begin, end]"},
        {R"({"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,16]}})", "is too large"},
        {R"({"a":{"shape":[4],"data_offsets":[0,16]}})", "'dtype' is missing"},
        {R"({"a":[1,2]})", "entry is not a JSON object"},
        {R"({"__metadata__":"x"})", "__metadata__ is not an object"},
        {R"([1,2,3])", "header is not a JSON object"},
        {R"({"a":)", "header is not valid JSON"},
        // Names from the file reach the message with control bytes escaped.
        {R"({"bad\nname":{"dtype":"Q\u0007","shape":[4],"data_offsets":[0,16]}})", "tensor 'bad\\x0aname': unknown dtype 'Q\\x07'"},
    };
    for (const auto& c : cases) {
        const std::string e = error_of(c.header);
        EXPECT_NE(e.find(c.expect), std::string::npos) << "header " << c.header << "\n  got: " << e;
    }
}

TEST(ConvertSafetensors, RefusesTruncatedFiles) {
    std::vector<uint8_t> bytes = test::safetensors_file_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                                                              std::vector<uint8_t>(16));
    EXPECT_NO_THROW(parse(bytes));
    bytes.resize(30);  // cut inside the header
    try {
        parse(bytes);
        ADD_FAILURE() << "a header running past the end was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("runs past the end of the file (30 bytes)"), std::string::npos) << e.what();
    }
    bytes.resize(5);
    EXPECT_THROW(parse(bytes), Error);
}

}  // namespace
}  // namespace edgeseek
