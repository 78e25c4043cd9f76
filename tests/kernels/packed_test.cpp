// The packed (interleaved) layouts and their kernels against the formats' scalar dot products,
// on odd shapes: partial groups of 16 rows, token counts around the tile width; weights packed
// at load or, for prompts over plain weights, group by group as the tiles need them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "core/mapped_file.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"
#include "kernels/packed.h"
#include "kernels/thread_pool.h"
#include "quant/blocks.h"
#include "quant/f16.h"
#include "quant/types.h"

namespace edgeseek {
namespace {

struct PackedCase {
    int64_t rows, cols, tokens;
};

// Rows of wf quantized to t (the file's bytes) and packed as a load packs them; view is over the
// file's bytes with the packed copy set.
struct QuantizedAndPacked {
    std::vector<uint8_t> wq;
    AnonymousMemory packed;
    TensorView view;
    QuantizedAndPacked(GgmlType t, const std::vector<float>& wf, int64_t rows, int64_t cols)
        : wq(row_size(t, cols) * static_cast<size_t>(rows)), packed(packed_bytes(t, rows, cols), "test"),
          view{wq.data(), t, cols, rows, "w"} {
        const size_t rb = row_size(t, cols);
        for (int64_t r = 0; r < rows; ++r) type_traits(t)->from_float(&wf[r * cols], wq.data() + r * rb, cols);
        pack_groups(t, wq.data(), rows, cols, 0, (rows + kPackRows - 1) / kPackRows, packed.data());
        view.packed = packed.data();
    }
};

// Runs check() once on every path with packed tiles this CPU runs, that path set: both builds
// of the AVX-512 tiles (with GFNI where the CPU has it, and without) and both of the AVX2 tiles
// (with AVX-VNNI where the CPU has it, and without), then the path in use before. The four-row
// decode kernels follow the same switches (vec_dot4_kernel).
template <typename Check>
void for_each_tile_path(Check check) {
    const Isa start = active_isa();
    struct Restore {
        Isa isa;
        bool gfni, vnni;
        ~Restore() {
            set_packed_gfni_enabled(gfni);
            set_packed_avx_vnni_enabled(vnni);
            set_active_isa(isa);
        }
    } restore{start, packed_gfni_enabled(), packed_avx_vnni_enabled()};
    struct Path {
        Isa isa;
        bool gfni, vnni;
        const char* name;
    };
    const Path paths[] = {{Isa::Avx512, true, false, "AVX-512 tiles with GFNI where the CPU has it"},
                          {Isa::Avx512, false, false, "AVX-512 tiles without GFNI"},
                          {Isa::Avx2, false, true, "AVX2 tiles with AVX-VNNI where the CPU has it"},
                          {Isa::Avx2, false, false, "AVX2 tiles without AVX-VNNI"}};
    for (const Path& path : paths) {
        if (static_cast<int>(path.isa) > static_cast<int>(start)) continue;
        set_active_isa(path.isa);
        set_packed_gfni_enabled(path.gfni);
        set_packed_avx_vnni_enabled(path.vnni);
        SCOPED_TRACE(path.name);
        check(path.name);
    }
}

TEST(PackedMatmul, MatchesScalarDotOnEveryShape) {
    if (!packable(GgmlType::Q4_0)) GTEST_SKIP() << "no packed kernels on this CPU path";
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    // 4128 columns (129 blocks): wide rows go through a prompt in column slices (packed_gemm.h),
    // here 1408, 1408 and 1312 wide, the last one ending in a single block.
    const PackedCase cases[] = {{1, 32, 1}, {15, 96, 2}, {16, 64, 7}, {17, 160, 8}, {33, 288, 9}, {40, 1024, 17}, {64, 32, 25},
                                {33, 4128, 13}};
    // 4352 columns (17 super-blocks): column slices of 1536, 1536 and 1280.
    const PackedCase k_cases[] = {{1, 256, 1}, {15, 512, 2}, {17, 768, 7}, {33, 256, 13}, {16, 1280, 6}, {16, 256, 23},
                                  {17, 4352, 13}};
    for_each_tile_path([&](const char*) {
        for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
                           GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::F16,
                           GgmlType::BF16}) {
            const TypeTraits* tr = type_traits(t);
            const TypeTraits* at = type_traits(tr->vec_dot_type);
            std::vector<PackedCase> shapes(std::begin(cases), std::end(cases));
            if (packed_k_quant(t)) shapes.assign(std::begin(k_cases), std::end(k_cases));
            for (const PackedCase& c : shapes) {
                // The float tiles multiply f32 activations, the reference f16/bf16 ones: over 4128
                // columns that alone moves a dot past this tolerance (and they take no slices).
                if (c.cols > 1024 && (t == GgmlType::F16 || t == GgmlType::BF16)) continue;
                std::vector<float> wf(static_cast<size_t>(c.rows * c.cols)), x(static_cast<size_t>(c.tokens * c.cols));
                for (auto& v : wf) v = nd(rng);
                for (auto& v : x) v = nd(rng) * 3.0f;
                const size_t rb = row_size(t, c.cols);
                std::vector<uint8_t> wq(rb * static_cast<size_t>(c.rows));
                for (int64_t r = 0; r < c.rows; ++r) tr->from_float(&wf[r * c.cols], wq.data() + r * rb, c.cols);
                AnonymousMemory packed(packed_bytes(t, c.rows, c.cols), "test");
                const int64_t groups = (c.rows + kPackRows - 1) / kPackRows;
                // Packed in two calls, as the loader may split the work.
                pack_groups(t, wq.data(), c.rows, c.cols, 0, groups / 2, packed.data());
                pack_groups(t, wq.data(), c.rows, c.cols, groups / 2, groups, packed.data());
                TensorView W{wq.data(), t, c.cols, c.rows, "w"};
                // Packed at load, and plain weights that prompts pack group by group as they go.
                for (int run = 0; run < 4; ++run) {
                    const bool at_load = run < 2;
                    const int threads = 1 + run % 2;
                    W.packed = at_load ? packed.data() : nullptr;
                    ThreadPool pool(threads);
                    // Guard cells around the output catch writes past the last row.
                    const int64_t ld = c.rows;
                    std::vector<float> y(static_cast<size_t>(c.tokens * ld) + 16, -7.0f);
                    matmul(W, x.data(), c.tokens, y.data(), pool);
                    for (size_t i = static_cast<size_t>(c.tokens * ld); i < y.size(); ++i) ASSERT_EQ(y[i], -7.0f);
                    std::vector<uint8_t> aq(row_size(tr->vec_dot_type, c.cols));
                    for (int64_t k = 0; k < c.tokens; ++k) {
                        at->from_float(&x[k * c.cols], aq.data(), c.cols);
                        for (int64_t r = 0; r < c.rows; ++r) {
                            const float ref = tr->vec_dot(c.cols, wq.data() + r * rb, aq.data());
                            ASSERT_NEAR(y[k * ld + r], ref, 1e-4 * (1.0 + std::fabs(ref)))
                                << tr->name << " rows " << c.rows << " cols " << c.cols << " tokens " << c.tokens
                                << " at token " << k << " row " << r << " threads " << threads
                                << (at_load ? " packed at load" : " packed on the fly");
                        }
                    }
                }
            }
        }
    });
}

