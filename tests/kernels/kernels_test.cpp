// Kernels against slow, obvious versions written here.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>

#include "kernels/attention.h"
#include "kernels/cpu_features.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"
#include "kernels/packed.h"
#include "kernels/vec_dot.h"
#include "kernels/thread_pool.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

TEST(ThreadPool, CoversEveryIndexOnce) {
    for (int threads : {1, 2, 3, 5}) {
        ThreadPool pool(threads);
        for (int64_t n : {0, 1, 2, 7, 1000}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            for (int rep = 0; rep < 3; ++rep) {
                pool.parallel_for(n, [&](int64_t b, int64_t e, int t) {
                    EXPECT_LT(t, threads);
                    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
                });
            }
            for (auto& h : hits) EXPECT_EQ(h.load(), 3) << "threads " << threads << " n " << n;
        }
    }
}

TEST(WorkSplit, AThreadReadsItsOwnStretchForwardThenTakesTheOthersFromTheBack) {
    using Run = std::pair<int64_t, int64_t>;
    auto runs_of = [](WorkSplit& split, int thread) {
        std::vector<Run> runs;
        for (WorkSplit::Run r = split.next(thread); !r.empty(); r = split.next(thread)) runs.emplace_back(r.begin, r.end);
        return runs;
    };
    // Thread 1 of 2 never claims: thread 0 takes its half front to back in runs of a quarter of
    // what is left (at least 1), then the other half from its back end.
    WorkSplit split(40, 2);
    // (20 left: 5; 15: 3; 12: 3; 9: 2; then ones.)
    EXPECT_EQ(runs_of(split, 0), (std::vector<Run>{{0, 5}, {5, 8}, {8, 11}, {11, 13}, {13, 14}, {14, 15}, {15, 16},
                                                   {16, 17}, {17, 18}, {18, 19}, {19, 20}, {35, 40}, {32, 35},
                                                   {29, 32}, {27, 29}, {26, 27}, {25, 26}, {24, 25}, {23, 24},
                                                   {22, 23}, {21, 22}, {20, 21}}));
    EXPECT_TRUE(split.next(1).empty());
    // Thread 2 of 3 starts at its own third.
    WorkSplit thirds(9, 3);
    EXPECT_EQ(thirds.next(2).begin, 6);
    EXPECT_EQ(thirds.next(0).begin, 0);
    EXPECT_EQ(thirds.next(1).begin, 3);
    // More threads than items: thread 5 owns item 0 and thread 11 item 1; thread 0, whose
    // range is empty, takes them in that order.
    WorkSplit few(2, 12);
    EXPECT_EQ(runs_of(few, 0), (std::vector<Run>{{0, 1}, {1, 2}}));
    EXPECT_TRUE(few.next(11).empty());
}

TEST(WorkSplit, EveryItemIsClaimedExactlyOnceUnderContention) {
    for (int threads : {2, 3, 9}) {
        for (int64_t n : {0, 1, 5, 1000, 100000}) {
            WorkSplit split(n, threads);
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            std::vector<std::thread> ts;
            for (int t = 0; t < threads; ++t) {
                ts.emplace_back([&, t] {
                    for (WorkSplit::Run r = split.next(t); !r.empty(); r = split.next(t)) {
                        for (int64_t i = r.begin; i < r.end; ++i) hits[static_cast<size_t>(i)]++;
                    }
                });
            }
            for (auto& t : ts) t.join();
            for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "item " << i << " n " << n;
        }
    }
}

// EDGESEEK_PREFETCH: decimal bytes, L1 alone, L1,L2, L1,L2,L1_ALONE or L1,L2,L1_ALONE,L2_ALONE,
// within bounds (L1_ALONE left out is L1, L2 and L2_ALONE left out are 0); anything else is
// refused (the kernels then keep the default and a warning names the value).
TEST(StreamPrefetch, ParsesL1L2AndL1AloneAndRefusesEverythingElse) {
    auto p = parse_stream_prefetch("8192");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l1, 8192u);
    EXPECT_EQ(p->l2, 0u);
    EXPECT_EQ(p->l1_alone, 8192u);
    EXPECT_EQ(p->l2_alone, 0u);
    p = parse_stream_prefetch("6144,32768");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l1, 6144u);
    EXPECT_EQ(p->l2, 32768u);
    EXPECT_EQ(p->l1_alone, 6144u);
    p = parse_stream_prefetch("64,0");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l2, 0u);
    p = parse_stream_prefetch("4096,16384,12288");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l1, 4096u);
    EXPECT_EQ(p->l2, 16384u);
    EXPECT_EQ(p->l1_alone, 12288u);
    EXPECT_EQ(p->l2_alone, 0u);
    p = parse_stream_prefetch("4096,16384,12288,8192");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l1_alone, 12288u);
    EXPECT_EQ(p->l2_alone, 8192u);
    p = parse_stream_prefetch("4096,16384,12288,0");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l2_alone, 0u);
    for (const char* bad : {"", "abc", "32", "-4096", "+4096", " 4096", "4096,", "4096,x", "4096,16384,1", "4096,16384,",
                            "4096,16384,8192,", "4096,16384,8192,x", "4096,16384,8192,4194305", "4096,16384,8192,8192,1",
                            "4096,16384,1048577", "0x1000", "1048577", "4096,4194305", "99999999999999999999999",
                            "4096;16384"}) {
        EXPECT_FALSE(parse_stream_prefetch(bad).has_value()) << bad;
    }
}

TEST(Ops, RmsNormMatchesDefinition) {
    const float x[4] = {1.0f, -2.0f, 3.0f, 0.5f};
    const float w[4] = {1.0f, 2.0f, 0.5f, -1.0f};
    float out[4];
    rmsnorm(out, x, w, 4, 1e-5f);
    const double ms = (1 + 4 + 9 + 0.25) / 4.0;
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(out[i], x[i] / std::sqrt(ms + 1e-5) * w[i], 1e-6);
}

