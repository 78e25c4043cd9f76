// Runtime choice of the dot-product kernel per weight type: the SIMD variant for the active
// ISA when one exists, else the scalar reference from the type traits table.
#pragma once
#include "kernels/cpu_features.h"
#include "quant/types.h"

namespace edgeseek {

// The kernel matmul uses for weight type t on `isa` (nullptr when t cannot be computed).
VecDotFn vec_dot_kernel(GgmlType t, Isa isa = active_isa());

// Four consecutive weight rows (row_stride bytes apart) dotted with one activation row at once:
// out[0..3]. Decode uses it where it exists; equal to four vec_dot calls up to float rounding.
// The kernel asks for the four rows' bytes l1_ahead bytes further on into L1 (0: not at all) and
// l2_ahead into L2 (0: not at all), a few lines per step as it goes: the rows that follow in
// memory, so the stream runs ahead of the products without bursts of requests.
using VecDot4Fn = void (*)(int64_t n, const void* rows, size_t row_stride, const void* act, float* out, size_t l1_ahead,
                           size_t l2_ahead);
VecDot4Fn vec_dot4_kernel(GgmlType t, Isa isa = active_isa());
VecDot4Fn vec_dot4_avx512(GgmlType t);

// ISA-specific tables (nullptr: no specialisation for that type). Each lives in its own
// translation unit compiled with that ISA's flags; only called when the CPU has the ISA.
VecDotFn vec_dot_avx2(GgmlType t);
VecDotFn vec_dot_avx512(GgmlType t);
// The k-quant, IQ4 and other 32-value-block kernels (vec_dot_kquants_avx2/avx512.cpp), called
// by the two tables above.
VecDotFn vec_dot_kquants_avx2(GgmlType t);
VecDotFn vec_dot_kquants_avx512(GgmlType t);

// The quantizer matmul converts activations with for partner type t (Q8_0, Q8_1, Q8_K): a SIMD
// version byte-identical to the type's from_float when `isa` has one, else from_float itself.
FromFloatFn quantize_act_kernel(GgmlType t, Isa isa = active_isa());
FromFloatFn quantize_act_avx2(GgmlType t);    // quantize_act_avx2.cpp
FromFloatFn quantize_act_avx512(GgmlType t);  // quantize_act_avx512.cpp

}  // namespace edgeseek