// The FFN's SwiGLU(X gate^T, X up^T): bit for bit the two products taken apart, then SwiGLU,
// whether the weights are packed at load (both products of a 16-row group into a per-thread
// buffer, only the result written), packed on the fly, or run by the per-row kernels (one
// token; F32); with a partial last group, and with a prompt cut into token chunks (rows of
// 262144 values hold at most 48 tokens per chunk).
TEST(PackedMatmul, SwigluOfTheGateAndUpProductsEqualsTheProductsTakenApart) {
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    struct Shape {
        int64_t rows, cols;
        std::vector<int64_t> tokens;
        std::vector<GgmlType> types;
    };
    const Shape shapes[] = {{33, 512, {1, 2, 13}, {GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::F32}},
                            {17, 262144, {50}, {GgmlType::Q4_0}}};
    for (const Shape& sh : shapes) {
        const int64_t rows = sh.rows, cols = sh.cols;
        for (GgmlType t : sh.types) {
            const TypeTraits* tr = type_traits(t);
            const size_t rb = row_size(t, cols);
            std::vector<float> wf(static_cast<size_t>(rows * cols));
            std::vector<uint8_t> wq[2];
            std::vector<AnonymousMemory> packed;
            const bool can_pack = packable(t);
            for (auto& q : wq) {
                for (auto& v : wf) v = nd(rng);
                q.resize(rb * static_cast<size_t>(rows));
                for (int64_t r = 0; r < rows; ++r) tr->from_float(&wf[r * cols], q.data() + r * rb, cols);
                packed.emplace_back(can_pack ? packed_bytes(t, rows, cols) : 64, "test");
                if (can_pack) pack_groups(t, q.data(), rows, cols, 0, (rows + kPackRows - 1) / kPackRows, packed.back().data());
            }
            for (int64_t tokens : sh.tokens) {
                std::vector<float> x(static_cast<size_t>(tokens * cols));
                for (auto& v : x) v = nd(rng);
                for (bool at_load : {true, false}) {
                    if (at_load && !can_pack) continue;
                    TensorView gate{wq[0].data(), t, cols, rows, "gate"}, up{wq[1].data(), t, cols, rows, "up"};
                    gate.packed = at_load ? packed[0].data() : nullptr;
                    up.packed = at_load ? packed[1].data() : nullptr;
                    ThreadPool pool(2);
                    std::vector<float> g(static_cast<size_t>(tokens * rows)), u(g.size()), want(g.size());
                    matmul(gate, x.data(), tokens, g.data(), pool);
                    matmul(up, x.data(), tokens, u.data(), pool);
                    for (int64_t k = 0; k < tokens; ++k) swiglu(&want[k * rows], &g[k * rows], &u[k * rows], rows);
                    std::vector<float> got(g.size(), -7.0f), scratch(g.size(), 0.0f);
                    matmul_swiglu(gate, up, x.data(), tokens, got.data(), scratch.data(), pool);
                    for (size_t i = 0; i < want.size(); ++i) {
                        ASSERT_EQ(got[i], want[i]) << tr->name << " " << rows << "x" << cols << " tokens " << tokens
                                                   << (at_load ? " packed" : " plain") << " at " << i;
                    }
                }
            }
        }
    }
}