TEST(Ops, RopePairsAndAngles) {
    // head_dim 4, base 10000: pair frequencies 1 and 0.01.
    RopeParams p;
    p.n_rot = 4;
    p.freq_base = 10000.0f;
    float normal[4] = {1, 0, 1, 0};
    p.neox = false;
    rope(normal, 3, p);
    EXPECT_NEAR(normal[0], std::cos(3.0), 1e-5);
    EXPECT_NEAR(normal[1], std::sin(3.0), 1e-5);
    EXPECT_NEAR(normal[2], std::cos(0.03), 1e-5);
    EXPECT_NEAR(normal[3], std::sin(0.03), 1e-5);
    float neox[4] = {1, 1, 0, 0};  // pairs (0,2) and (1,3)
    p.neox = true;
    rope(neox, 3, p);
    EXPECT_NEAR(neox[0], std::cos(3.0), 1e-5);
    EXPECT_NEAR(neox[2], std::sin(3.0), 1e-5);
    EXPECT_NEAR(neox[1], std::cos(0.03), 1e-5);
    EXPECT_NEAR(neox[3], std::sin(0.03), 1e-5);
    // llama3-style frequency factors divide each pair's angle.
    const float ff[2] = {2.0f, 1.0f};
    float scaled[4] = {1, 0, 1, 0};
    p.neox = false;
    p.freq_factors = ff;
    rope(scaled, 3, p);
    EXPECT_NEAR(scaled[0], std::cos(1.5), 1e-5);
    EXPECT_NEAR(scaled[2], std::cos(0.03), 1e-5);
}

TEST(Ops, SoftmaxAndSwiglu) {
    float x[3] = {1.0f, 2.0f, 3.0f};
    softmax(x, 3);
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    EXPECT_NEAR(x[2], std::exp(3.0) / z, 1e-6);
    const float g[2] = {0.0f, 2.0f}, u[2] = {3.0f, -1.0f};
    float o[2];
    swiglu(o, g, u, 2);
    EXPECT_NEAR(o[0], 0.0, 1e-7);
    EXPECT_NEAR(o[1], 2.0 / (1.0 + std::exp(-2.0)) * -1.0, 1e-6);
}

// matmul for every computable type == dot of the dequantized weight row with the
// dequantized (partner-type) activation row, and independent of the thread count.
TEST(Matmul, EveryTypeMatchesDequantizedReference) {
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    const int64_t cols = 512, rows = 37, tokens = 7;  // odd sizes: partial 4x4 tiles
    for (uint32_t id = 0; id < 40; ++id) {
        const TypeTraits* tr = type_traits_by_id(id);
        if (!tr || !tr->vec_dot || !tr->from_float || cols % tr->block_size) continue;
        const TypeTraits* at = type_traits(tr->vec_dot_type);
        std::vector<float> wf(static_cast<size_t>(cols * rows)), x(static_cast<size_t>(cols * tokens));
        for (auto& v : wf) v = nd(rng);
        for (auto& v : x) v = nd(rng);
        std::vector<uint8_t> wq(row_size(static_cast<GgmlType>(id), cols) * rows);
        for (int64_t r = 0; r < rows; ++r) tr->from_float(&wf[r * cols], wq.data() + r * row_size(static_cast<GgmlType>(id), cols), cols);
        TensorView W{wq.data(), static_cast<GgmlType>(id), cols, rows, "w"};
        std::vector<float> y1(static_cast<size_t>(rows * tokens)), y3(y1.size());
        ThreadPool p1(1), p3(3);
        matmul(W, x.data(), tokens, y1.data(), p1);
        matmul(W, x.data(), tokens, y3.data(), p3);
        for (int64_t t = 0; t < tokens; ++t) {
            std::vector<uint8_t> aq(row_size(tr->vec_dot_type, cols));
            at->from_float(&x[t * cols], aq.data(), cols);
            std::vector<float> adq(static_cast<size_t>(cols)), wdq(static_cast<size_t>(cols));
            at->to_float(aq.data(), adq.data(), cols);
            for (int64_t r = 0; r < rows; ++r) {
                dequantize_row(W, r, wdq.data());
                double ref = 0.0;
                for (int64_t i = 0; i < cols; ++i) ref += static_cast<double>(wdq[i]) * adq[i];
                // The format's own dot product (scalar reference) on the same quantized rows.
                const float fmt = tr->vec_dot(cols, W.row(r), aq.data());
                EXPECT_NEAR(y1[t * rows + r], fmt, 1e-4 * (1.0 + std::fabs(fmt))) << tr->name << " row " << r;
                // And the plain dot of dequantized values, except for Q8_1 partners, whose
                // stored f16 block sums make the format itself differ by ~1e-3 relative.
                if (tr->vec_dot_type != GgmlType::Q8_1) {
                    EXPECT_NEAR(y1[t * rows + r], ref, 1e-3 * (1.0 + std::fabs(ref))) << tr->name << " row " << r;
                }
                EXPECT_EQ(y1[t * rows + r], y3[t * rows + r]) << tr->name;
            }
        }
    }
}

}  // namespace
}  // namespace edgeseek

