#include "kernels/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include <unistd.h>

#include "core/error.h"
#include "kernels/cpu_features.h"
#include "kernels/ops.h"
#include "kernels/packed.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {

void dequantize_row(const TensorView& W, int64_t r, float* out) {
    type_traits(W.type)->to_float(W.row(r), out, W.cols);
}

namespace {
std::optional<ActBudgets> g_budgets_override;
}  // namespace

void override_act_budgets(std::optional<ActBudgets> budgets) { g_budgets_override = budgets; }

// Bytes of a prompt's activations a packed matmul keeps resident: half the L2 (the other half
// for the weights being worked on), 1 MiB where the size is not reported; or half the L3
// (shared: every thread reads the same tokens), 4 MiB where not reported.
ActBudgets act_budgets() {
    if (g_budgets_override) return *g_budgets_override;
    static const ActBudgets budgets = [] {
#if defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE)
        const long l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE), l3 = ::sysconf(_SC_LEVEL3_CACHE_SIZE);  // glibc; 0: unknown
#else
        const long l2 = 0, l3 = 0;
#endif
        ActBudgets b;
        b.l2 = std::clamp<size_t>(l2 > 0 ? static_cast<size_t>(l2) / 2 : size_t{1} << 20, size_t{256} << 10,
                                  size_t{4} << 20);
        b.l3 = std::clamp<size_t>(l3 > 0 ? static_cast<size_t>(l3) / 2 : size_t{4} << 20, b.l2, size_t{16} << 20);
        return b;
    }();
    return budgets;
}

int64_t prompt_token_chunk(int64_t n_tokens, size_t act_row, ActBudgets budgets) {
    if (n_tokens <= 0 || act_row == 0) return kActPanel;
    // Equal chunks, in whole activation panels (a multiple of every tile width), of at most
    // budget / act_row tokens (one panel at least).
    auto chunk = [&](size_t budget) {
        const int64_t max_chunk =
            std::max<int64_t>(kActPanel, static_cast<int64_t>(budget / act_row) / kActPanel * kActPanel);
        const int64_t n_chunks = (n_tokens + max_chunk - 1) / max_chunk;
        return ((n_tokens + n_chunks - 1) / n_chunks + kActPanel - 1) / kActPanel * kActPanel;
    };
    const int64_t in_l2 = chunk(budgets.l2);
    if (in_l2 >= kL3ChunkBelow || in_l2 >= n_tokens) return in_l2;
    return std::max(in_l2, chunk(budgets.l3));
}

int64_t group_block(size_t group_bytes, ActBudgets budgets) {
    if (group_bytes == 0) return 1;
    return std::max<int64_t>(1, static_cast<int64_t>(budgets.l2 / 2 / group_bytes));
}