// The prompt's token chunks: activations in the L2 budget unless that makes chunks shorter than
// kL3ChunkBelow tokens, then in the L3 budget; equal chunks of whole activation panels; as
// few chunks as the budget allows. (Budgets of a host with 1 MiB of L2 and 32 MiB of L3.)
TEST(PackedMatmul, PromptChunksKeepActivationsInL2UnlessThatStreamsWeightsTooOften) {
    const ActBudgets budgets{512 << 10, 16 << 20};
    // 1536-wide Q8_K rows (1700 bytes): 308 tokens fit the L2 budget, 288 in whole panels, so
    // 512 tokens take two chunks of 256, rounded up to 264.
    EXPECT_EQ(prompt_token_chunk(512, 1700, budgets), 264);
    // 8960-wide rows (9.8 KB): 53 tokens fit the L2 budget, 48 in panels: too few, so the L3
    // budget's 1711 (1704 in panels) holds the whole prompt in one chunk of 22 panels.
    EXPECT_EQ(prompt_token_chunk(512, 9800, budgets), 528);
    // 18944-wide rows (20 KB): 24 tokens in L2; 128 in one chunk of the L3 budget.
    EXPECT_EQ(prompt_token_chunk(128, 20480, budgets), 144);
    // 3584-wide rows (3.9 KB): 512 tokens take five L2 chunks of 103, 120 in panels: long
    // enough. 128 tokens would take two of 64 (72 in panels), too short: one L3 chunk.
    EXPECT_EQ(prompt_token_chunk(512, 3900, budgets), 120);
    EXPECT_EQ(prompt_token_chunk(128, 3900, budgets), 144);
    // Short prompts fit one panel whatever the width.
    EXPECT_EQ(prompt_token_chunk(10, 20480, budgets), 24);
    // Rows wider than the L3 budget allows for a panel: one panel per chunk.
    EXPECT_EQ(prompt_token_chunk(100, 1 << 20, budgets), 24);
    // 3000 tokens of 20 KB rows: 819 fit the L3 budget (816 in panels), so four chunks of 750,
    // rounded up to 768.
    EXPECT_EQ(prompt_token_chunk(3000, 20480, budgets), 768);
    for (int64_t n : {1, 23, 24, 25, 100, 512, 4096}) {
        for (size_t row : {size_t{100}, size_t{1700}, size_t{9800}, size_t{20480}, size_t{300000}}) {
            const int64_t c = prompt_token_chunk(n, row, budgets);
            EXPECT_EQ(c % kActPanel, 0) << n << " tokens of " << row << " bytes";
            const size_t bytes = static_cast<size_t>(c) * row;
            if (c == kActPanel) continue;  // the smallest chunk, whatever the width
            EXPECT_LE(bytes, budgets.l3) << n << " tokens of " << row << " bytes";
        }
    }
}

