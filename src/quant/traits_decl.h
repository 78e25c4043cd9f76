// Each type family's file defines its traits; types.cpp assembles the table from these.
#pragma once
#include "quant/types.h"

namespace edgeseek {
extern const TypeTraits kTraitsF32;
extern const TypeTraits kTraitsF16;
extern const TypeTraits kTraitsBF16;
extern const TypeTraits kTraitsQ8_0;
extern const TypeTraits kTraitsQ4_0;
extern const TypeTraits kTraitsQ4_1;   // q4_1_q5.cpp
extern const TypeTraits kTraitsQ5_0;
extern const TypeTraits kTraitsQ5_1;
extern const TypeTraits kTraitsQ8_1;   // q8_1.cpp
extern const TypeTraits kTraitsQ2_K;   // k_quants.cpp
extern const TypeTraits kTraitsQ3_K;
extern const TypeTraits kTraitsQ4_K;
extern const TypeTraits kTraitsQ5_K;
extern const TypeTraits kTraitsQ6_K;
extern const TypeTraits kTraitsQ8_K;
extern const TypeTraits kTraitsIQ4_NL;  // iq4.cpp
extern const TypeTraits kTraitsIQ4_XS;
}  // namespace edgeseek
