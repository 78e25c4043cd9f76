// A hostile header must not cost much more memory than the file has bytes: the reader refuses
// floods of tiny entries before allocating for them, and still reads big honest arrays.
#include <gtest/gtest.h>

#include "crafted_gguf.h"

namespace edgeseek::test {
namespace {

template <typename T>
void put(Bytes& b, T v) {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    for (uint8_t c : raw) b.push_back(c);
}
void put_u32(Bytes& b, uint32_t v) { put(b, v); }
void put_u64(Bytes& b, uint64_t v) { put(b, v); }
void put_str(Bytes& b, const std::string& s) {
    put_u64(b, s.size());
    b.insert(b.end(), s.begin(), s.end());
}
Bytes header(uint64_t n_tensors, uint64_t n_kv) {
    Bytes b = {'G', 'G', 'U', 'F'};
    put_u32(b, 3);
    put_u64(b, n_tensors);
    put_u64(b, n_kv);
    return b;
}

TEST(GgufLimits, FloodOfTinyKeysIsRefused) {
    constexpr uint64_t kKeys = 200000;  // ~4 MB of 21-byte entries; ~80 MB as map nodes
    Bytes b = header(0, kKeys);
    char key[16];
    for (uint64_t k = 0; k < kKeys; ++k) {
        std::snprintf(key, sizeof key, "k%07llu", static_cast<unsigned long long>(k));
        put_str(b, key);
        put_u32(b, static_cast<uint32_t>(GgufType::U8));
        b.push_back(1);
    }
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "MiB of memory"));
    EXPECT_TRUE(contains(msg, "corrupt"));
}

TEST(GgufLimits, FloodOfNestedEmptyArraysIsRefused) {
    constexpr uint64_t kInner = 1 << 20;  // 12 MB of 12-byte empty arrays; ~160 MB as values
    Bytes b = header(0, 1);
    put_str(b, "test.nested");
    put_u32(b, static_cast<uint32_t>(GgufType::ARRAY));
    put_u32(b, static_cast<uint32_t>(GgufType::ARRAY));
    put_u64(b, kInner);
    for (uint64_t k = 0; k < kInner; ++k) {
        put_u32(b, static_cast<uint32_t>(GgufType::U8));
        put_u64(b, 0);
    }
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "key 'test.nested'"));
    EXPECT_TRUE(contains(msg, "MiB of memory"));
}

TEST(GgufLimits, BigHonestStringArrayParses) {
    constexpr uint64_t kStrings = 1 << 20;  // empty strings: 8 file bytes, 32 bytes in memory each
    Bytes b = header(0, 1);
    put_str(b, "tokenizer.ggml.tokens");
    put_u32(b, static_cast<uint32_t>(GgufType::ARRAY));
    put_u32(b, static_cast<uint32_t>(GgufType::STRING));
    put_u64(b, kStrings);
    for (uint64_t k = 0; k < kStrings; ++k) put_u64(b, 0);
    ASSERT_EQ(parse_error(b), "");
    auto g = GgufFile::parse(MappedFile::from_memory(b.data(), b.size()));
    EXPECT_EQ(g->require_array("tokenizer.ggml.tokens", GgufType::STRING).strings.size(), kStrings);
}

TEST(GgufLimits, HugeDeclaredCountsCostNothing) {
    // Counts near 2^64 in a 40-byte file must be refused from the counts alone.
    for (uint64_t count : {~uint64_t{0}, uint64_t{1} << 62, uint64_t{1} << 33}) {
        Bytes b = header(count, 0);
        b.resize(64, 0);
        EXPECT_TRUE(contains(parse_error(b), "tensor count")) << count;
        b = header(0, count);
        b.resize(64, 0);
        EXPECT_TRUE(contains(parse_error(b), "metadata key/value count")) << count;
    }
}

}  // namespace
}  // namespace edgeseek::test
