// The four-row Q4_K / Q5_K decode kernels without GFNI (rows4_kquants_avx512.h).
#if defined(__x86_64__)
#include "kernels/rows4_kquants_avx512.h"

namespace edgeseek {

VecDot4Fn vec_dot4_kquants_avx512(GgmlType t) { return select_k4_rows4(t); }

}  // namespace edgeseek
#endif