// No tokens: every product returns without touching its output (the chunk and panel sizes a
// product of zero tokens would divide by are never taken), and the chunk rule still answers.
TEST(PackedMatmul, NoTokensWriteNothing) {
    const int64_t rows = 17, cols = 64;
    std::vector<float> wf(static_cast<size_t>(rows * cols), 0.5f);
    const size_t rb = row_size(GgmlType::Q4_0, cols);
    std::vector<uint8_t> wq(rb * rows);
    for (int64_t r = 0; r < rows; ++r) type_traits(GgmlType::Q4_0)->from_float(&wf[r * cols], wq.data() + r * rb, cols);
    AnonymousMemory packed(packed_bytes(GgmlType::Q4_0, rows, cols), "test");
    pack_groups(GgmlType::Q4_0, wq.data(), rows, cols, 0, (rows + kPackRows - 1) / kPackRows, packed.data());
    TensorView plain{wq.data(), GgmlType::Q4_0, cols, rows, "w"}, at_load = plain;
    at_load.packed = packed.data();
    ThreadPool pool(2);
    const std::vector<float> x(static_cast<size_t>(cols), 1.0f);
    for (const TensorView* w : {&plain, &at_load}) {
        std::vector<float> y(4, -3.0f), scratch(4, -3.0f);
        matmul(*w, x.data(), 0, y.data(), pool);
        matmul_many({{w, y.data()}, {w, scratch.data()}}, x.data(), 0, pool);
        matmul_swiglu(*w, *w, x.data(), 0, y.data(), scratch.data(), pool);
        for (float v : y) EXPECT_EQ(v, -3.0f);
        for (float v : scratch) EXPECT_EQ(v, -3.0f);
    }
    EXPECT_EQ(prompt_token_chunk(0, 1700, act_budgets()), kActPanel);
    EXPECT_EQ(act_panel(0), 1);
}

TEST(PackedMatmul, PromptsSplitIntoTokenChunksMatchToo) {
    if (!packable(GgmlType::Q4_0)) GTEST_SKIP() << "no packed kernels on this CPU path";
    // Rows of 262144 values: 278 KB of activations per token, so even the largest budget
    // (16 MiB of L3, prompt_token_chunk) holds 48 tokens at most and 50 take two chunks.
    const int64_t rows = 17, cols = 262144, tokens = 50;
    std::mt19937 rng(3);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> wf(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(tokens * cols));
    for (auto& v : wf) v = nd(rng);
    for (auto& v : x) v = nd(rng);
    ThreadPool pool(2);
    for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q5_K}) {
        const TypeTraits* tr = type_traits(t);
        const TypeTraits* at = type_traits(tr->vec_dot_type);
        const size_t rb = row_size(t, cols);
        const QuantizedAndPacked w(t, wf, rows, cols);
        const std::vector<uint8_t>& wq = w.wq;
        std::vector<float> y(static_cast<size_t>(tokens * rows));
        matmul(w.view, x.data(), tokens, y.data(), pool);
        std::vector<uint8_t> aq(row_size(tr->vec_dot_type, cols));
        for (int64_t k = 0; k < tokens; ++k) {
            at->from_float(&x[k * cols], aq.data(), cols);
            for (int64_t r = 0; r < rows; ++r) {
                const float ref = tr->vec_dot(cols, wq.data() + r * rb, aq.data());
                // 4096 blocks summed in another order: float rounding grows with the running
                // sum (~sqrt(cols) here), not with the result, which may cancel to near 0.
                ASSERT_NEAR(y[k * rows + r], ref, 1e-4 * (1.0 + std::fabs(ref)) + 1e-4 * std::sqrt(double(cols)))
                    << tr->name << " token " << k << " row " << r;
            }
        }
    }
}

// Blocks of groups (PackedGemmFn's group_block): as many 16-row groups as fill half of the L2
// that the activation budget leaves to weights, at least one.
TEST(PackedMatmul, GroupBlocksFillHalfTheWeightsShareOfTheL2) {
    const ActBudgets budgets{512 << 10, 16 << 20};
    EXPECT_EQ(group_block(80640, budgets), 3);    // Q4_K, 8960 values a row: 80 KB a group
    EXPECT_EQ(group_block(13824, budgets), 18);   // Q4_K, 1536 values
    EXPECT_EQ(group_block(170496, budgets), 1);   // Q4_K, 18944 values
    EXPECT_EQ(group_block(size_t{1} << 20, budgets), 1);
    EXPECT_EQ(group_block(0, budgets), 1);
    EXPECT_EQ(group_block(80640, ActBudgets{128 << 10, 1 << 20}), 1);
}

