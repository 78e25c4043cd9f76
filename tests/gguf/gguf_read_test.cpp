// Reading what GgufWriter wrote: v2 and v3, every metadata value type, nested arrays, other
// alignments, tensor bytes, mmap and read-into-memory.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "crafted_gguf.h"
#include "test_support.h"

namespace edgeseek::test {
namespace {

std::unique_ptr<GgufFile> parse_bytes(const Bytes& b) {
    return GgufFile::parse(MappedFile::from_memory(b.data(), b.size()));
}

GgufValue scalar(GgufType t, uint64_t u, int64_t i, double f) {
    GgufValue v;
    v.type = t;
    v.u = u;
    v.i = i;
    v.f = f;
    return v;
}

template <typename T>
GgufValue packed(GgufType et, std::vector<T> xs) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    v.elem_type = et;
    v.count = xs.size();
    v.packed.resize(xs.size() * sizeof(T));
    if (!xs.empty()) std::memcpy(v.packed.data(), xs.data(), v.packed.size());
    return v;
}

GgufValue array_of(GgufType et, std::vector<GgufValue> xs) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    v.elem_type = et;
    v.count = xs.size();
    v.arrays = std::move(xs);
    return v;
}

GgufValue strings(std::vector<std::string> xs) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    v.elem_type = GgufType::STRING;
    v.count = xs.size();
    v.strings = std::move(xs);
    return v;
}

GgufWriter every_value_type() {
    GgufWriter w;
    w.set("t.u8", scalar(GgufType::U8, 255, 0, 0));
    w.set("t.i8", scalar(GgufType::I8, 0, -128, 0));
    w.set("t.u16", scalar(GgufType::U16, 65535, 0, 0));
    w.set("t.i16", scalar(GgufType::I16, 0, -32768, 0));
    w.set("t.u32", scalar(GgufType::U32, 4294967295u, 0, 0));
    w.set("t.i32", scalar(GgufType::I32, 0, -2147483647 - 1, 0));
    w.set("t.f32", scalar(GgufType::F32, 0, 0, 0.25));
    w.set("t.bool", scalar(GgufType::BOOL, 1, 0, 0));
    w.set_string("t.string", "héllo\nwörld");
    w.set("t.u64", scalar(GgufType::U64, ~uint64_t{0}, 0, 0));
    w.set("t.i64", scalar(GgufType::I64, 0, std::numeric_limits<int64_t>::min(), 0));
    w.set("t.f64", scalar(GgufType::F64, 0, 0, 1e-300));
    w.set("a.u8", packed<uint8_t>(GgufType::U8, {0, 255}));
    w.set("a.i8", packed<int8_t>(GgufType::I8, {-1, 1}));
    w.set("a.u16", packed<uint16_t>(GgufType::U16, {65535}));
    w.set("a.i16", packed<int16_t>(GgufType::I16, {-300, 300}));
    w.set("a.u32", packed<uint32_t>(GgufType::U32, {4000000000u}));
    w.set("a.i32", packed<int32_t>(GgufType::I32, {-5, 6, 7}));
    w.set("a.f32", packed<float>(GgufType::F32, {1.5f, -2.5f}));
    w.set("a.bool", packed<uint8_t>(GgufType::BOOL, {1, 0, 1}));
    w.set("a.u64", packed<uint64_t>(GgufType::U64, {uint64_t{1} << 40}));
    w.set("a.i64", packed<int64_t>(GgufType::I64, {-(int64_t{1} << 40)}));
    w.set("a.f64", packed<double>(GgufType::F64, {3.125}));
    w.set("a.string", strings({"", "a", std::string("nul\0byte", 8)}));
    w.set("a.empty", packed<int32_t>(GgufType::I32, {}));
    // [[1, 2], [], [3]] and [[["x"], []], [["y", "z"]]]
    w.set("a.nested", array_of(GgufType::ARRAY, {packed<int32_t>(GgufType::I32, {1, 2}),
                                                 packed<int32_t>(GgufType::I32, {}),
                                                 packed<int32_t>(GgufType::I32, {3})}));
    w.set("a.nested3", array_of(GgufType::ARRAY, {array_of(GgufType::ARRAY, {strings({"x"}), strings({})}),
                                                  array_of(GgufType::ARRAY, {strings({"y", "z"})})}));
    return w;
}

