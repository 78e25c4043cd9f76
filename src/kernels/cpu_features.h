// Which SIMD path this CPU runs. Detected once at start; EDGESEEK_ISA=scalar|avx2|avx512
// forces a lower path (tests use it to cover every path the machine can run).
#pragma once
#include <string>

namespace edgeseek {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false, avx512bf16 = false;
    bool gfni = false;  // Galois-field byte affine transforms (used for nibble unpacking)
    Isa best() const;
};

const CpuFeatures& cpu_features();
// The path in use: the best the CPU has, lowered by EDGESEEK_ISA when set.
Isa active_isa();
// Forces a path for the rest of the process (tests); clamps to what the CPU supports.
void set_active_isa(Isa isa);
const char* isa_name(Isa isa);

}  // namespace edgeseek