// Budgets of small caches: a prompt cut into token chunks and each matrix's groups run in
// blocks of three with a shorter last block (whose last group is partial), on one and two
// threads, on every build of the tiles: every product equals the scalar dot product.
TEST(PackedMatmul, BlocksOfGroupsMatchScalarDot) {
    if (!packable(GgmlType::Q4_0)) GTEST_SKIP() << "no packed kernels on this CPU path";
    struct Restore {
        ~Restore() { override_act_budgets(std::nullopt); }
    } restore;
    const int64_t rows = 7 * kPackRows + 5, cols = 2048, tokens = 130;
    std::mt19937 rng(17);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> wf(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(tokens * cols));
    for (auto& v : wf) v = nd(rng);
    for (auto& v : x) v = nd(rng);
    for_each_tile_path([&](const char* path) {
        for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::IQ4_XS, GgmlType::F16}) {
            const TypeTraits* tr = type_traits(t);
            const TypeTraits* at = type_traits(tr->vec_dot_type);
            const size_t gbytes = packed_group_bytes(t, cols);
            // Weights' share of the L2 for three groups and a bit; activations in chunks of
            // about 64 tokens (two or three of them).
            const ActBudgets budgets{6 * gbytes + 64, 64 * (row_size(tr->vec_dot_type, cols) + 64)};
            ASSERT_EQ(group_block(gbytes, budgets), 3);
            override_act_budgets(budgets);
            const size_t rb = row_size(t, cols);
            const QuantizedAndPacked w(t, wf, rows, cols);
            const std::vector<uint8_t>& wq = w.wq;
            std::vector<std::vector<float>> refs(static_cast<size_t>(tokens));
            std::vector<uint8_t> aq(row_size(tr->vec_dot_type, cols));
            for (int64_t k = 0; k < tokens; ++k) {
                at->from_float(&x[k * cols], aq.data(), cols);
                for (int64_t r = 0; r < rows; ++r) refs[k].push_back(tr->vec_dot(cols, wq.data() + r * rb, aq.data()));
            }
            for (int threads : {1, 2}) {
                ThreadPool pool(threads);
                for (int64_t n : {int64_t{1}, int64_t{13}, tokens}) {
                    std::vector<float> y(static_cast<size_t>(n * rows) + 16, -7.0f);
                    matmul(w.view, x.data(), n, y.data(), pool);
                    for (size_t i = static_cast<size_t>(n * rows); i < y.size(); ++i) ASSERT_EQ(y[i], -7.0f);
                    for (int64_t k = 0; k < n; ++k) {
                        for (int64_t r = 0; r < rows; ++r) {
                            const float ref = refs[k][r];
                            ASSERT_NEAR(y[k * rows + r], ref, 1e-4 * (1.0 + std::fabs(ref)))
                                << tr->name << " " << path << " tokens " << n << " token " << k << " row " << r
                                << " threads " << threads;
                        }
                    }
                }
            }
        }
    });
}

// Q8_0 bytes at the ends of their range against activations at theirs: every product is
// 127 * 127 or 128 * 127, so a tile that summed two vpmaddubsw pairs in i16 (AVX2) would
// saturate. Rows from hand-made blocks (a file may hold -128 although quantizers write -127).
TEST(PackedMatmul, Q8_0ExtremesDoNotSaturate) {
    if (!packable(GgmlType::Q8_0)) GTEST_SKIP() << "no packed kernels on this CPU path";
    const int64_t rows = 17, cols = 64, tokens = 5;
    const size_t rb = row_size(GgmlType::Q8_0, cols);
    std::vector<uint8_t> wq(rb * rows);
    for (int64_t r = 0; r < rows; ++r) {
        auto* blk = reinterpret_cast<BlockQ8_0*>(wq.data() + r * rb);
        for (int b = 0; b < cols / 32; ++b) {
            blk[b].d = fp32_to_fp16(0.5f + 0.25f * static_cast<float>(r % 3));
            for (int k = 0; k < 32; ++k) blk[b].qs[k] = static_cast<int8_t>((r + k / 2) % 3 == 0 ? 127 : -128);
        }
    }
    std::vector<float> x(static_cast<size_t>(tokens * cols));
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t i = 0; i < cols; ++i) x[t * cols + i] = (t + i / 2) % 2 ? 2.0f : -2.0f;  // quantized to +-127
    }
    AnonymousMemory packed(packed_bytes(GgmlType::Q8_0, rows, cols), "test");
    pack_groups(GgmlType::Q8_0, wq.data(), rows, cols, 0, (rows + kPackRows - 1) / kPackRows, packed.data());
    const TypeTraits* tr = type_traits(GgmlType::Q8_0);
    ThreadPool pool(2);
    // One and two tokens over plain weights go to the four-row decode kernels, more to the tiles.
    for_each_tile_path([&](const char*) {
        for (int64_t n : {int64_t{1}, int64_t{2}, tokens}) {
            for (bool at_load : {true, false}) {
                TensorView W{wq.data(), GgmlType::Q8_0, cols, rows, "w"};
                W.packed = at_load ? packed.data() : nullptr;
                std::vector<float> y(static_cast<size_t>(n * rows));
                matmul(W, x.data(), n, y.data(), pool);
                std::vector<uint8_t> aq(row_size(tr->vec_dot_type, cols));
                for (int64_t t = 0; t < n; ++t) {
                    type_traits(tr->vec_dot_type)->from_float(&x[t * cols], aq.data(), cols);
                    for (int64_t r = 0; r < rows; ++r) {
                        const float ref = tr->vec_dot(cols, wq.data() + r * rb, aq.data());
                        ASSERT_NEAR(y[t * rows + r], ref, 1e-5 * std::fabs(ref) + 1e-3)
                            << (at_load ? "packed at load" : "plain weights") << ", " << n << " tokens, token " << t << " row " << r;
                    }
                }
            }
        }
    });
}