namespace {

constexpr int kMaxShared = 8;  // matrices one matmul_many pass can take

// Prompts run plain (mapped) weights through the packed tiles too, packing one group of 16
// rows at a time into a per-thread buffer just before its tiles read it; the packing is paid
// once per group and token chunk. Against the per-row dot kernels (two threads, 8960x1536):
// 2 tokens 1.3-2x faster for Q4_0/Q8_0/Q4_K, 256 tokens 6-7x (Q5_K: pp256 on the 1.5B shape
// 39 -> 200 t/s with --no-repack); Q6_K's packing (6-bit values
// rebuilt) costs what ~6 tokens of its dot kernel do, so it is packed from 8 tokens on; Q2_K,
// Q3_K, Q5_K and IQ4_XS from 3 (1.5B files, --no-repack, pp2 per-row / packed: Q2_K 33.0 /
// 27.8 t/s, Q3_K_M 29.8 / 25.0, Q5_K_M 27.9 / 22.4, IQ4_XS 28.3 / 26.0; pp3 Q5_K_M packed
// 35.1 against per-row pp4 31.5). The others from 2 (pp2: Q4_0 per-row 21.2 / packed 33.3,
// IQ4_NL 16.4 / 29.1, Q5_1 10.9 / 13.7 with only a scalar packer; Q4_K_M 29.2 / 28.3).
int64_t pack_on_the_fly_min_tokens(GgmlType t) {
    switch (t) {
        case GgmlType::Q6_K: return 8;
        case GgmlType::Q2_K:
        case GgmlType::Q3_K:
        case GgmlType::Q5_K:
        case GgmlType::IQ4_XS: return 3;
        default: return 2;
    }
}

// True when matmul_packed takes W for n_tokens: packed at load, or packable on the fly.
bool packed_path(const TensorView& W, int64_t n_tokens) {
    if (W.packed) return packed_gemm_kernel(W.type) != nullptr;
    return n_tokens >= pack_on_the_fly_min_tokens(W.type) && W.data && packable(W.type) &&
           W.cols % packed_col_multiple(W.type) == 0;
}

// A per-thread, 64-byte-aligned buffer for one packed group.
uint8_t* group_buffer(size_t bytes) {
    struct Free {
        void operator()(uint8_t* p) const { std::free(p); }
    };
    thread_local std::unique_ptr<uint8_t, Free> buf;
    thread_local size_t size = 0;
    if (size < bytes) {
        const size_t rounded = (bytes + 63) / 64 * 64;
        buf.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded)));
        if (!buf) throw Error("out of memory for a packed weight group", std::to_string(rounded) + " bytes",
                              "free some memory and retry");
        size = rounded;
    }
    return buf.get();
}

// A per-thread buffer of n floats. The thread_local is declared here, in a function each thread
// calls, so every thread that uses it constructs (and at exit frees) its own; one declared in
// the caller and used by the pool's threads through a lambda would never be freed on them.
float* float_buffer(int64_t n) {
    thread_local std::vector<float> buf;
    buf.resize(static_cast<size_t>(n));
    return buf.data();
}

