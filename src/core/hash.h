// FNV-1a, 64-bit: a small, stable (file-format) hash of bytes. Chain calls by passing the
// previous result as h. Not for adversarial input.
#pragma once
#include <cstddef>
#include <cstdint>

namespace edgeseek {

inline uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 14695981039346656037ull) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace edgeseek