namespace edgeseek {
namespace {

// Every SIMD dot product against the scalar reference, on every path this CPU can run,
// with block counts that exercise the tails (1, 3, 17 blocks...).
TEST(VecDot, SimdPathsMatchScalarReference) {
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    int checked = 0;
    for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        for (uint32_t id = 0; id < 40; ++id) {
            const TypeTraits* tr = type_traits_by_id(id);
            if (!tr || !tr->vec_dot || !tr->from_float) continue;
            const GgmlType t = static_cast<GgmlType>(id);
            const VecDotFn simd = vec_dot_kernel(t, isa);
            if (simd == tr->vec_dot) continue;  // no specialisation on this path
            const TypeTraits* at = type_traits(tr->vec_dot_type);
            for (int64_t blocks : {1, 2, 3, 5, 17, 64}) {
                const int64_t bs = std::max<int64_t>(tr->block_size, at->block_size);
                for (int64_t extra : {int64_t{0}, bs == 1 ? int64_t{7} : int64_t{0}}) {
                    const int64_t n = blocks * (bs == 1 ? 16 : bs) + extra;
                    std::vector<float> w(static_cast<size_t>(n)), a(static_cast<size_t>(n));
                    for (auto& v : w) v = nd(rng);
                    for (auto& v : a) v = nd(rng);
                    std::vector<uint8_t> wq(row_size(t, n)), aq(row_size(tr->vec_dot_type, n));
                    tr->from_float(w.data(), wq.data(), n);
                    at->from_float(a.data(), aq.data(), n);
                    const float ref = tr->vec_dot(n, wq.data(), aq.data());
                    const float got = simd(n, wq.data(), aq.data());
                    EXPECT_NEAR(got, ref, 1e-4 * (std::sqrt(static_cast<double>(n)) + std::fabs(ref)))
                        << tr->name << " on " << isa_name(isa) << " n=" << n;
                    ++checked;
                }
            }
        }
    }
    if (cpu_features().best() != Isa::Scalar) {
        EXPECT_GT(checked, 0);
    }
}

// The single-row kernels that ask for the bytes ahead (decode's path for the K-quants) compute
// what the plain kernel of that ISA does, bit for bit, whatever the distances; and the plain
// kernel agrees with the scalar reference. They exist on the AVX-512 path only, which is asked
// for by name: the path in use may have been forced elsewhere (EDGESEEK_ISA).
TEST(VecDot, AheadKernelsEqualThePlainOnes) {
    std::mt19937 rng(29);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (GgmlType t : {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
        EXPECT_EQ(vec_dot_ahead_kernel(t, Isa::Scalar), nullptr) << type_name(t);
        EXPECT_EQ(vec_dot_ahead_kernel(t, Isa::Avx2), nullptr) << type_name(t);
    }
    if (cpu_features().best() != Isa::Avx512) GTEST_SKIP() << "no AVX-512 on this CPU (the only path with these kernels)";
    int checked = 0;
    for (GgmlType t : {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
        const VecDotAheadFn ahead = vec_dot_ahead_kernel(t, Isa::Avx512);
        ASSERT_NE(ahead, nullptr) << type_name(t);
        const VecDotFn plain = vec_dot_kernel(t, Isa::Avx512);
        const TypeTraits* tr = type_traits(t);
        const TypeTraits* at = type_traits(tr->vec_dot_type);
        for (int64_t blocks : {1, 3, 6, 35}) {
            const int64_t n = blocks * tr->block_size;
            std::vector<uint8_t> wq(row_size(t, n)), aq(row_size(tr->vec_dot_type, n));
            std::vector<float> v(static_cast<size_t>(n));
            for (auto& x : v) x = nd(rng);
            tr->from_float(v.data(), wq.data(), n);
            for (auto& x : v) x = nd(rng);
            at->from_float(v.data(), aq.data(), n);
            const float want = plain(n, wq.data(), aq.data());
            EXPECT_EQ(ahead(n, wq.data(), aq.data(), 0, 0), want) << tr->name << " blocks=" << blocks;
            EXPECT_EQ(ahead(n, wq.data(), aq.data(), 4096, 8192), want) << tr->name << " blocks=" << blocks;
            EXPECT_EQ(ahead(n, wq.data(), aq.data(), 64, 0), want) << tr->name << " blocks=" << blocks;
            const float ref = tr->vec_dot(n, wq.data(), aq.data());
            EXPECT_NEAR(want, ref, 1e-4 * (std::sqrt(static_cast<double>(n)) + std::fabs(ref))) << tr->name;
            ++checked;
        }
    }
    EXPECT_EQ(checked, 12);
}

// The four-row decode kernels against the scalar reference row by row: odd and even block
// counts (Q4_0/Q8_0: the last block alone), on every path that has them, in each build.
TEST(VecDot, FourRowKernelsMatchScalarReference) {
    std::mt19937 rng(23);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    int checked = 0;
    const bool gfni_was = packed_gfni_enabled(), vnni_was = packed_avx_vnni_enabled();
    for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q5_K}) {
            const TypeTraits* tr = type_traits(t);
            const bool kquant = tr->block_size == 256;
            // The variants vec_dot4_kernel chooses between: built with and without GFNI
            // (AVX-512 K-quants) or AVX-VNNI (AVX2).
            for (bool alt : {false, true}) {
                if (alt && (isa == Isa::Avx512 ? !kquant || !cpu_features().gfni : !cpu_features().avxvnni)) continue;
                set_packed_gfni_enabled(alt);
                set_packed_avx_vnni_enabled(alt);
                const VecDot4Fn dot4 = vec_dot4_kernel(t, isa);
                if (!dot4) continue;
                const TypeTraits* at = type_traits(tr->vec_dot_type);
                for (int64_t blocks : {1, 2, 3, 7, 48, 49}) {
                    if (kquant && blocks > 7) continue;  // 1..7 super-blocks: up to 1792 values
                    const int64_t n = blocks * tr->block_size;
                    const size_t rb = row_size(t, n);
                    std::vector<uint8_t> wq(4 * rb), aq(row_size(tr->vec_dot_type, n));
                    std::vector<float> v(static_cast<size_t>(n));
                    for (int r = 0; r < 4; ++r) {
                        // Values with an offset, so the K-quants' mins are far from zero.
                        for (auto& x : v) x = nd(rng) * static_cast<float>(r + 1) + (kquant ? 0.7f * static_cast<float>(r) : 0.0f);
                        tr->from_float(v.data(), wq.data() + static_cast<size_t>(r) * rb, n);
                    }
                    for (auto& x : v) x = nd(rng);
                    at->from_float(v.data(), aq.data(), n);
                    float got[4];
                    dot4(n, wq.data(), rb, aq.data(), got, 4096, 8192);  // the prefetches change nothing
                    for (int r = 0; r < 4; ++r) {
                        const float ref = tr->vec_dot(n, wq.data() + static_cast<size_t>(r) * rb, aq.data());
                        EXPECT_NEAR(got[r], ref, 1e-4 * (std::sqrt(static_cast<double>(n)) + std::fabs(ref)))
                             << tr->name << " on " << isa_name(isa) << (alt ? " (GFNI / AVX-VNNI build)" : "") << " blocks=" << blocks << " row " << r;
                    }
                    ++checked;
                }
            }
        }
    }
    set_packed_gfni_enabled(gfni_was);
    set_packed_avx_vnni_enabled(vnni_was);
    if (cpu_features().best() == Isa::Avx512) {
        // AVX2: Q4_0, Q8_0 x 6 block counts and Q4_K, Q5_K x 4 super-block counts, x (1 or 2
        // builds); AVX-512: Q4_0, Q8_0 the same once, Q4_K, Q5_K x (1 or 2 builds).
        EXPECT_EQ(checked, 20 * (cpu_features().avxvnni ? 2 : 1) + 12 + 8 * (cpu_features().gfni ? 2 : 1));
    }
}

