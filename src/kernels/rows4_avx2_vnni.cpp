// The four-row Q4_0 / Q8_0 / Q4_K / Q5_K decode kernels for AVX2 with AVX-VNNI (rows4_avx2.h).
#if defined(__x86_64__)
#include "kernels/rows4_avx2.h"

namespace edgeseek {

VecDot4Fn vec_dot4_avx2_vnni(GgmlType t) { return select_rows4_avx2(t); }

}  // namespace edgeseek
#endif