void expect_every_value_type(const GgufFile& g) {
    EXPECT_EQ(g.keys().size(), 27u);
    EXPECT_EQ(g.keys().front(), "t.u8");  // file order is kept
    EXPECT_EQ(g.keys().back(), "a.nested3");
    EXPECT_EQ(*g.get_uint("t.u8"), 255u);
    EXPECT_EQ(*g.get_int("t.i8"), -128);
    EXPECT_EQ(*g.get_uint("t.u16"), 65535u);
    EXPECT_EQ(*g.get_int("t.i16"), -32768);
    EXPECT_EQ(*g.get_uint("t.u32"), 4294967295u);
    EXPECT_EQ(*g.get_int("t.i32"), -2147483647 - 1);
    EXPECT_EQ(*g.get_float("t.f32"), 0.25);
    EXPECT_EQ(*g.get_bool("t.bool"), true);
    EXPECT_EQ(*g.get_string("t.string"), "héllo\nwörld");
    EXPECT_EQ(*g.get_uint("t.u64"), ~uint64_t{0});
    EXPECT_EQ(*g.get_int("t.i64"), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(*g.get_float("t.f64"), 1e-300);

    EXPECT_EQ(g.require_array("a.u8", GgufType::U8).integer_at(1), 255);
    EXPECT_EQ(g.require_array("a.i8", GgufType::I8).integer_at(0), -1);
    EXPECT_EQ(g.require_array("a.u16", GgufType::U16).integer_at(0), 65535);
    EXPECT_EQ(g.require_array("a.i16", GgufType::I16).integer_at(0), -300);
    EXPECT_EQ(g.require_array("a.u32", GgufType::U32).integer_at(0), 4000000000);
    const GgufValue& i32 = g.require_array("a.i32", GgufType::I32);
    ASSERT_EQ(i32.count, 3u);
    EXPECT_EQ(i32.integer_at(0), -5);
    EXPECT_EQ(i32.integer_at(2), 7);
    EXPECT_EQ(g.require_array("a.f32", GgufType::F32).number_at(1), -2.5);
    EXPECT_EQ(g.require_array("a.bool", GgufType::BOOL).integer_at(2), 1);
    EXPECT_EQ(g.require_array("a.u64", GgufType::U64).integer_at(0), int64_t{1} << 40);
    EXPECT_EQ(g.require_array("a.i64", GgufType::I64).integer_at(0), -(int64_t{1} << 40));
    EXPECT_EQ(g.require_array("a.f64", GgufType::F64).number_at(0), 3.125);
    const GgufValue& s = g.require_array("a.string", GgufType::STRING);
    EXPECT_EQ(s.strings, (std::vector<std::string>{"", "a", std::string("nul\0byte", 8)}));
    EXPECT_EQ(g.require_array("a.empty", GgufType::I32).count, 0u);

    const GgufValue& nested = g.require_array("a.nested", GgufType::ARRAY);
    ASSERT_EQ(nested.arrays.size(), 3u);
    EXPECT_EQ(nested.arrays[0].elem_type, GgufType::I32);
    EXPECT_EQ(nested.arrays[0].integer_at(1), 2);
    EXPECT_EQ(nested.arrays[1].count, 0u);
    EXPECT_EQ(nested.arrays[2].integer_at(0), 3);
    const GgufValue& n3 = g.require_array("a.nested3", GgufType::ARRAY);
    ASSERT_EQ(n3.arrays.size(), 2u);
    ASSERT_EQ(n3.arrays[0].arrays.size(), 2u);
    EXPECT_EQ(n3.arrays[0].arrays[0].strings, std::vector<std::string>{"x"});
    EXPECT_EQ(n3.arrays[1].arrays[0].strings, (std::vector<std::string>{"y", "z"}));
    EXPECT_EQ(n3.to_display(), "[array x 2] [...], [...]");
}

TEST(GgufRead, EveryMetadataValueTypeV3) {
    const Bytes b = every_value_type().to_bytes();
    auto g = parse_bytes(b);
    EXPECT_EQ(g->version(), 3u);
    expect_every_value_type(*g);
}

TEST(GgufRead, VersionTwoReadsTheSame) {
    Bytes b = every_value_type().to_bytes();
    poke<uint32_t>(b, 4, 2);
    auto g = parse_bytes(b);
    EXPECT_EQ(g->version(), 2u);
    expect_every_value_type(*g);
}

TEST(GgufRead, TypedGettersNameKeyOnMismatch) {
    const Bytes b = every_value_type().to_bytes();
    auto g = parse_bytes(b);
    try {
        g->get_uint("t.string");
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "key 't.string' at byte"));
        EXPECT_TRUE(contains(e.what(), "expected an unsigned integer, found string"));
    }
    EXPECT_THROW(g->get_uint("t.i8"), Error);     // negative
    EXPECT_THROW(g->get_int("t.u64"), Error);     // > INT64_MAX
    EXPECT_THROW(g->require_string("no.such.key"), Error);
    EXPECT_THROW(g->require_array("a.i32", GgufType::F32), Error);
    EXPECT_FALSE(g->get_uint("no.such.key").has_value());
    EXPECT_EQ(*g->get_float("t.u64"), 18446744073709551615.0);
    EXPECT_THROW(g->require_array("a.i32", GgufType::I32).integer_at(3), std::out_of_range);
}

