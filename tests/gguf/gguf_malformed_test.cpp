// Damaged GGUF files: every error says what is wrong, where (byte offset, key or tensor name)
// and what to do. Each test corrupts a file made by GgufWriter at a known field.
#include <gtest/gtest.h>

#include "crafted_gguf.h"
#include "test_support.h"

namespace edgeseek::test {
namespace {

std::string at_byte(size_t at) { return "at byte " + std::to_string(at) + ":"; }

TEST(GgufMalformed, EveryTruncationIsReported) {
    const Bytes full = small_model_bytes();
    ASSERT_EQ(parse_error(full), "");
    const uint64_t data_offset = GgufFile::parse(MappedFile::from_memory(full.data(), full.size()))->data_offset();
    for (size_t n = 1; n < full.size(); ++n) {
        SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
        const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        const std::string msg = parse_error(cut);
        ASSERT_TRUE(contains(msg, "truncated"));
        if (n >= data_offset + 128) {
            EXPECT_TRUE(contains(msg, "tensor 'blk.1.w'"));  // blk.0.w (128 bytes) is complete
            EXPECT_TRUE(contains(msg, "past the end of the file"));
        } else if (n >= data_offset) {
            EXPECT_TRUE(contains(msg, "tensor 'blk.0.w'"));
        }
    }
}

TEST(GgufMalformed, TruncatedHeaderNamesOffsetAndField) {
    const Bytes full = small_model_bytes();
    const std::string msg = parse_error(Bytes(full.begin(), full.begin() + 20));  // inside the key/value count
    EXPECT_TRUE(contains(msg, at_byte(16)));
    EXPECT_TRUE(contains(msg, "metadata key/value count"));
    EXPECT_TRUE(contains(msg, "needs 8 bytes, only 4 left"));
    EXPECT_TRUE(contains(msg, "fetch the file again"));
}

TEST(GgufMalformed, TruncatedFileOnDisk) {
    const Bytes full = small_model_bytes();
    TempDir dir;
    const std::string path = dir.file("cut.gguf");
    write_file(path, Bytes(full.begin(), full.end() - 1));
    for (bool use_mmap : {true, false}) {
        try {
            GgufFile::open(path, use_mmap);
            ADD_FAILURE() << "a truncated file parsed";
        } catch (const Error& e) {
            EXPECT_TRUE(contains(e.what(), path));
            EXPECT_TRUE(contains(e.what(), "tensor 'blk.1.w'"));
            EXPECT_TRUE(contains(e.what(), "truncated"));
        }
    }
}

TEST(GgufMalformed, VersionOneNewerAndBigEndian) {
    Bytes b = small_model_bytes();
    poke<uint32_t>(b, 4, 1);
    EXPECT_TRUE(contains(parse_error(b), "GGUF version 1"));
    poke<uint32_t>(b, 4, 99);
    EXPECT_TRUE(contains(parse_error(b), "unsupported GGUF version 99"));
    poke<uint32_t>(b, 4, 0x03000000);
    EXPECT_TRUE(contains(parse_error(b), "big-endian"));
}

TEST(GgufMalformed, TensorCountBeyondFileSize) {
    Bytes b = small_model_bytes();
    poke<uint64_t>(b, 8, uint64_t{1} << 40);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor count 1099511627776 cannot fit"));
    EXPECT_TRUE(contains(msg, at_byte(8)));
}

TEST(GgufMalformed, MetadataCountBeyondFileSize) {
    Bytes b = small_model_bytes();
    poke<uint64_t>(b, 16, ~uint64_t{0});
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "metadata key/value count 18446744073709551615 cannot fit"));
    EXPECT_TRUE(contains(msg, at_byte(16)));
}

TEST(GgufMalformed, KeyLengthBeyondFileSize) {
    Bytes b = small_model_bytes();
    const size_t len_at = find_bytes(b, "test.ka") - 8;
    poke<uint64_t>(b, len_at, uint64_t{1} << 40);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "metadata key has length 1099511627776, beyond the end of the file"));
    EXPECT_TRUE(contains(msg, "metadata entry #1 " + at_byte(len_at)));
}

TEST(GgufMalformed, StringValueLengthBeyondFileSize) {
    Bytes b = small_model_bytes();
    const size_t len_at = find_bytes(b, "llama") - 8;
    poke<uint64_t>(b, len_at, b.size());
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'general.architecture' " + at_byte(len_at)));
    EXPECT_TRUE(contains(msg, "string value has length"));
}