// The k-quants at the top of their ranges (Q2_K 3, Q3_K 7 and Q6_K 63 before their -4 and -32, Q4_K 15,
// Q4_1 15, Q5_0 31 before its -16, Q5_K and Q5_1 31, IQ4_NL's and IQ4_XS's level 113 whose
// AVX2 sign trick pairs 2 * 127 * 127, every
// scale and min 63 or 127) against activations that all quantize to -127 (Q8_K and Q8_0 end): the
// largest i16 sums the AVX2 tiles keep before widening (Q5_K four vpmaddubsw pairs of
// 31 * 127 * 2, Q6_K two of 63 * 127 * 2), so a tile that widened later would saturate.
TEST(PackedMatmul, KQuantAndIQ4ExtremesDoNotSaturate) {
    if (!packable(GgmlType::Q4_K)) GTEST_SKIP() << "no packed kernels on this CPU path";
    const int64_t rows = 16, cols = 512, tokens = 7;
    std::vector<float> x(static_cast<size_t>(tokens * cols), -1.0f);
    ThreadPool pool(2);
    for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,
                       GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS}) {
        const TypeTraits* tr = type_traits(t);
        const size_t rb = row_size(t, cols);
        std::vector<uint8_t> wq(rb * rows, 0xFF);  // all quant, scale and min bits set
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t s = 0; s < cols / tr->block_size; ++s) {
                uint8_t* blk = wq.data() + r * rb + s * tr->type_size;
                const uint16_t d = fp32_to_fp16(0.001f * static_cast<float>(1 + r % 4));
                if (t == GgmlType::Q6_K) {
                    auto* b = reinterpret_cast<BlockQ6_K*>(blk);
                    b->d = d;
                    for (int8_t& sc : b->scales) sc = 127;
                } else if (t == GgmlType::Q3_K) {
                    reinterpret_cast<BlockQ3_K*>(blk)->d = d;  // values 3 (top bit set: no -4), scales 63 - 32
                } else if (t == GgmlType::Q2_K) {
                    auto* b = reinterpret_cast<BlockQ2_K*>(blk);  // values 3, scales and mins 15
                    b->d = d;
                    b->dmin = fp32_to_fp16(0.0005f);
                } else if (t == GgmlType::IQ4_XS) {
                    reinterpret_cast<BlockIQ4_XS*>(blk)->d = d;  // level 113, scales 63 - 32
                } else if (t == GgmlType::IQ4_NL) {
                    reinterpret_cast<BlockIQ4_NL*>(blk)->d = d;  // level 113
                } else if (t == GgmlType::Q5_0) {
                    reinterpret_cast<BlockQ5_0*>(blk)->d = d;  // values 31 - 16
                } else {  // d, then dmin (Q4_K, Q5_K) or m (Q4_1: values 15, Q5_1: 31)
                    std::memcpy(blk, &d, 2);  // d, then dmin
                    const uint16_t dmin = fp32_to_fp16(0.0005f);
                    std::memcpy(blk + 2, &dmin, 2);
                }
            }
        }
        std::vector<uint8_t> aq(row_size(tr->vec_dot_type, cols));
        type_traits(tr->vec_dot_type)->from_float(x.data(), aq.data(), cols);
        // After Q8_K's f32 scale, Q8_1's f16 scale and sum, Q8_0's f16 scale.
        const size_t first = tr->vec_dot_type == GgmlType::Q8_0 ? 2 : 4;
        ASSERT_EQ(static_cast<int8_t>(aq[first]), -127) << "the activation's first quant";
        AnonymousMemory packed(packed_bytes(t, rows, cols), "test");
        pack_groups(t, wq.data(), rows, cols, 0, 1, packed.data());
        // One token: the decode tiles (the small k-quants' scales applied in integers) or, over
        // plain weights, the four-row and single-row decode kernels; 2 and 7: the prompt tiles,
        // or below a type's packing threshold the per-row kernels.
        for_each_tile_path([&](const char*) {
            for (int64_t n : {int64_t{1}, int64_t{2}, tokens}) {
                for (bool at_load : {true, false}) {
                    TensorView W{wq.data(), t, cols, rows, "w"};
                    W.packed = at_load ? packed.data() : nullptr;
                    std::vector<float> y(static_cast<size_t>(n * rows));
                    matmul(W, x.data(), n, y.data(), pool);
                    for (int64_t k = 0; k < n; ++k) {
                        for (int64_t r = 0; r < rows; ++r) {
                            const float ref = tr->vec_dot(cols, wq.data() + r * rb, aq.data());
                            ASSERT_NEAR(y[k * rows + r], ref, 1e-5 * std::fabs(ref) + 1e-3)
                                << tr->name << (at_load ? ", packed at load, " : ", plain weights, ") << n << " tokens, token "
                                << k << " row " << r;
                        }
                    }
                }
            }
        });
    }
}

