// The k-quants' rows of the type table: 256-value super-blocks with 6- or 8-bit sub-block scales,
// dotted against Q8_K activations. Reading side in k_quants_dequant.cpp, quantizers in
// k_quants_quantize.cpp, their scale searches in k_quants_search.cpp.
#include "quant/k_quants.h"
#include "quant/traits_decl.h"

namespace edgeseek {

const TypeTraits kTraitsQ2_K = {"q2_K", kQK_K, sizeof(BlockQ2_K), true, kquant::q2_k_to_float,
                                kquant::q2_k_from_float, GgmlType::Q8_K, kquant::q2_k_vec_dot};
const TypeTraits kTraitsQ3_K = {"q3_K", kQK_K, sizeof(BlockQ3_K), true, kquant::q3_k_to_float,
                                kquant::q3_k_from_float, GgmlType::Q8_K, kquant::q3_k_vec_dot};
const TypeTraits kTraitsQ4_K = {"q4_K", kQK_K, sizeof(BlockQ4_K), true, kquant::q4_k_to_float,
                                kquant::q4_k_from_float, GgmlType::Q8_K, kquant::q4_k_vec_dot};
const TypeTraits kTraitsQ5_K = {"q5_K", kQK_K, sizeof(BlockQ5_K), true, kquant::q5_k_to_float,
                                kquant::q5_k_from_float, GgmlType::Q8_K, kquant::q5_k_vec_dot};
const TypeTraits kTraitsQ6_K = {"q6_K", kQK_K, sizeof(BlockQ6_K), true, kquant::q6_k_to_float,
                                kquant::q6_k_from_float, GgmlType::Q8_K, kquant::q6_k_vec_dot};
// Like ggml, Q8_K is an activation format only: no vec_dot, never accepted as a weight type.
const TypeTraits kTraitsQ8_K = {"q8_K", kQK_K, sizeof(BlockQ8_K), true, kquant::q8_k_to_float,
                                kquant::q8_k_from_float, GgmlType::Q8_K, nullptr};

}  // namespace edgeseek