// Packed weights (kernels/packed.h): one kernel for decode and prefill. Several matrices of
// the same type and width (q/k/v) share one activation quantization and one parallel region.
// With `swiglu_pair`, Ws is {gate, up} (same type and shape) and Ys[0] gets
// silu(X gate^T) * (X up^T): each work item takes a 16-row group of both into a per-thread
// buffer and writes only the result, so neither product goes to memory.
void matmul_packed(const TensorView* const* Ws, float* const* Ys, int count, const float* X, int64_t n_tokens,
                   ThreadPool& pool, bool swiglu_pair = false) {
    const TensorView& W0 = *Ws[0];
    const PackedGemmFn gemm = packed_gemm_kernel(W0.type);
    const GgmlType act_type = packed_act_type(W0.type);
    const int64_t cols = W0.cols, nb = cols / 32;
    const bool k_quant = act_type == GgmlType::Q8_K;
    const bool with_sums = k_quant || act_type == GgmlType::Q8_1;  // PackedActs::sums
    const ActBlock block = packed_act_block(W0.type);
    const int64_t kblock = block.bytes;  // bytes per entry of PackedActs::q
    const int64_t blocks = cols / block.values, panel = act_panel(n_tokens), panels = (n_tokens + panel - 1) / panel;
    // Bytes of one token's activations (F16's are f32 in the panels).
    const size_t act_row = packed_float(W0.type) ? static_cast<size_t>(blocks * kblock) : row_size(act_type, cols);
    thread_local std::vector<int8_t> act;
    thread_local std::vector<float> act_d, act_sums;
    thread_local std::vector<int32_t> act_init;
    act.resize(static_cast<size_t>(blocks * kblock * panels * panel));
    act_d.resize(static_cast<size_t>(nb * n_tokens));
    if (with_sums) act_sums.resize(static_cast<size_t>(nb * n_tokens));
    act_init.resize(static_cast<size_t>(2 * nb * n_tokens));  // Q8_0: nb per token, Q6_K: 16 per 256 values
    int8_t* q_data = act.data();
    float* d_data = act_d.data();
    float* sums_data = act_sums.data();
    int32_t* init_data = act_init.data();
    // Each token's quants into its panel slot, its table entries into its column.
    const PackActsFn pack_acts = pack_acts_kernel(W0.type);
    pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
        for (int64_t t = b; t < e; ++t) {
            const float* x = X + t * cols;
            ActsSlot slot;
            slot.q = q_data + act_panel_offset(t, blocks, kblock, panel);
            slot.panel = panel;
            slot.d = d_data + t;
            slot.init = init_data + t;
            slot.sums = with_sums ? sums_data + t : nullptr;
            slot.stride = n_tokens;
            pack_acts(x, cols, slot);
        }
    });
    const ActBudgets budgets = act_budgets();
    const int64_t tchunk = prompt_token_chunk(n_tokens, act_row, budgets);
    const int64_t n_tchunks = (n_tokens + tchunk - 1) / tchunk;
    // Work items: (matrix, token chunk, group of 16 rows), shared out by WorkSplit: each thread
    // reads its own stretch of the weights in memory order and takes what is left at the other
    // one's end when it is done, in runs that shrink to one group, so neither waits long for
    // the other at the end (decode, 1.5B shape: k/v-sized matrices 16.4 -> 20.1 GB/s).
    struct Matrix {
        int64_t groups, first_item;
    };
    Matrix mats[kMaxShared];
    int64_t items = 0;
    if (swiglu_pair) count = 1;  // items are the gate's groups; each takes the up's too
    for (int m = 0; m < count; ++m) {
        const int64_t groups = (Ws[m]->rows + kPackRows - 1) / kPackRows;
        mats[m] = {groups, items};
        items += n_tchunks * groups;
    }
    // Groups g0 .. g1 - 1 of W over the chunk's tokens: token t's result for row g0 * kPackRows + i
    // at y[t * ldy + i].
    auto run_groups = [&](const TensorView& W, int64_t g0, int64_t g1, const PackedActs& a, int64_t nt, float* y,
                          int64_t ldy) {
        const size_t gbytes = packed_group_bytes(W.type, cols);
        const int64_t rows_left = W.rows - g0 * kPackRows;
        if (W.packed) {
            gemm(cols, W.packed + static_cast<size_t>(g0) * gbytes, rows_left, 0, g1 - g0, a, nt, y, ldy,
                 group_block(gbytes, budgets));
            return;
        }
        // Mapped weights: each group packed as its tiles are about to read it (a partial last
        // group gets zeroed padding rows, as the load-time copy has).
        uint8_t* buf = group_buffer(gbytes);
        const auto* src = static_cast<const uint8_t*>(W.data) + static_cast<size_t>(g0 * kPackRows) * W.row_bytes();
        for (int64_t g = 0; g < g1 - g0; ++g) {
            const int64_t r0 = g * kPackRows, left = rows_left - r0;
            if (left < kPackRows) std::memset(buf, 0, gbytes);
            pack_groups(W.type, src + static_cast<size_t>(r0) * W.row_bytes(), left, cols, 0, 1, buf);
            gemm(cols, buf, left, 0, 1, a, nt, y + r0, ldy, 1);
        }
    };
    WorkSplit split(items, pool.size());
    pool.parallel_for(pool.size(), [&](int64_t, int64_t, int thread) {
        // swiglu_pair: a group's gate and up products, 16 rows x tchunk tokens each.
        float* pair = swiglu_pair ? float_buffer(2 * kPackRows * tchunk) : nullptr;
        int64_t next_item = -1;  // the item after this thread's last stretch
        for (WorkSplit::Run run = split.next(thread); !run.empty(); run = split.next(thread)) {
            for (int64_t i = run.begin; i < run.end;) {
                // The stretch of the run within one matrix and token chunk: groups g0 .. g1 - 1.
                int m = 0;
                while (m + 1 < count && i >= mats[m + 1].first_item) ++m;
                const TensorView& W = *Ws[m];
                const int64_t j = i - mats[m].first_item;
                const int64_t tc = j / mats[m].groups, g0 = j % mats[m].groups;
                const int64_t g1 = std::min(mats[m].groups, g0 + (run.end - i));
                i += g1 - g0;
                const int64_t t0 = tc * tchunk;
                // A stretch that does not continue this thread's last one starts a stream: the
                // tiles ask for each line a fixed distance ahead of use, so its first bytes are
                // asked for here (into L1 up to the L1 distance, into L2 up to the L2 one).
                if (i - (g1 - g0) != next_item) {
                    for (int k = 0; k < (swiglu_pair ? 2 : 1); ++k) {
                        const TensorView& Wk = swiglu_pair ? *Ws[k] : W;
                        if (!Wk.packed) continue;
                        const size_t gbytes = packed_group_bytes(Wk.type, cols);
                        const uint8_t* p = Wk.packed + static_cast<size_t>(g0) * gbytes;
                        const size_t bytes = static_cast<size_t>(g1 - g0) * gbytes;
                        const size_t n1 = std::min(g_stream_prefetch.l1, bytes);
                        const size_t n2 = std::min(std::max(stream_l2_ahead(), n1), bytes);
                        for (size_t off = 0; off < n1; off += 64) prefetch_l1(p + off);
                        for (size_t off = n1; off < n2; off += 64) prefetch_l2(p + off);
                    }
                }
                next_item = i;
                PackedActs a;
                a.q = q_data + act_panel_offset(t0, blocks, kblock, panel);  // t0: a panel's first token
                a.panel = panel;
                a.blocks = blocks;
                a.stride = n_tokens;
                a.d = d_data + t0;
                a.init = init_data + t0;
                a.sums = with_sums ? sums_data + t0 : nullptr;
                const int64_t nt = std::min(tchunk, n_tokens - t0);
                float* y = Ys[m] + t0 * W.rows;
                if (!swiglu_pair) {
                    run_groups(W, g0, g1, a, nt, y + g0 * kPackRows, W.rows);
                    continue;
                }
                float* g_out = pair;
                float* u_out = pair + kPackRows * nt;
                for (int64_t g = g0; g < g1; ++g) {
                    const int64_t r0 = g * kPackRows, nr = std::min<int64_t>(kPackRows, W.rows - r0);
                    run_groups(*Ws[0], g, g + 1, a, nt, g_out, kPackRows);
                    run_groups(*Ws[1], g, g + 1, a, nt, u_out, kPackRows);
                    swiglu_rows(y + r0, W.rows, g_out, u_out, kPackRows, nr, nt);
                }
            }
        }
    });
}

}  // namespace