TEST(GgufMalformed, ArrayCountBeyondFileSize) {
    GgufWriter w;
    w.set_i32_array("test.arr", {1, 2, 3});
    w.set_string_array("test.strs", {"a", "b"});
    for (const char* key : {"test.arr", "test.strs"}) {
        SCOPED_TRACE(key);
        Bytes b = w.to_bytes();
        const size_t count_at = find_bytes(b, key) + std::strlen(key) + 4 + 4;  // key, value type, element type
        poke<uint64_t>(b, count_at, uint64_t{1} << 61);
        const std::string msg = parse_error(b);
        EXPECT_TRUE(contains(msg, std::string("key '") + key + "' " + at_byte(count_at)));
        EXPECT_TRUE(contains(msg, "array of 2305843009213693952"));
        EXPECT_TRUE(contains(msg, "cannot fit"));
    }
}

TEST(GgufMalformed, StringInsideArrayBeyondFileSize) {
    GgufWriter w;
    w.set_string_array("tokenizer.ggml.tokens", {"hello", "world"});
    Bytes b = w.to_bytes();
    const size_t len_at = find_bytes(b, "world") - 8;
    poke<uint64_t>(b, len_at, 1000);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'tokenizer.ggml.tokens' " + at_byte(len_at)));
    EXPECT_TRUE(contains(msg, "array element string has length 1000"));
}

TEST(GgufMalformed, TensorDataPastEndOfFile) {
    Bytes b = small_model_bytes();
    poke<uint64_t>(b, tensor_info_layout(b, "blk.1.w").offset_at, uint64_t{1} << 20);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor 'blk.1.w'"));
    EXPECT_TRUE(contains(msg, "runs past the end of the file"));
    EXPECT_TRUE(contains(msg, "at offset 1048576"));
}

TEST(GgufMalformed, TensorDataOffsetNearUint64Max) {
    Bytes b = small_model_bytes();
    poke<uint64_t>(b, tensor_info_layout(b, "blk.1.w").offset_at, ~uint64_t{31});  // aligned, would wrap
    EXPECT_TRUE(contains(parse_error(b), "tensor 'blk.1.w'"));
}

TEST(GgufMalformed, OverlappingTensorData) {
    Bytes b = small_model_bytes();
    poke<uint64_t>(b, tensor_info_layout(b, "blk.1.w").offset_at, 96);  // inside blk.0.w's [0, 128)
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor 'blk.0.w'"));
    EXPECT_TRUE(contains(msg, "overlaps the data of tensor 'blk.1.w'"));
    EXPECT_TRUE(contains(msg, "re-convert"));
}

TEST(GgufMalformed, MisalignedTensorData) {
    Bytes b = small_model_bytes();
    const auto l = tensor_info_layout(b, "blk.1.w");
    poke<uint64_t>(b, l.offset_at, 132);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor 'blk.1.w' " + at_byte(l.offset_at)));
    EXPECT_TRUE(contains(msg, "misaligned"));
    EXPECT_TRUE(contains(msg, "alignment 32"));
}

TEST(GgufMalformed, UnknownTensorTypeId) {
    Bytes b = small_model_bytes();
    const auto l = tensor_info_layout(b, "blk.0.w");
    poke<uint32_t>(b, l.type_at, 77);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor 'blk.0.w' " + at_byte(l.type_at)));
    EXPECT_TRUE(contains(msg, "unknown tensor type id 77"));
    EXPECT_TRUE(contains(msg, "re-quantize"));
}

TEST(GgufMalformed, RetiredTensorTypeIsNamed) {
    Bytes b = small_model_bytes();
    poke<uint32_t>(b, tensor_info_layout(b, "blk.0.w").type_at, 31);
    EXPECT_TRUE(contains(parse_error(b), "unknown tensor type id 31 = q4_0_4_4"));
}

TEST(GgufMalformed, DuplicateKey) {
    Bytes b = small_model_bytes();
    const size_t first = find_bytes(b, "test.ka") - 8;
    const size_t second = find_bytes(b, "test.kb") - 8;
    b[second + 8 + 6] = 'a';  // "test.kb" -> "test.ka"
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'test.ka' " + at_byte(second)));
    EXPECT_TRUE(contains(msg, "duplicate metadata key (first defined at byte " + std::to_string(first) + ")"));
}

TEST(GgufMalformed, DuplicateTensorName) {
    Bytes b = small_model_bytes();
    const auto first = tensor_info_layout(b, "blk.0.w");
    const auto second = tensor_info_layout(b, "blk.1.w");
    b[second.name_at + 4] = '0';
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor 'blk.0.w' " + at_byte(second.name_len_at)));
    EXPECT_TRUE(contains(msg, "duplicate tensor name (the first one's info is at byte " +
                                  std::to_string(first.name_len_at) + ")"));
}

