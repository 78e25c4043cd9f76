// Each type family's file defines its traits; types.cpp assembles the table from these.
#pragma once
#include "quant/types.h"

namespace edgeseek {
extern const TypeTraits kTraitsF32;
extern const TypeTraits kTraitsF16;
extern const TypeTraits kTraitsBF16;
extern const TypeTraits kTraitsQ8_0;
extern const TypeTraits kTraitsQ4_0;
}  // namespace edgeseek
