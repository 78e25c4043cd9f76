#include "kernels/vec_dot.h"

#include "kernels/packed.h"

namespace edgeseek {

VecDotFn vec_dot_kernel(GgmlType t, Isa isa) {
    VecDotFn f = nullptr;
#if defined(__x86_64__)
    if (isa == Isa::Avx512) f = vec_dot_avx512(t);
    if (!f && isa >= Isa::Avx2) f = vec_dot_avx2(t);
#else
    (void)isa;
#endif
    if (f) return f;
    const TypeTraits* tr = type_traits(t);
    return tr ? tr->vec_dot : nullptr;
}

VecDot4Fn vec_dot4_kernel(GgmlType t, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return vec_dot4_avx512(t);
    if (isa == Isa::Avx2) return cpu_features().avxvnni && packed_avx_vnni_enabled() ? vec_dot4_avx2_vnni(t) : vec_dot4_avx2(t);
#else
    (void)t;
    (void)isa;
#endif
    return nullptr;
}

VecDotAheadFn vec_dot_ahead_kernel(GgmlType t, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return vec_dot_ahead_kquants_avx512(t);
#else
    (void)t;
    (void)isa;
#endif
    return nullptr;
}

FromFloatFn quantize_act_kernel(GgmlType t, Isa isa) {
    FromFloatFn f = nullptr;
#if defined(__x86_64__)
    if (isa == Isa::Avx512) f = quantize_act_avx512(t);
    if (!f && isa >= Isa::Avx2) f = quantize_act_avx2(t);
#else
    (void)isa;
#endif
    if (f) return f;
    const TypeTraits* tr = type_traits(t);
    return tr ? tr->from_float : nullptr;
}

}  // namespace edgeseek