TEST(GgufMalformed, UndefinedValueTypes) {
    Bytes b = small_model_bytes();
    const size_t type_at = find_bytes(b, "test.ka") + 7;
    poke<uint32_t>(b, type_at, 99);
    std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'test.ka' " + at_byte(type_at)));
    EXPECT_TRUE(contains(msg, "value type 99 is not a GGUF value type"));

    GgufWriter w;
    w.set_i32_array("test.arr", {1});
    b = w.to_bytes();
    const size_t elem_at = find_bytes(b, "test.arr") + 8 + 4;
    poke<uint32_t>(b, elem_at, 13);
    msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'test.arr' " + at_byte(elem_at)));
    EXPECT_TRUE(contains(msg, "array element type 13"));
}

TEST(GgufMalformed, BoolOtherThanZeroOrOne) {
    GgufWriter w;
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    Bytes b = w.to_bytes();
    const size_t at = find_bytes(b, "add_bos_token") + 13 + 4;
    ASSERT_EQ(b[at], 1);
    b[at] = 2;
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'tokenizer.ggml.add_bos_token' " + at_byte(at)));
    EXPECT_TRUE(contains(msg, "bool value 2"));
}

TEST(GgufMalformed, ArraysNestedTooDeep) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    v.elem_type = GgufType::I32;
    for (int depth = 0; depth < 10; ++depth) {
        GgufValue outer;
        outer.type = GgufType::ARRAY;
        outer.elem_type = GgufType::ARRAY;
        outer.count = 1;
        outer.arrays.push_back(std::move(v));
        v = std::move(outer);
    }
    GgufWriter w;
    w.set("test.deep", v);
    const std::string msg = parse_error(w.to_bytes());
    EXPECT_TRUE(contains(msg, "key 'test.deep'"));
    EXPECT_TRUE(contains(msg, "nested deeper than 8 levels"));
}

TEST(GgufMalformed, ImpossibleTensorShapes) {
    const Bytes good = small_model_bytes();
    const auto l = tensor_info_layout(good, "blk.1.w");
    struct Case {
        size_t at;
        uint64_t value;
        bool wide;
        const char* says;
    } cases[] = {
        {l.n_dims_at, 0, false, "has 0 dimensions"},
        {l.n_dims_at, 5, false, "has 5 dimensions"},
        {l.dims_at, 0, true, "dimension 0 is 0, an empty tensor"},
        {l.dims_at, uint64_t{1} << 45, true, "dimension 0 is 35184372088832"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.says);
        Bytes b = good;
        if (c.wide) poke<uint64_t>(b, c.at, c.value);
        else poke<uint32_t>(b, c.at, static_cast<uint32_t>(c.value));
        const std::string msg = parse_error(b);
        EXPECT_TRUE(contains(msg, "tensor 'blk.1.w' " + at_byte(c.at)));
        EXPECT_TRUE(contains(msg, c.says));
    }
}

TEST(GgufMalformed, RowLengthNotAMultipleOfTheBlock) {
    std::vector<uint8_t> q(34, 0);
    GgufWriter w;
    w.add_tensor("blk.0.attn_q.weight", {32}, GgmlType::Q8_0, q.data());
    Bytes b = w.to_bytes();
    poke<uint64_t>(b, tensor_info_layout(b, "blk.0.attn_q.weight").dims_at, 33);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "tensor 'blk.0.attn_q.weight'"));
    EXPECT_TRUE(contains(msg, "row length 33 is not a multiple of the q8_0 block size 32"));
}

TEST(GgufMalformed, BadAlignment) {
    GgufWriter w;
    w.set_alignment(64);
    Bytes good = w.to_bytes();
    const size_t key_at = find_bytes(good, "general.alignment") - 8;
    const size_t type_at = key_at + 8 + 17;
    Bytes b = good;
    poke<uint32_t>(b, type_at + 4, 3);
    std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'general.alignment' " + at_byte(key_at)));
    EXPECT_TRUE(contains(msg, "power of two"));
    EXPECT_TRUE(contains(msg, "u32 3"));
    b = good;
    poke<uint32_t>(b, type_at, static_cast<uint32_t>(GgufType::I32));
    EXPECT_TRUE(contains(parse_error(b), "got i32"));
}

TEST(GgufMalformed, NamesInMessagesAreEscapedAndCut) {
    const std::string long_name(1000, 'x');
    float zero[32] = {};
    GgufWriter w;
    w.add_tensor("bad\nname", {32}, GgmlType::F32, zero);
    w.add_tensor(long_name, {32}, GgmlType::F32, zero);
    Bytes b = w.to_bytes();
    poke<uint32_t>(b, tensor_info_layout(b, "bad\nname").type_at, 77);
    EXPECT_TRUE(contains(parse_error(b), "tensor 'bad\\x0aname'"));
    b = w.to_bytes();
    poke<uint32_t>(b, tensor_info_layout(b, long_name).type_at, 77);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "(cut, 1000 bytes)"));
    EXPECT_LT(msg.size(), 400u);
}

}  // namespace
}  // namespace edgeseek::test
