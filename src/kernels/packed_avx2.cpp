// The AVX2 tiles (packed_tiles_avx2.h) with vpmaddubsw products, for every AVX2 CPU.
#if defined(__x86_64__)
#include "kernels/packed_tiles_avx2.h"

namespace edgeseek {

PackedGemmFn packed_gemm_avx2(GgmlType t) {
    if (cpu_features().avxvnni && packed_avx_vnni_enabled()) return packed_gemm_avx2_vnni(t);
    return select_packed_gemm_avx2(t);
}

}  // namespace edgeseek
#endif