TEST(PackedMatmul, Avx512PackerWritesTheReferencePackersBytes) {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the SIMD packer is x86-64 only";
#else
    if (cpu_features().best() != Isa::Avx512) GTEST_SKIP() << "no AVX-512 on this CPU";
    // Random bytes in every field (packing only moves bits), rows around whole groups, and a
    // range of groups that starts past 0 as the loader's workers do.
    std::mt19937 rng(5);
    for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K,
                       GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::F16, GgmlType::BF16}) {
        const int64_t cols = packed_k_quant(t) ? 768 : 160;
        for (int64_t rows : {16, 47, 48, 64}) {
            const size_t rb = row_size(t, cols);
            std::vector<uint8_t> src(rb * static_cast<size_t>(rows));
            for (auto& b : src) b = static_cast<uint8_t>(rng());
            const int64_t groups = (rows + kPackRows - 1) / kPackRows;
            const size_t bytes = packed_bytes(t, rows, cols);
            std::vector<uint8_t> ref(bytes, 0xA5), got(bytes, 0xA5), direct(bytes, 0xA5);
            pack_groups_scalar(t, src.data(), rows, cols, 0, groups, ref.data());
            pack_groups(t, src.data(), rows, cols, 0, 1, got.data());
            pack_groups(t, src.data(), rows, cols, 1, groups, got.data());
            EXPECT_EQ(got, ref) << type_traits(t)->name << " rows " << rows;
            // The SIMD packer alone on the whole groups.
            ASSERT_TRUE(pack_groups_avx512(t, src.data(), rb, cols, 0, rows / kPackRows, direct.data()));
            const size_t whole = static_cast<size_t>(rows / kPackRows) * packed_group_bytes(t, cols);
            EXPECT_TRUE(std::equal(direct.begin(), direct.begin() + static_cast<std::ptrdiff_t>(whole), ref.begin()))
                << type_traits(t)->name << " rows " << rows;
        }
    }
    EXPECT_FALSE(pack_groups_avx512(GgmlType::Q5_1, nullptr, 0, 256, 0, 0, nullptr));  // the scalar packer's
#endif
}

TEST(PackedMatmul, SizesAreTheFilesOwn) {
    // One group of 16 rows per 16 rows of the file: the packed copy costs no extra bytes
    // beyond the 64-byte padding of each group's scale table.
    EXPECT_EQ(packed_bytes(GgmlType::Q4_0, 1536, 8960), row_size(GgmlType::Q4_0, 8960) * 1536);
    EXPECT_EQ(packed_bytes(GgmlType::Q8_0, 256, 1536), row_size(GgmlType::Q8_0, 1536) * 256);
    EXPECT_EQ(packed_group_bytes(GgmlType::Q4_0, 32), 64u + 256u);  // scale table padded to 64
    EXPECT_EQ(packed_bytes(GgmlType::Q4_0, 17, 64), 2 * packed_group_bytes(GgmlType::Q4_0, 64));
    // Q4_K: 2368 bytes per 16 rows x 256 values, the file's 2304 plus the unpacked 6-bit scales.
    EXPECT_EQ(packed_bytes(GgmlType::Q4_K, 1536, 8960), 96u * 35u * 2368u);
    // Q5_K: 2880, the file's 2816 plus the same 64.
    EXPECT_EQ(packed_bytes(GgmlType::Q5_K, 1536, 8960), 96u * 35u * 2880u);
}

TEST(PackedMatmul, OtherPathsDoNotPack) {
    EXPECT_TRUE(packable(GgmlType::Q8_0, Isa::Avx2));
    EXPECT_FALSE(packable(GgmlType::Q4_0, Isa::Scalar));
    EXPECT_FALSE(packable(GgmlType::Q5_K, Isa::Scalar));
    EXPECT_FALSE(packable(GgmlType::F32, active_isa()));
}

}  // namespace
}  // namespace edgeseek

#include "engine/session.h"
#include "gguf/gguf_file.h"
#include "model/model.h"
#include "quantize/file_types.h"
#include "quantize/model_quantizer.h"
#include "test_support.h"

