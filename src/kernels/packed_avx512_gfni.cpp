// The packed tiles compiled with GFNI (high nibbles in one instruction); chosen at run time
// by packed_gemm_avx512 on CPUs that have it.
#if defined(__x86_64__)
#include "kernels/packed_tiles_avx512.h"

namespace edgeseek {

PackedGemmFn packed_gemm_avx512_gfni(GgmlType t) { return select_packed_gemm(t); }

}  // namespace edgeseek
#endif
