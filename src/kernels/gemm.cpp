#include "kernels/gemm.h"

namespace edgeseek {

GemmFn gemm_kernel(GgmlType t, Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return gemm_avx512(t);
#else
    (void)t;
    (void)isa;
#endif
    return nullptr;
}

}  // namespace edgeseek