TEST(GgufRead, NonDefaultAlignments) {
    const std::vector<float> a(8, 1.0f), c(24, 3.0f);
    for (uint32_t align : {1u, 8u, 64u, 4096u}) {
        SCOPED_TRACE("alignment " + std::to_string(align));
        GgufWriter w;
        w.set_alignment(align);
        w.set_string("general.name", "x");  // header length not a multiple of anything
        w.add_tensor("a", {8}, GgmlType::F32, a.data());
        w.add_tensor("c", {24}, GgmlType::F32, c.data());
        const Bytes b = w.to_bytes();
        auto g = parse_bytes(b);
        EXPECT_EQ(g->alignment(), align);
        EXPECT_EQ(g->data_offset() % align, 0u);
        EXPECT_EQ(g->find_tensor("c")->offset % align, 0u);
        EXPECT_EQ(std::memcmp(g->find_tensor("a")->data, a.data(), 32), 0);
        EXPECT_EQ(std::memcmp(g->find_tensor("c")->data, c.data(), 96), 0);
        if (align != 32) {
            EXPECT_EQ(*g->get_uint("general.alignment"), align);
        }
    }
}

TEST(GgufRead, AlignmentKeySetDirectlyIsHonoured) {
    const std::vector<float> a(8, 1.0f);
    GgufWriter w;
    w.set_u32("general.alignment", 128);
    w.add_tensor("a", {8}, GgmlType::F32, a.data());
    w.add_tensor("b", {8}, GgmlType::F32, a.data());
    const Bytes b = w.to_bytes();
    auto g = parse_bytes(b);
    EXPECT_EQ(g->alignment(), 128u);
    EXPECT_EQ(g->find_tensor("b")->offset, 128u);
    EXPECT_EQ(std::memcmp(g->find_tensor("b")->data, a.data(), 32), 0);
}