namespace edgeseek {
namespace {

// Largest |a - b| over each n_vocab-sized row of two logit arrays.
std::vector<double> row_differences(const std::vector<float>& a, const std::vector<float>& b, size_t nv) {
    std::vector<double> out;
    for (size_t pos = 0; pos + nv <= a.size(); pos += nv) {
        double worst = 0.0;
        for (size_t i = pos; i < pos + nv; ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
        out.push_back(worst);
    }
    return out;
}

// A real model through both layouts: the same logits up to float summation order. That order
// can flip an intermediate activation's quant where it sits on a rounding boundary, which
// moves the logits by a few 0.01 and, in a prompt, every later position through the cache
// (the tolerance against llama.cpp is 0.25).
TEST(PackedModel, RepackedAndPlainWeightsGiveTheSameLogits) {
    const std::pair<const char*, GgmlType> models[] = {{"models/tiny-qwen2-q4_0.gguf", GgmlType::Q4_0},
                                                       {"models/tiny-qwen2-q8_0.gguf", GgmlType::Q8_0},
                                                       {"models/tiny-qwen2-q4_k_m.gguf", GgmlType::Q4_K},
                                                       {"models/tiny-qwen2-q5_k_s.gguf", GgmlType::Q5_K},
                                                       {"models/tiny-qwen2-q3_k_s.gguf", GgmlType::Q3_K},
                                                       {"models/tiny-qwen2-q2_k.gguf", GgmlType::Q2_K},
                                                       {"models/tiny-qwen2-iq4_nl.gguf", GgmlType::IQ4_NL},
                                                       {"models/tiny-qwen2-f16.gguf", GgmlType::F16},
                                                       {"models/tiny-qwen2-q4_1.gguf", GgmlType::Q4_1},
                                                       {"models/tiny-qwen2-q5_0.gguf", GgmlType::Q5_0},
                                                       {"models/tiny-qwen2-q5_1.gguf", GgmlType::Q5_1},
                                                       {"models/tiny-qwen2-bf16.gguf", GgmlType::BF16},
                                                       {"models/tiny-llama-q4_k_m.gguf", GgmlType::Q4_K}};
    if (!packable(GgmlType::Q4_0)) GTEST_SKIP() << "no packed kernels on this CPU path";
    // No fixture holds IQ4_XS: the f32 model quantized to it (every matrix) here.
    const std::string f32 = test::fixture("models/tiny-qwen2-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(f32);
    test::TempDir tmp;
    const std::string iq4_xs = tmp.file("tiny-qwen2-iq4_xs.gguf");
    {
        auto in = GgufFile::open(f32);
        ModelQuantizer(*in, *file_type_from_name("iq4_xs"), /*pure=*/true).write(iq4_xs, QuantizeWriteOptions{});
    }
    std::vector<std::pair<std::string, GgmlType>> files;
    for (const auto& [name, type] : models) files.emplace_back(test::fixture(name), type);
    files.emplace_back(iq4_xs, GgmlType::IQ4_XS);
    for (const auto& [path, type] : files) {
        const std::string& name = path;
        EDGESEEK_REQUIRE_FIXTURE(path);
        if (!packable(type)) continue;  // a path without tiles for this type
        LoadOptions plain_opts;
        plain_opts.repack = false;
        auto packed = Model::load(path);
        auto plain = Model::load(path, plain_opts);
        EXPECT_GT(packed->packed_bytes(), 0u) << name;
        EXPECT_EQ(plain->packed_bytes(), 0u) << name;
        EXPECT_NE(packed->weights().layers[0].w_up.packed, nullptr) << name;
        const size_t nv = static_cast<size_t>(packed->config().n_vocab);
        Session a(*packed, 64, 2), b(*plain, 64, 2);
        // A prompt batch (the tiled path), every position's logits.
        const std::vector<int32_t> prompt = {1, 17, 230, 5, 99, 500, 42, 7, 300, 12, 64, 88, 3, 410, 27, 19, 250};
        for (double d : row_differences(a.eval(prompt, true), b.eval(prompt, true), nv)) EXPECT_LT(d, 0.25) << name;
        // Single tokens from an empty cache (the decode path), on identical inputs: a flip of an
        // int8 activation quant is rare enough here that at most one of eight may show one. F16
        // and BF16 round every activation to 11 or 8 significant bits, so float order flips
        // some of them in most tokens, by one step (2^-11 or 2^-8 of the value): those stay
        // within the tolerances their goldens against llama.cpp have (0.02, 0.05).
        int close = 0;
        const double float_tolerance = type == GgmlType::F16 ? 0.02 : 0.05;
        for (int32_t tok : {5, 99, 300, 42, 7, 128, 64, 411}) {
            a.truncate(0);
            b.truncate(0);
            const double d = row_differences(a.eval({tok}), b.eval({tok}), nv).at(0);
            EXPECT_LT(d, packed_float(type) ? float_tolerance : 0.25) << name << " token " << tok;
            close += d < 1e-3;
        }
        if (!packed_float(type)) {
            EXPECT_GE(close, 7) << name;
        }
    }
}

}  // namespace
}  // namespace edgeseek