// Attention over an f16 cache, grouped (query heads sharing one KV head), against the scalar
// reference (which rounds Q and the softmax weights to f16 as llama.cpp does): group sizes up
// to the 8 kept in registers and past them, head sizes with and without a 16-value tail (20:
// AVX-512's 4-value tail, AVX2's scalar fallback), position counts around the 16 keys (AVX2: 8)
// reduced together and around the 64-position blocks the values are weighed in (each block
// adding to the ones before it); every SIMD path this CPU has (AVX-512, AVX2).
TEST(Attention, GroupedSimdMatchesScalarReference) {
    int tested = 0;
    for (Isa isa : {Isa::Avx512, Isa::Avx2}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        ++tested;
        const AttendGroupFn f = attend_heads_kernel(isa);
        ASSERT_NE(f, attend_heads_scalar);
        std::mt19937 rng(9);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        for (int64_t G : {1, 2, 5, 6, 8, 11}) {
            for (int64_t D : {8, 20, 64, 80, 128}) {
                for (int64_t n_pos : {1, 2, 15, 16, 17, 63, 64, 65, 129, 300}) {
                    const int64_t stride = 2 * D + 8;  // another head's values in between, as in the cache
                    std::vector<uint16_t> k(static_cast<size_t>(n_pos * stride)), v(k.size());
                    for (auto& x : k) x = fp32_to_fp16(nd(rng) * 2.0f);
                    for (auto& x : v) x = fp32_to_fp16(nd(rng));
                    std::vector<float> q(static_cast<size_t>(G * D)), s1(static_cast<size_t>(G * n_pos)), s2(s1.size());
                    for (auto& x : q) x = nd(rng) * 2.0f;
                    std::vector<float> want(static_cast<size_t>(G * D) + 1, 7.0f), got(want.size(), 7.0f);
                    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
                    attend_heads_scalar(q.data(), G, k.data(), v.data(), stride, n_pos, D, scale, s1.data(), want.data());
                    f(q.data(), G, k.data(), v.data(), stride, n_pos, D, scale, s2.data(), got.data());
                    for (int64_t i = 0; i < G * D; ++i) {
                        const float w = want[static_cast<size_t>(i)];
                        // As in TokenBatchesMatchScalarReference: a softmax weight one f32 ulp off
                        // may round to the neighbouring f16; over 300 positions that reaches 3e-4.
                        ASSERT_NEAR(got[static_cast<size_t>(i)], w, 5e-4f + 1e-3f * std::fabs(w)) << isa_name(isa) << " G=" << G
                                                                                              << " D=" << D << " n_pos=" << n_pos
                                                                                              << " head " << i / D << " d=" << i % D;
                    }
                    EXPECT_EQ(got[static_cast<size_t>(G * D)], 7.0f) << "wrote past the last head";
                }
            }
        }
    }
    if (tested == 0) GTEST_SKIP() << "no AVX2 on this CPU";
}

