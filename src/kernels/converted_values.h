// The walk both SIMD kernels take over a prompt's converted values (attention.h,
// convert_values_kernel): positions in blocks of kConvertedBlock (256 KiB of f32 values at
// head_dim 128, kept in L2 for the block's passes), each block in passes of up to kRows rows x
// kChunks chunks, each pass asking for its share of the next block's lines into L2 as it goes
// (beyond L2 the first pass over a block otherwise waits for them: AVX-512, 24 rows, one thread,
// 103-134 -> 111-160 GFLOPS at 4000 positions, 103-118 -> 120-159 at 8000, the same at 2000).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/vec_dot.h"

namespace edgeseek {

constexpr int64_t kConvertedBlock = 512;

// pass(nr, nc, r0, c0, p0, np, ahead): rows r0 .. r0 + nr - 1 x chunks c0 .. c0 + nc - 1 over
// positions p0 .. p0 + np - 1 (adding to what the earlier blocks left where p0 > 0), calling
// ahead.next_step() before each position: its share of the next block's lines into L2. No
// positions: one pass per rows and chunks with np = 0 (they write zeros).
template <int kRows, int kChunks, typename Pass>
void converted_value_passes(const float* vf, int64_t vrow, int64_t n_pos, int64_t chunks, int64_t rows, Pass pass) {
    const int64_t blocks = std::max<int64_t>(1, (n_pos + kConvertedBlock - 1) / kConvertedBlock);
    const int64_t passes = (rows + kRows - 1) / kRows * ((chunks + kChunks - 1) / kChunks);
    const size_t block_bytes = static_cast<size_t>(kConvertedBlock * vrow) * sizeof(float);
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t p0 = b * kConvertedBlock, np = std::max<int64_t>(0, std::min(kConvertedBlock, n_pos - p0));
        const int64_t next = std::max<int64_t>(0, std::min(kConvertedBlock, n_pos - p0 - kConvertedBlock));
        const int64_t next_lines = next * vrow * static_cast<int64_t>(sizeof(float)) / 64;
        const char* here = reinterpret_cast<const char*>(vf + p0 * vrow);
        int64_t k = 0;
        for (int64_t r0 = 0; r0 < rows; r0 += kRows) {
            for (int64_t c0 = 0; c0 < chunks; c0 += kChunks, ++k) {
                // This pass's share of the next block: the lines block_bytes past [l0, l1) of this one.
                const int64_t l0 = k * next_lines / passes, l1 = (k + 1) * next_lines / passes;
                AheadOfRows ahead(here + 64 * l0, static_cast<size_t>(64 * (l1 - l0)), np, 0, l1 > l0 ? block_bytes : 0);
                pass(std::min<int64_t>(kRows, rows - r0), std::min<int64_t>(kChunks, chunks - c0), r0, c0, p0, np, ahead);
            }
        }
    }
}

}  // namespace edgeseek
