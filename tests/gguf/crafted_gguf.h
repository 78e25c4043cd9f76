// Building blocks for the GGUF tests: a small valid file made by GgufWriter, byte surgery on
// it, and parsing that returns the error message instead of throwing.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace edgeseek::test {

using Bytes = std::vector<uint8_t>;

// Two keys and two f32 tensors ("blk.0.w" [8, 4] then "blk.1.w" [8]); values are k * 0.5.
inline Bytes small_model_bytes() {
    static const std::vector<float> w0 = [] {
        std::vector<float> v(32);
        for (size_t k = 0; k < v.size(); ++k) v[k] = 0.5f * static_cast<float>(k);
        return v;
    }();
    static const std::vector<float> w1(8, 2.0f);
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    w.set_u32("test.ka", 7);
    w.set_u32("test.kb", 8);
    w.add_tensor("blk.0.w", {8, 4}, GgmlType::F32, w0.data());
    w.add_tensor("blk.1.w", {8}, GgmlType::F32, w1.data());
    return w.to_bytes();
}

// Byte offset of the first occurrence of `needle` (fails the test when absent).
inline size_t find_bytes(const Bytes& b, const std::string& needle) {
    for (size_t k = 0; k + needle.size() <= b.size(); ++k) {
        if (std::memcmp(b.data() + k, needle.data(), needle.size()) == 0) return k;
    }
    ADD_FAILURE() << "'" << needle << "' not found in the crafted bytes";
    return 0;
}

template <typename T>
void poke(Bytes& b, size_t at, T v) {
    ASSERT_LE(at + sizeof(T), b.size());
    std::memcpy(b.data() + at, &v, sizeof(T));
}

template <typename T>
T peek(const Bytes& b, size_t at) {
    T v{};
    if (at + sizeof(T) <= b.size()) std::memcpy(&v, b.data() + at, sizeof(T));
    return v;
}

// Where the fields of a tensor info sit, given the tensor's (unique) name.
struct TensorInfoLayout {
    size_t name_len_at, name_at, n_dims_at, dims_at, type_at, offset_at;
};
inline TensorInfoLayout tensor_info_layout(const Bytes& b, const std::string& name) {
    TensorInfoLayout l{};
    l.name_at = find_bytes(b, name);
    l.name_len_at = l.name_at - 8;
    l.n_dims_at = l.name_at + name.size();
    l.dims_at = l.n_dims_at + 4;
    l.type_at = l.dims_at + 8 * peek<uint32_t>(b, l.n_dims_at);
    l.offset_at = l.type_at + 4;
    return l;
}

// Parses the bytes; returns the Error's message, or "" when the bytes parsed. Any other
// exception fails the test.
inline std::string parse_error(const Bytes& b) {
    try {
        GgufFile::parse(MappedFile::from_memory(b.data(), b.size()));
    } catch (const Error& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "parse threw a non-edgeseek exception: " << e.what();
        return "non-edgeseek exception";
    }
    return "";
}

// EXPECT_TRUE(contains(message, "truncated")) prints both strings when it fails.
inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected \"" << part << "\" in: \"" << text << "\"";
}

inline void write_file(const std::string& path, const Bytes& b) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace edgeseek::test