// Several consecutive query tokens at once (a prompt's tokens, each attending up to its own
// position) against the scalar reference run token by token: groups whose rows fill the
// 8-row score tiles and leave remainders, fewer rows than the transpose pays for (the per-token
// path), head sizes with a 16-value tail, first positions on and off a 16-key boundary, the
// keys all tokens share ending on a 64-position value block (pos0 63: the later tokens' own
// keys then start a block), and more tokens than one AVX-512 call takes (5, 9: split in fours).
TEST(Attention, TokenBatchesMatchScalarReference) {
    int tested = 0;
    for (Isa isa : {Isa::Avx512, Isa::Avx2}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        ++tested;
        const AttendTokensFn f = attend_tokens_kernel(isa);
        ASSERT_NE(f, attend_tokens_scalar);
        std::mt19937 rng(10);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        for (int64_t G : {1, 3, 6, 7, 8, 11}) {
            for (int64_t D : {8, 80, 128}) {
                for (int64_t pos0 : {0, 5, 16, 63, 290, 1100}) {
                    // Past the converted values' first block of 512 positions: one group and size.
                    if (pos0 > 512 && (G != 6 || D != 80)) continue;
                    for (int64_t n_tok : {1, 2, 3, 4, 5, 9}) {
                        const int64_t n_max = pos0 + n_tok, stride = 2 * D + 8;
                        const int64_t q_stride = G * D + 3, out_stride = G * D + 5;  // rows apart, as in the batch
                        std::vector<uint16_t> k(static_cast<size_t>(n_max * stride)), v(k.size());
                        for (auto& x : k) x = fp32_to_fp16(nd(rng) * 2.0f);
                        for (auto& x : v) x = fp32_to_fp16(nd(rng));
                        std::vector<float> q(static_cast<size_t>(n_tok * q_stride));
                        for (auto& x : q) x = nd(rng) * 2.0f;
                        std::vector<float> s1(static_cast<size_t>(n_tok * G * n_max)), s2(s1.size());
                        std::vector<float> want(static_cast<size_t>(n_tok * out_stride), 7.0f), got(want.size(), 7.0f);
                        const float scale = 1.0f / std::sqrt(static_cast<float>(D));
                        attend_tokens_scalar(q.data(), q_stride, n_tok, G, k.data(), v.data(), stride, pos0, D, scale, s1.data(),
                                             want.data(), out_stride);
                        f(q.data(), q_stride, n_tok, G, k.data(), v.data(), stride, pos0, D, scale, s2.data(), got.data(), out_stride,
                          nullptr, nullptr);
                        // With the keys converted beforehand (as the model does once per layer,
                        // here with 16 more cached positions than the tokens need): the same
                        // floats, bit for bit.
                        if (const ConvertKeysFn convert = convert_keys_kernel(isa)) {
                            std::vector<uint16_t> k2(k);
                            k2.resize(static_cast<size_t>((n_max + 16) * stride));
                            for (size_t i = k.size(); i < k2.size(); ++i) k2[i] = fp32_to_fp16(nd(rng) * 2.0f);
                            std::vector<float> kbuf(static_cast<size_t>(converted_keys_floats(n_max + 16, D) + 16), -3.0f);
                            float* keys = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(kbuf.data()) + 63) & ~uintptr_t{63});
                            convert(k2.data(), stride, 0, 16, D, keys);  // in two calls, as threads share it out
                            convert(k2.data(), stride, 16, n_max + 16, D, keys);
                            std::vector<float> got2(want.size(), 7.0f);
                            f(q.data(), q_stride, n_tok, G, k2.data(), v.data(), stride, pos0, D, scale, s2.data(), got2.data(),
                              out_stride, keys, nullptr);
                            for (size_t i = 0; i < want.size(); ++i) {
                                ASSERT_EQ(got2[i], got[i]) << isa_name(isa) << " converted keys: G=" << G << " D=" << D
                                                           << " pos0=" << pos0 << " n_tok=" << n_tok << " at " << i;
                            }
                            // And the values converted too (over more positions than needed, in
                            // two calls), the cache's values poisoned where the kernel should
                            // read the converted ones (positions 0 .. pos0): the same floats.
                            if (const ConvertValuesFn convert_v = convert_values_kernel(isa)) {
                                std::vector<float> vbuf(static_cast<size_t>(converted_values_floats(n_max + 16, D) + 16), -3.0f);
                                float* vals = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(vbuf.data()) + 63) & ~uintptr_t{63});
                                std::vector<uint16_t> v2(v);
                                v2.resize(static_cast<size_t>((n_max + 16) * stride), fp32_to_fp16(0.5f));
                                convert_v(v2.data(), stride, 0, 16, D, vals);
                                convert_v(v2.data(), stride, 16, n_max + 16, D, vals);
                                // Where the kernel takes the block whole (one call of at most
                                // kAttendTokens tokens, enough rows): the values every token sees
                                // come from the converted ones, the few past pos0 from the cache.
                                const bool whole = n_tok <= kAttendTokens && n_tok * G >= kAttendRowsMin && G <= 8;
                                for (int64_t p = 0; p <= pos0 && whole; ++p) {
                                    for (int64_t d = 0; d < D; ++d) v2[static_cast<size_t>(p * stride + d)] = fp32_to_fp16(1000.0f);
                                }
                                std::vector<float> got3(want.size(), 7.0f);
                                f(q.data(), q_stride, n_tok, G, k2.data(), v2.data(), stride, pos0, D, scale, s2.data(), got3.data(),
                                  out_stride, keys, vals);
                                for (size_t i = 0; i < want.size(); ++i) {
                                    ASSERT_EQ(got3[i], got[i]) << isa_name(isa) << " converted values: G=" << G << " D=" << D
                                                               << " pos0=" << pos0 << " n_tok=" << n_tok << " at " << i;
                                }
                            }
                        }
                        // A softmax weight whose f32 value differs from the reference's in its last
                        // bits (scores summed in another order) may round to the neighbouring f16,
                        // 2^-10 of the weight away: each output may move by up to 2^-10 * sum over
                        // positions of weight * |value|, the reference's weights taken from its
                        // scratch (a causal mask one key off moves it by ~weight * value, 3e-3
                        // at 290 keys, well past that).
                        std::vector<float> bound(want.size(), 0.0f);
                        for (int64_t i = 0; i < n_tok; ++i) {
                            const int64_t n_pos = pos0 + i + 1;
                            std::vector<float> w(static_cast<size_t>(G * n_pos)), o(static_cast<size_t>(G * D));
                            attend_heads_scalar(&q[static_cast<size_t>(i * q_stride)], G, k.data(), v.data(), stride, n_pos, D, scale,
                                                w.data(), o.data());
                            for (int64_t g = 0; g < G; ++g) {
                                for (int64_t p = 0; p < n_pos; ++p) {
                                    for (int64_t d = 0; d < D; ++d) {
                                        bound[static_cast<size_t>(i * out_stride + g * D + d)] +=
                                            w[static_cast<size_t>(g * n_pos + p)] *
                                            std::fabs(fp16_to_fp32(v[static_cast<size_t>(p * stride + d)]));
                                    }
                                }
                            }
                        }
                        for (size_t i = 0; i < want.size(); ++i) {
                            const float w = want[i];
                            ASSERT_NEAR(got[i], w, 1e-4f + 1e-4f * std::fabs(w) + bound[i] / 1024.0f)
                                << isa_name(isa) << " G=" << G << " D=" << D << " pos0=" << pos0 << " n_tok=" << n_tok << " at " << i;
                        }
                    }
                }
            }
        }
    }
    if (tested == 0) GTEST_SKIP() << "no AVX2 on this CPU";
}

