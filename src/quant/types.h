// The tensor types of GGUF (ids as ggml numbers them) and the one table that describes them.
// Adding a type = one file in src/quant/ that fills its TypeTraits, plus a line in types.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace edgeseek {

enum class GgmlType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
    IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35,
};

// Dequantize n values (n a multiple of block_size) from src into dst.
using ToFloatFn = void (*)(const void* src, float* dst, int64_t n);
// Quantize n floats (multiple of block_size) into blocks; reference (scalar) version.
using FromFloatFn = void (*)(const float* src, void* dst, int64_t n);
// Dot product of n values: one row of this type with one row of vec_dot_type.
using VecDotFn = float (*)(int64_t n, const void* row, const void* act);

struct TypeTraits {
    const char* name = nullptr;     // as ggml names it: "q4_0", "f16", ...
    int64_t block_size = 0;         // values per block
    size_t type_size = 0;           // bytes per block
    bool quantized = false;
    ToFloatFn to_float = nullptr;   // null when edgeseek cannot compute with the type yet
    FromFloatFn from_float = nullptr;
    GgmlType vec_dot_type = GgmlType::F32;  // activations are converted to this for vec_dot
    VecDotFn vec_dot = nullptr;
};

// Known ids (even those we cannot compute with) have a name; unknown ids return nullptr.
const TypeTraits* type_traits(GgmlType t);
const TypeTraits* type_traits_by_id(uint32_t id);
std::string type_name(GgmlType t);
std::optional<GgmlType> type_from_name(const std::string& name);
bool type_supported(GgmlType t);  // has to_float and vec_dot

// Bytes of one row of n values; n must be a multiple of the block size.
size_t row_size(GgmlType t, int64_t n);

// Throws Error naming `where` and the index of the first NaN or infinity in x[0..n). The
// quantizers (from_float) are pure functions and do not check; callers that take user data do.
void check_finite(const float* x, int64_t n, const std::string& where);

}  // namespace edgeseek