void matmul(const TensorView& W, const float* X, int64_t n_tokens, float* Y, ThreadPool& pool) {
    if (n_tokens <= 0) return;
    if (packed_path(W, n_tokens)) {
        const TensorView* ws[1] = {&W};
        float* ys[1] = {Y};
        matmul_packed(ws, ys, 1, X, n_tokens, pool);
        return;
    }
    if (W.packed && !W.data) {
        throw Error("matrix was repacked for AVX-512 at load and the CPU path has changed since", "tensor '" + W.name + "'",
                    "load the model again, or load it with repacking off");
    }
    const TypeTraits* wt = type_traits(W.type);
    if (!wt || !wt->vec_dot) {
        throw Error("tensor type " + type_name(W.type) + " is not supported for computation", "tensor '" + W.name + "'",
                    "re-quantize the model to a supported type such as q8_0 or q4_0");
    }
    const VecDotFn dot = vec_dot_kernel(W.type);
    const FromFloatFn quantize = quantize_act_kernel(wt->vec_dot_type);
    const size_t act_row = row_size(wt->vec_dot_type, W.cols);
    thread_local std::vector<uint8_t> act;
    act.resize(act_row * static_cast<size_t>(n_tokens));
    uint8_t* act_data = act.data();
    pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
        for (int64_t t = b; t < e; ++t) quantize(X + t * W.cols, act_data + t * act_row, W.cols);
    });
    const int64_t rows = W.rows;
    // Prompt batches of the packable types went to the packed tiles above (weights packed as
    // they are read); here: single tokens, types without packed tiles, CPU paths without them.
    // Rows split across threads; for a batch, each weight row is read once and dotted with
    // every activation row while it is hot in cache. Threads take chunks of rows (WorkSplit:
    // their own stretch first, then the other's end) rather than one fixed half each, so a
    // thread slowed by something else on the machine does not hold the other one up.
    // Software prefetch: decode is bound by how fast weight bytes arrive; ask for the bytes
    // g_stream_prefetch.l1_alone ahead of the rows being dotted (rows are contiguous, so this runs
    // across row ends too). Measured on the 1.5B shape on a Xeon: +10% tg over the hardware
    // prefetcher alone, 2-16 KiB ahead alike. Decode also asks for them into L2,
    // stream_l2_alone_ahead() ahead (8 KiB on CPUs other than AMD's, as the block tiles do):
    // `--no-repack` decode on the Xeon, token by token against none, Q4_0 3.4-3.6% faster,
    // Q4_K_M 3.9%, Q8_0 5.0% (16 or 32 KiB the same as 8). The four-row kernels ask for their
    // lines themselves, a few per step, instead of all 2 x 54 before each call: a burst of
    // requests waits for the core's fill buffers and the products wait behind it (1.5B
    // `--no-repack` decode, binaries alternated three times: Q4_0 53.7-56.4% -> 72.2-73.4% of
    // the bandwidth, Q8_0 64.8-70.9% -> 77.4-78.8%); so do the single-row K-quant kernels that
    // have an "ahead" form (VecDotAheadFn), a share per super-block. Q4_K and Q5_K have four-row
    // kernels too (rows4_kquants_avx512.h: the four rows' scales unpacked together; 1.5B Q4_K_M
    // `--no-repack` decode 3.0-5.0% faster than with the one-row kernel, forward by forward), and
    // AVX2 has all four (rows4_avx2.h: Q4_0 14.6 -> 18.6 t/s, Q8_0 12.8 -> 14.5; Q4_K_M 10-11.5%
    // faster forward by forward with AVX-VNNI, 4.6% without).
    const size_t row_bytes = W.row_bytes();
    const VecDot4Fn dot4 = n_tokens <= 2 ? vec_dot4_kernel(W.type) : nullptr;
    const VecDotAheadFn dot_ahead = n_tokens <= 2 ? vec_dot_ahead_kernel(W.type) : nullptr;
    const uint8_t* base = static_cast<const uint8_t*>(W.data);  // row r at base + r * row_bytes
    auto row = [&](int64_t r) { return base + static_cast<size_t>(r) * row_bytes; };
    const char* end = reinterpret_cast<const char*>(row(rows));
    const size_t l2 = block_l2_ahead(static_cast<int>(std::min<int64_t>(n_tokens, 2)));  // decode's L2 step, as the tiles'
    // The lines of bytes at + distance (those before the matrix's end), each by fetch.
    auto lines = [&](const uint8_t* at, size_t distance, size_t bytes, auto fetch) {
        const char* from = reinterpret_cast<const char*>(at) + distance;
        for (size_t off = 0; off < bytes && from + off < end; off += 64) fetch(from + off);
    };
    auto prefetch = [&](const uint8_t* at, size_t bytes) {
        lines(at, g_stream_prefetch.l1_alone, bytes, [](const char* p) { prefetch_l1(p); });
        if (l2 != 0) lines(at, l2, bytes, [](const char* p) { prefetch_l2(p); });
    };
    auto run_rows = [&](int64_t b, int64_t e) {
        int64_t r = b;
        if (dot4) {
            float out[4];
            for (; r + 4 <= e; r += 4) {
                for (int64_t t = 0; t < n_tokens; ++t) {
                    // The first token's pass asks for the rows ahead, spread over its steps.
                    dot4(W.cols, row(r), row_bytes, act_data + t * act_row, out, t == 0 ? g_stream_prefetch.l1_alone : 0,
                         t == 0 ? l2 : 0);
                    for (int k = 0; k < 4; ++k) Y[t * rows + r + k] = out[k];
                }
            }
        }
        for (; r < e; ++r) {
            const uint8_t* wrow = row(r);
            if (dot_ahead) {
                for (int64_t t = 0; t < n_tokens; ++t) {
                    Y[t * rows + r] = dot_ahead(W.cols, wrow, act_data + t * act_row, t == 0 ? g_stream_prefetch.l1_alone : 0,
                                                t == 0 ? l2 : 0);
                }
                continue;
            }
            prefetch(wrow, row_bytes);
            for (int64_t t = 0; t < n_tokens; ++t) {
                Y[t * rows + r] = dot(W.cols, wrow, act_data + t * act_row);
            }
        }
    };
    const int threads = pool.size();
    if (threads == 1) {
        run_rows(0, rows);
        return;
    }
    // Chunks of 16 rows (a multiple of dot4's 4), shared out by WorkSplit as in matmul_packed.
    constexpr int64_t kChunk = 16;
    WorkSplit split((rows + kChunk - 1) / kChunk, threads);
    pool.parallel_for(threads, [&](int64_t, int64_t, int thread) {
        for (WorkSplit::Run run = split.next(thread); !run.empty(); run = split.next(thread)) {
            run_rows(run.begin * kChunk, std::min(rows, run.end * kChunk));
        }
    });
}