// The AVX-512 converted keys' layout (attention.h): block b of 16 positions at b * 16 * row
// floats, dimension d of its keys at 16 * d, zeros past head_dim and past the last key; a range
// [p0, p1) writes its own blocks only. (The AVX2 layout is checked through attend_tokens in
// TokenBatchesMatchScalarReference.)
TEST(Attention, ConvertedKeysLayout) {
    const ConvertKeysFn convert = convert_keys_kernel(Isa::Avx512);
    EXPECT_EQ(convert_keys_kernel(Isa::Scalar), nullptr);
    if (cpu_features().best() != Isa::Avx512) GTEST_SKIP() << "no AVX-512 on this CPU";
    ASSERT_NE(convert, nullptr);
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (int64_t D : {8, 20, 128}) {
        for (int64_t n_pos : {1, 17, 40}) {
            const int64_t stride = 2 * D + 8, row = (D + 15) / 16 * 16;
            ASSERT_EQ(converted_keys_floats(n_pos, D), (n_pos + 15) / 16 * 16 * row);
            std::vector<uint16_t> k(static_cast<size_t>(n_pos * stride));
            for (auto& x : k) x = fp32_to_fp16(nd(rng));
            std::vector<float> buf(static_cast<size_t>(converted_keys_floats(n_pos, D) + 16), -3.0f);
            float* keys = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t{63});
            const int64_t p0 = n_pos > 16 ? 16 : 0;
            convert(k.data(), stride, p0, n_pos, D, keys);
            for (int64_t p = 0; p < (n_pos + 15) / 16 * 16; ++p) {
                for (int64_t d = 0; d < row; ++d) {
                    const float got = keys[(p / 16) * 16 * row + 16 * d + p % 16];
                    const float want =
                        p < p0 ? -3.0f : (p < n_pos && d < D) ? fp16_to_fp32(k[static_cast<size_t>(p * stride + d)]) : 0.0f;
                    ASSERT_EQ(got, want) << "D=" << D << " n_pos=" << n_pos << " position " << p << " dimension " << d;
                }
            }
        }
    }
}

// The converted values' layout (attention.h), the same for AVX-512 and AVX2: position p at p *
// row floats, zeros past head_dim; a range [p0, p1) writes its own positions only.
TEST(Attention, ConvertedValuesLayout) {
    EXPECT_EQ(convert_values_kernel(Isa::Scalar), nullptr);
    int tested = 0;
    for (Isa isa : {Isa::Avx512, Isa::Avx2}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        ++tested;
        const ConvertValuesFn convert = convert_values_kernel(isa);
        ASSERT_NE(convert, nullptr);
        std::mt19937 rng(12);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        // (AVX2 converts only the head sizes its kernels take, multiples of 8.)
        for (int64_t D : isa == Isa::Avx2 ? std::vector<int64_t>{8, 24, 128} : std::vector<int64_t>{8, 20, 128}) {
            for (int64_t n_pos : {1, 17, 40}) {
                const int64_t stride = 2 * D + 8, row = (D + 15) / 16 * 16;
                ASSERT_EQ(converted_values_floats(n_pos, D), n_pos * row);
                std::vector<uint16_t> v(static_cast<size_t>(n_pos * stride));
                for (auto& x : v) x = fp32_to_fp16(nd(rng));
                std::vector<float> buf(static_cast<size_t>(converted_values_floats(n_pos + 1, D) + 16), -3.0f);
                float* vals = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t{63});
                const int64_t p0 = n_pos > 16 ? 16 : 0;
                convert(v.data(), stride, p0, n_pos, D, vals);
                for (int64_t p = 0; p <= n_pos; ++p) {
                    for (int64_t d = 0; d < row; ++d) {
                        const float got = vals[p * row + d];
                        const float want = p < p0 || p == n_pos ? -3.0f
                                           : d < D                ? fp16_to_fp32(v[static_cast<size_t>(p * stride + d)])
                                                                  : 0.0f;
                        ASSERT_EQ(got, want) << isa_name(isa) << " D=" << D << " n_pos=" << n_pos << " position " << p
                                             << " dimension " << d;
                    }
                }
            }
        }
    }
    if (tested == 0) GTEST_SKIP() << "no AVX2 on this CPU";
}

}  // namespace
}  // namespace edgeseek