TEST(GgufRead, TensorRoundTripOfSeveralTypes) {
    std::vector<float> f32(4 * 64);
    for (size_t k = 0; k < f32.size(); ++k) f32[k] = std::sin(static_cast<float>(k));
    std::vector<uint8_t> f16(2 * 64), q8(34 * 2 * 3), q4k(144 * 2);
    for (size_t k = 0; k < f16.size(); ++k) f16[k] = static_cast<uint8_t>(k * 7);
    for (size_t k = 0; k < q8.size(); ++k) q8[k] = static_cast<uint8_t>(k * 13 + 1);
    for (size_t k = 0; k < q4k.size(); ++k) q4k[k] = static_cast<uint8_t>(k * 31 + 5);
    GgufWriter w;
    w.add_tensor("f32", {64, 4}, GgmlType::F32, f32.data());
    w.add_tensor("f16", {64}, GgmlType::F16, f16.data());
    w.add_tensor("q8_0", {64, 3}, GgmlType::Q8_0, q8.data());
    w.add_tensor("q4_k", {256, 1, 2}, GgmlType::Q4_K, q4k.data());
    const Bytes b = w.to_bytes();
    auto g = parse_bytes(b);
    ASSERT_EQ(g->tensors().size(), 4u);
    EXPECT_EQ(g->tensors()[0].name, "f32");  // file order
    struct Want {
        const char* name;
        GgmlType type;
        const void* bytes;
        uint64_t nbytes;
        const char* shape;
    } wants[] = {{"f32", GgmlType::F32, f32.data(), 1024, "[64, 4]"},
                 {"f16", GgmlType::F16, f16.data(), 128, "[64]"},
                 {"q8_0", GgmlType::Q8_0, q8.data(), 204, "[64, 3]"},
                 {"q4_k", GgmlType::Q4_K, q4k.data(), 288, "[256, 1, 2]"}};
    for (const Want& want : wants) {
        SCOPED_TRACE(want.name);
        const TensorInfo* t = g->find_tensor(want.name);
        ASSERT_NE(t, nullptr);
        EXPECT_EQ(t->type, want.type);
        EXPECT_EQ(t->nbytes, want.nbytes);
        EXPECT_EQ(t->shape_string(), want.shape);
        EXPECT_EQ(std::memcmp(t->data, want.bytes, want.nbytes), 0);
    }
    EXPECT_EQ(g->find_tensor("q4_k")->n_rows(), 2);
    EXPECT_EQ(g->find_tensor("nope"), nullptr);
}

TEST(GgufRead, WriteThenOpenWithAndWithoutMmap) {
    TempDir dir;
    const std::string path = dir.file("model.gguf");
    std::vector<float> x(64);
    for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(k) - 3.5f;
    GgufWriter w = every_value_type();
    w.add_tensor("x", {32, 2}, GgmlType::F32, x.data());
    w.write(path);
    EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
    EXPECT_EQ(std::filesystem::file_size(path), w.to_bytes().size());
    auto mapped = GgufFile::open(path, true);
    auto read = GgufFile::open(path, false);
    EXPECT_TRUE(mapped->is_mapped());
    EXPECT_FALSE(read->is_mapped());
    expect_every_value_type(*mapped);
    expect_every_value_type(*read);
    ASSERT_EQ(mapped->file_size(), read->file_size());
    EXPECT_EQ(std::memcmp(mapped->find_tensor("x")->data, x.data(), 256), 0);
    EXPECT_EQ(std::memcmp(read->find_tensor("x")->data, x.data(), 256), 0);
}

TEST(GgufRead, WriterRefusesFilesTheReaderWouldReject) {
    float zero[32] = {};
    GgufWriter w;
    w.add_tensor("a", {32}, GgmlType::F32, zero);
    EXPECT_THROW(w.add_tensor("a", {32}, GgmlType::F32, zero), Error);            // duplicate name
    EXPECT_THROW(w.add_tensor("q", {33}, GgmlType::Q8_0, zero), Error);           // not whole blocks
    EXPECT_THROW(w.add_tensor("z", {0}, GgmlType::F32, zero), Error);             // empty
    EXPECT_THROW(w.add_tensor("t", {32}, static_cast<GgmlType>(77), zero), Error);  // unknown type
    GgufValue bad = strings({"a", "b"});
    bad.count = 3;
    w.set("bad.count", bad);
    EXPECT_THROW(w.to_bytes(), Error);
    TempDir dir;
    EXPECT_THROW(w.write(dir.file("bad.gguf")), Error);
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // nothing left behind
    GgufWriter odd;
    odd.set_alignment(48);
    EXPECT_THROW(odd.to_bytes(), Error);
}

TEST(GgufRead, VocabOnlyFileHasNoTensors) {
    GgufWriter w;
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string_array("tokenizer.ggml.tokens", {"a", "b", "c"});
    const Bytes b = w.to_bytes();
    auto g = parse_bytes(b);
    EXPECT_TRUE(g->tensors().empty());
    EXPECT_EQ(g->require_array("tokenizer.ggml.tokens", GgufType::STRING).count, 3u);
    // The file may end right after the metadata, without padding to the alignment.
    GgufWriter tiny;
    tiny.set_u32("x", 1);
    Bytes t = tiny.to_bytes();
    t.resize(24 + 8 + 1 + 4 + 4);
    EXPECT_EQ(parse_error(t), "");
}

}  // namespace
}  // namespace edgeseek::test
