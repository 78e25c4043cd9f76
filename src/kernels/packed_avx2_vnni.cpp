// The AVX2 tiles (packed_tiles_avx2.h) compiled with AVX-VNNI (vpdpbusd on 256-bit vectors);
// chosen at run time by packed_gemm_avx2 on CPUs that have it.
#if defined(__x86_64__)
#include "kernels/packed_tiles_avx2.h"

namespace edgeseek {

PackedGemmFn packed_gemm_avx2_vnni(GgmlType t) { return select_packed_gemm_avx2(t); }

}  // namespace edgeseek
#endif