namespace edgeseek {
namespace {

// The vectorised softmax and SwiGLU (polynomial exp) against the std::exp references, over
// the whole range the model feeds them: sizes with tails, large negative and positive inputs,
// masked (-inf) scores.
// Rows apart in memory (the FFN's gate/up products come as 16 rows x tokens blocks, the hidden
// state as tokens x n_ff): each row at its own stride, every other value untouched, and in place.
TEST(Ops, SwigluRowsTakesEachRowAtItsStride) {
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> ud(-12.0f, 12.0f);
    const int64_t n = 21, rows = 5, ld = 32, ldo = 27;
    std::vector<float> g(static_cast<size_t>(rows * ld)), u(g.size());
    for (auto& v : g) v = ud(rng);
    for (auto& v : u) v = ud(rng);
    struct Restore {
        Isa isa;
        ~Restore() { set_active_isa(isa); }
    } restore{active_isa()};
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        set_active_isa(isa);
        std::vector<float> out(static_cast<size_t>(rows * ldo), 123.0f), in_place = g;
        swiglu_rows(out.data(), ldo, g.data(), u.data(), ld, n, rows);
        swiglu_rows(in_place.data(), ld, in_place.data(), u.data(), ld, n, rows);
        for (int64_t t = 0; t < rows; ++t) {
            for (int64_t i = 0; i < ldo; ++i) {
                const float x = g[t * ld + i], want = x / (1.0f + std::exp(-x)) * u[t * ld + i];
                if (i >= n) {
                    ASSERT_EQ(out[t * ldo + i], 123.0f) << isa_name(isa) << " row " << t << " at " << i;
                    continue;
                }
                ASSERT_NEAR(out[t * ldo + i], want, 1e-6f * std::fabs(want) + 1e-30f) << isa_name(isa) << " row " << t;
                ASSERT_EQ(in_place[t * ld + i], out[t * ldo + i]) << isa_name(isa) << " row " << t << " at " << i;
            }
            for (int64_t i = n; i < ld; ++i) ASSERT_EQ(in_place[t * ld + i], g[t * ld + i]) << "past the row's end";
        }
    }
}

// The KV cache's f16 stores: every path bit for bit as fp32_to_fp16 (the IEEE conversion,
// round to nearest even) on random values, ties, the subnormal and overflow edges, infinities
// and NaNs with payloads; odd lengths, nothing written past n.
TEST(Ops, Fp16RowsRoundAsTheScalarConversion) {
    std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 65504.0f, 65519.99f, 65520.0f, -65520.0f, 1e-8f, -1e-8f,
                            5.96e-8f, 2.98e-8f, 2.99e-8f, 6.1e-5f, 6.097e-5f, 1.0009765625f, 1.00048828125f,
                            1.00146484375f, INFINITY, -INFINITY, std::numeric_limits<float>::quiet_NaN(),
                            -std::numeric_limits<float>::quiet_NaN()};
    uint32_t payload_nan = 0x7f812345u, neg_payload_nan = 0xffc00001u;
    float f;
    std::memcpy(&f, &payload_nan, 4);
    x.push_back(f);
    std::memcpy(&f, &neg_payload_nan, 4);
    x.push_back(f);
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (int i = 0; i < 1000; ++i) x.push_back(nd(rng) * std::pow(10.0f, static_cast<float>(i % 13) - 7.0f));
    struct Restore {
        Isa isa;
        ~Restore() { set_active_isa(isa); }
    } restore{active_isa()};
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        set_active_isa(isa);
        for (int64_t n : {int64_t{1}, int64_t{15}, int64_t{17}, static_cast<int64_t>(x.size())}) {
            std::vector<uint16_t> out(static_cast<size_t>(n) + 3, 0xabcd);
            fp32_to_fp16_row(out.data(), x.data(), n);
            for (int64_t i = 0; i < n; ++i) {
                ASSERT_EQ(out[i], fp32_to_fp16(x[i])) << isa_name(isa) << " value " << x[i] << " at " << i;
            }
            for (size_t i = static_cast<size_t>(n); i < out.size(); ++i) ASSERT_EQ(out[i], 0xabcd) << "written past n";
        }
    }
}

// Each SIMD path this CPU has (AVX-512's scalef, AVX2's exponent built in two halves), over
// the range the model feeds them: odd lengths, masked (-inf) scores, inputs far enough below 0
// that exp underflows to subnormals and 0.
TEST(Ops, SimdSoftmaxAndSwigluMatchScalarReference) {
    using SoftmaxFn = void (*)(float*, int64_t);
    using SwigluFn = void (*)(float*, int64_t, const float*, const float*, int64_t, int64_t, int64_t);
    struct Path {
        Isa isa;
        SoftmaxFn softmax;
        SwigluFn swiglu;
    };
    int tested = 0;
    for (const Path& path : {Path{Isa::Avx512, softmax_avx512, swiglu_avx512}, Path{Isa::Avx2, softmax_avx2, swiglu_avx2}}) {
        if (static_cast<int>(path.isa) > static_cast<int>(cpu_features().best())) continue;
        ++tested;
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> ud(-60.0f, 60.0f);
        for (int64_t n : {1, 7, 8, 9, 16, 17, 100, 1031, 151936}) {
            std::vector<float> x(static_cast<size_t>(n)), y(x.size());
            for (auto& v : x) v = ud(rng);
            if (n > 20) x[5] = x[9] = -INFINITY;
            std::vector<float> a = x, b = x;
            softmax_scalar(a.data(), n);
            path.softmax(b.data(), n);
            for (int64_t i = 0; i < n; ++i) {
                ASSERT_NEAR(b[i], a[i], 4e-6f * a[i] + 1e-37f) << isa_name(path.isa) << " softmax n " << n << " at " << i;
            }
            for (auto& v : y) v = ud(rng) * 0.1f;
            std::vector<float> o1(x.size()), o2(x.size());
            for (auto& v : x) v = std::isinf(v) ? -90.0f : v;
            if (n > 20) x[3] = 95.0f, x[4] = -104.5f, x[6] = 88.5f;  // exp(-x) past its clamps, and near the top
            swiglu_scalar(o1.data(), n, x.data(), y.data(), n, n, 1);
            path.swiglu(o2.data(), n, x.data(), y.data(), n, n, 1);
            for (int64_t i = 0; i < n; ++i) {
                ASSERT_NEAR(o2[i], o1[i], 1e-6f * std::fabs(o1[i]) + 1e-30f)
                    << isa_name(path.isa) << " swiglu n " << n << " at " << i << " x " << x[i];
            }
        }
    }
    if (tested == 0) GTEST_SKIP() << "no AVX2 on this CPU";
}