void matmul_swiglu(const TensorView& gate, const TensorView& up, const float* X, int64_t n_tokens, float* hidden,
                   float* up_scratch, ThreadPool& pool) {
    if (n_tokens <= 0) return;
    if (n_tokens > 1 && packed_path(gate, n_tokens) && packed_path(up, n_tokens) && gate.type == up.type &&
        gate.cols == up.cols && gate.rows == up.rows) {
        const TensorView* ws[2] = {&gate, &up};
        float* ys[1] = {hidden};
        matmul_packed(ws, ys, 2, X, n_tokens, pool, true);
        return;
    }
    matmul_many({{&gate, hidden}, {&up, up_scratch}}, X, n_tokens, pool);
    const int64_t F = gate.rows;
    pool.parallel_for(n_tokens, [&](int64_t b, int64_t e, int) {
        swiglu_rows(hidden + b * F, F, hidden + b * F, up_scratch + b * F, F, F, e - b);
    });
}

void matmul_many(std::initializer_list<std::pair<const TensorView*, float*>> products, const float* X, int64_t n_tokens,
                 ThreadPool& pool) {
    if (n_tokens <= 0) return;
    // One shared pass when every matrix is packed (or packable on the fly), of one type and
    // width.
    const TensorView* ws[kMaxShared];
    float* ys[kMaxShared];
    int count = 0;
    bool shared = products.size() <= kMaxShared;
    for (const auto& [w, y] : products) {
        if (!shared) break;
        shared = packed_path(*w, n_tokens) && w->type == products.begin()->first->type &&
                 w->cols == products.begin()->first->cols;
        ws[count] = w;
        ys[count++] = y;
    }
    if (shared && count > 0) {
        matmul_packed(ws, ys, count, X, n_tokens, pool);
        return;
    }
    for (const auto& [w, y] : products) matmul(*w, X, n_tokens, y, pool);
}

}  // namespace edgeseek
