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
// The Q4_K / Q5_K four-row kernels (rows4_kquants_avx512*.cpp), built without and with GFNI;
// vec_dot4_avx512 takes the GFNI one where the packed tiles do (packed_gfni_enabled()).
VecDot4Fn vec_dot4_kquants_avx512(GgmlType t);
VecDot4Fn vec_dot4_kquants_avx512_gfni(GgmlType t);
// The AVX2 Q4_0 / Q8_0 / Q4_K / Q5_K four-row kernels (rows4_avx2*.cpp), built without and with AVX-VNNI;
// vec_dot4_kernel takes the AVX-VNNI one where the AVX2 tiles do (packed_avx_vnni_enabled()).
VecDot4Fn vec_dot4_avx2(GgmlType t);
VecDot4Fn vec_dot4_avx2_vnni(GgmlType t);
// One row's dot product that asks for the row's bytes l1_ahead / l2_ahead further on (0: not at
// all) as it goes, as VecDot4Fn does; results equal vec_dot_kernel's bit for bit. Decode's
// single-row path uses it where it exists (the K-quants Q4_K, Q5_K, Q6_K on AVX-512).
using VecDotAheadFn = float (*)(int64_t n, const void* row, const void* act, size_t l1_ahead, size_t l2_ahead);
VecDotAheadFn vec_dot_ahead_kernel(GgmlType t, Isa isa = active_isa());

// A kernel's requests for the bytes after the row(s) it reads (bytes long from at): each line
// l1 bytes further on into L1 (0: none) and l2 into L2 (0: none), a share before each of `steps`
// steps, so the stream runs ahead of the products without bursts that wait for the core's fill
// buffers (a burst before each call left the products waiting behind it).
class AheadOfRows {
public:
    AheadOfRows(const void* at, size_t bytes, int64_t steps, size_t l1, size_t l2)
        : at_(static_cast<const char*>(at)), lines_(static_cast<int64_t>((bytes + 63) / 64)),
          steps_(steps > 0 ? steps : 1), l1_(l1), l2_(l2) {}
    // Before each step, taken in order from the first: the lines up to its share, (k + 1) *
    // lines / steps before step k, counted without a division (the attention passes take a
    // step per position, a few instructions each): lines / steps a step, the remainder carried.
    void next_step() {
        if (l1_ == 0 && l2_ == 0) return;
        for (carry_ += lines_; carry_ >= steps_; carry_ -= steps_) ask(asked_ + 1);
    }
    // Whatever is left (the kernel's steps did not all run).
    void finish() { ask(lines_); }

private:
    void ask(int64_t upto) {
        if (l1_ == 0 && l2_ == 0) return;
        for (; asked_ < upto; ++asked_) {
            if (l1_ != 0) prefetch_l1(at_ + 64 * asked_ + l1_);
            if (l2_ != 0) prefetch_l2(at_ + 64 * asked_ + l2_);
        }
    }
    const char* at_;
    int64_t lines_, steps_, asked_ = 0, carry_ = 0;
    size_t l1_, l2_;
};

// ISA-specific tables (nullptr: no specialisation for that type). Each lives in its own
// translation unit compiled with that ISA's flags; only called when the CPU has the ISA.
VecDotFn vec_dot_avx2(GgmlType t);
VecDotFn vec_dot_avx512(GgmlType t);
// The k-quant, IQ4 and other 32-value-block kernels (vec_dot_kquants_avx2/avx512.cpp), called
// by the two tables above.
VecDotFn vec_dot_kquants_avx2(GgmlType t);
VecDotFn vec_dot_kquants_avx512(GgmlType t);
VecDotAheadFn vec_dot_ahead_kquants_avx512(GgmlType t);

// The quantizer matmul converts activations with for partner type t (Q8_0, Q8_1, Q8_K): a SIMD
// version byte-identical to the type's from_float when `isa` has one, else from_float itself.
FromFloatFn quantize_act_kernel(GgmlType t, Isa isa = active_isa());
FromFloatFn quantize_act_avx2(GgmlType t);    // quantize_act_avx2.cpp
FromFloatFn quantize_act_avx512(GgmlType t);  // quantize_act_avx512.cpp

}  // namespace edgeseek