// The RMS norm (alone and after the residual add), the add and RoPE on each SIMD path this CPU
// has, bit for bit as the scalar references: odd lengths and tails, no scale vector, in place,
// both RoPE pairings, partly rotated heads (the dims past n_rot untouched), nothing written past n.
TEST(Ops, SimdNormAddAndRopeMatchScalarBitForBit) {
    using NormFn = void (*)(float*, const float*, const float*, int64_t, float);
    using AddNormFn = void (*)(float*, const float*, float*, const float*, int64_t, float);
    using AddFn = void (*)(float*, const float*, int64_t);
    using RopeFn = void (*)(float*, const float*, const float*, const RopeParams&);
    struct Path {
        Isa isa;
        NormFn norm;
        AddNormFn add_norm;
        AddFn add;
        RopeFn rope;
    };
    const auto bits = [](float v) {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        return u;
    };
    int tested = 0;
    for (const Path& path : {Path{Isa::Avx512, rmsnorm_avx512, add_rmsnorm_avx512, add_avx512, rope_apply_avx512},
                             Path{Isa::Avx2, rmsnorm_avx2, add_rmsnorm_avx2, add_avx2, rope_apply_avx2}}) {
        if (static_cast<int>(path.isa) > static_cast<int>(cpu_features().best())) continue;
        ++tested;
        const char* name = isa_name(path.isa);
        std::mt19937 rng(17);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        for (int64_t n : {1, 3, 7, 8, 9, 15, 16, 17, 33, 128, 1536, 3587}) {
            std::vector<float> x(static_cast<size_t>(n) + 4), b(x.size()), w(x.size());
            for (size_t i = 0; i < x.size(); ++i) {
                x[i] = nd(rng) * (i % 97 == 5 ? 300.0f : 2.0f);  // a few outliers, as real activations have
                b[i] = nd(rng);
                w[i] = 1.0f + 0.3f * nd(rng);
            }
            for (const float* scale : {static_cast<const float*>(w.data()), static_cast<const float*>(nullptr)}) {
                std::vector<float> want(x.size(), -7.0f), got(x.size(), -7.0f);
                rmsnorm_scalar(want.data(), x.data(), scale, n, 1e-6f);
                path.norm(got.data(), x.data(), scale, n, 1e-6f);
                for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(bits(got[i]), bits(want[i])) << name << " rmsnorm n " << n << " at " << i;
                std::vector<float> in_place = x;
                path.norm(in_place.data(), in_place.data(), scale, n, 1e-6f);
                for (int64_t i = 0; i < n; ++i) ASSERT_EQ(bits(in_place[i]), bits(want[i])) << name << " in place n " << n;
                std::vector<float> xa = x, xb = x, oa(x.size(), -7.0f), ob(x.size(), -7.0f);
                add_rmsnorm_scalar(xa.data(), b.data(), oa.data(), scale, n, 1e-6f);
                path.add_norm(xb.data(), b.data(), ob.data(), scale, n, 1e-6f);
                for (size_t i = 0; i < x.size(); ++i) {
                    ASSERT_EQ(bits(xb[i]), bits(xa[i])) << name << " add_rmsnorm's sum n " << n << " at " << i;
                    ASSERT_EQ(bits(ob[i]), bits(oa[i])) << name << " add_rmsnorm n " << n << " at " << i;
                }
                for (int64_t i = 0; i < n; ++i) ASSERT_EQ(xa[i], x[i] + b[i]) << "the reference's sum";
            }
            std::vector<float> sa = x, sb = x;
            add_scalar(sa.data(), b.data(), n);
            path.add(sb.data(), b.data(), n);
            for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(bits(sb[i]), bits(sa[i])) << name << " add n " << n << " at " << i;
        }
        for (int n_rot : {2, 4, 6, 14, 16, 30, 32, 64, 128}) {
            for (bool neox : {false, true}) {
                RopeParams p;
                p.n_rot = n_rot;
                p.neox = neox;
                p.freq_base = 1e6f;
                const int head = n_rot + 6;  // dims past n_rot stay as they are
                std::vector<float> cs(static_cast<size_t>(n_rot / 2)), sn(cs.size());
                rope_angles(4093, p, cs.data(), sn.data());
                std::vector<float> x(static_cast<size_t>(head) + 3);
                for (auto& v : x) v = nd(rng);
                std::vector<float> a = x, bv = x;
                rope_apply_scalar(a.data(), cs.data(), sn.data(), p);
                path.rope(bv.data(), cs.data(), sn.data(), p);
                for (size_t i = 0; i < x.size(); ++i) {
                    ASSERT_EQ(bits(bv[i]), bits(a[i])) << name << " rope n_rot " << n_rot << (neox ? " neox" : "") << " at " << i;
                    if (static_cast<int>(i) >= n_rot) {
                        ASSERT_EQ(a[i], x[i]) << "past n_rot";
                    }
                }
                // The reference rotates each pair: its length is kept.
                const int half = n_rot / 2;
                for (int i = 0; i < half; ++i) {
                    const int i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
                    ASSERT_NEAR(std::hypot(a[i0], a[i1]), std::hypot(x[i0], x[i1]), 1e-5f * (1.0f + std::hypot(x[i0], x[i1])));
                }
            }
        }
    }
    if (tested == 0) GTEST_SKIP() << "no AVX2 on this CPU";
}

}  // namespace
}  // namespace edgeseek
