// The decode's prefetch tuner (kernels/prefetch_tuner.h): which passes run the other setting,
// when it switches and when it must not, and that the setting never changes a product.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/mapped_file.h"
#include "kernels/cpu_features.h"
#include "kernels/matmul.h"
#include "kernels/packed.h"
#include "kernels/prefetch_tuner.h"
#include "kernels/thread_pool.h"
#include "quant/types.h"

namespace edgeseek {
namespace {

// The tuners here write the process's g_stream_l2_step: each test puts it back.
struct RestoreL2Step {
    bool was = g_stream_l2_step.load();
    ~RestoreL2Step() { g_stream_l2_step.store(was); }
};

// The tuner tests' period, and g_stream_l2_step put back after each.
class PrefetchTunerRounds : public ::testing::Test {
protected:
    static constexpr int kPeriod = 8;
    RestoreL2Step restore_;
};

// One round of `period` passes: the four last ones, other / current / other / current, take
// `other` and `same` seconds; the rest 1 s each.
void run_round(PrefetchTuner& t, int period, double other, double same) {
    for (int i = 0; i < period; ++i) {
        const PrefetchTuner::Ticket k = t.begin();
        const int slot = i - (period - 4);
        t.end(k, slot < 0 ? 1.0 : slot % 2 == 0 ? other : same);
    }
}

TEST_F(PrefetchTunerRounds, RunsTheOtherSettingInTwoOfTheLastFourPassesOfEveryPeriod) {
    PrefetchTuner t(true, kPeriod);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < kPeriod; ++i) {
            const PrefetchTuner::Ticket k = t.begin();
            const bool other = i == kPeriod - 4 || i == kPeriod - 2;
            EXPECT_EQ(k.l2_step, !other) << "round " << round << " pass " << i;
            EXPECT_EQ(g_stream_l2_step.load(), k.l2_step);  // what the kernels read for this pass
            EXPECT_EQ(k.slot, i < kPeriod - 4 ? -1 : i - (kPeriod - 4));
            t.end(k, 1.0);
        }
    }
    EXPECT_TRUE(t.l2_step());
    EXPECT_EQ(t.switches(), 0);
}

TEST_F(PrefetchTunerRounds, SwitchesAfterTwoRoundsInARowWonByMoreThanTheMarginAndBackTheSameWay) {
    PrefetchTuner t(true, kPeriod, 0.03);
    run_round(t, kPeriod, 0.40, 0.50);  // the other setting (L2 step off) 20% faster: one win
    EXPECT_TRUE(t.l2_step());
    run_round(t, kPeriod, 0.40, 0.50);  // two in a row: switched
    EXPECT_FALSE(t.l2_step());
    EXPECT_EQ(t.switches(), 1);
    EXPECT_FALSE(g_stream_l2_step.load());  // the passes after the round run the new setting
    const PrefetchTuner::Ticket next = t.begin();
    EXPECT_FALSE(next.l2_step);
    t.end(next, 1.0);
    for (int i = 1; i < kPeriod; ++i) t.end(t.begin(), 1.0);  // the rest of that period
    // Now the other setting is the L2 step on; slower for a while: it stays off.
    for (int r = 0; r < 4; ++r) run_round(t, kPeriod, 0.60, 0.50);
    EXPECT_FALSE(t.l2_step());
    // Until it wins twice in a row (the host changed): back on.
    run_round(t, kPeriod, 0.45, 0.50);
    run_round(t, kPeriod, 0.45, 0.50);
    EXPECT_TRUE(t.l2_step());
    EXPECT_EQ(t.switches(), 2);
}

TEST_F(PrefetchTunerRounds, StaysWithinTheMarginAndWhenWinsAreNotConsecutive) {
    PrefetchTuner t(true, kPeriod, 0.03);
    for (int r = 0; r < 6; ++r) run_round(t, kPeriod, 0.49, 0.50);  // 2% faster: noise
    EXPECT_TRUE(t.l2_step());
    for (int r = 0; r < 6; ++r) run_round(t, kPeriod, r % 2 == 0 ? 0.40 : 0.55, 0.50);  // win, loss, ...
    EXPECT_TRUE(t.l2_step());
    EXPECT_EQ(t.switches(), 0);
}

TEST_F(PrefetchTunerRounds, ARoundMissingAPassDoesNotCount) {
    PrefetchTuner t(true, kPeriod, 0.03);
    run_round(t, kPeriod, 0.40, 0.50);  // a win
    // A round whose last pass never reports (a forward pass that threw, say): no decision.
    for (int i = 0; i < kPeriod; ++i) {
        const PrefetchTuner::Ticket k = t.begin();
        if (i != kPeriod - 1) t.end(k, i == kPeriod - 4 || i == kPeriod - 2 ? 0.40 : 0.50);
    }
    EXPECT_TRUE(t.l2_step());
    // A late report of an old round's pass changes nothing either.
    PrefetchTuner::Ticket stale;
    stale.slot = 0;
    stale.round = 0;
    t.end(stale, 0.01);
    run_round(t, kPeriod, 0.40, 0.50);  // one win after the gap: not yet two in a row
    EXPECT_TRUE(t.l2_step());
    run_round(t, kPeriod, 0.40, 0.50);
    EXPECT_FALSE(t.l2_step());
}

TEST(PrefetchTuner, WhenOffItNeverExploresNorSwitches) {
    const RestoreL2Step restore;
    PrefetchTuner t(false, 8);
    for (int i = 0; i < 64; ++i) {
        const PrefetchTuner::Ticket k = t.begin();
        EXPECT_TRUE(k.l2_step);
        EXPECT_EQ(k.slot, -1);
        t.end(k, i % 2 ? 0.1 : 10.0);
    }
    EXPECT_TRUE(t.l2_step());
    EXPECT_EQ(t.switches(), 0);
    EXPECT_FALSE(t.enabled());
}

// Prefetches only ask for lines: a product over packed weights is the same bits with the L2
// step and without it (the K-quant tiles' and the block types' alike), for one token and for a
// prompt's tiles, on every path the CPU runs.
TEST(PrefetchTuner, TheL2StepNeverChangesAProduct) {
    const RestoreL2Step restore;
    std::mt19937 rng(5);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    if (!packable(GgmlType::Q4_K)) GTEST_SKIP() << "no packed kernels on this CPU path";
    ThreadPool pool(2);
    for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q4_0, GgmlType::Q8_0}) {
        ASSERT_TRUE(packable(type)) << type_name(type);
        const int64_t rows = 300, cols = 768;
        for (int64_t tokens : {1, 13}) {
            std::vector<float> wf(static_cast<size_t>(rows * cols)), x(static_cast<size_t>(cols * tokens));
            for (float& v : wf) v = nd(rng);
            for (float& v : x) v = nd(rng);
            std::vector<uint8_t> wq(row_size(type, cols) * static_cast<size_t>(rows));
            const size_t rb = row_size(type, cols);
            for (int64_t r = 0; r < rows; ++r) {
                type_traits(type)->from_float(&wf[static_cast<size_t>(r * cols)], wq.data() + r * rb, cols);
            }
            AnonymousMemory packed(packed_bytes(type, rows, cols), "test");
            pack_groups(type, wq.data(), rows, cols, 0, (rows + kPackRows - 1) / kPackRows, packed.data());
            TensorView w{wq.data(), type, cols, rows, "w"};
            w.packed = packed.data();
            std::vector<float> on(static_cast<size_t>(rows * tokens)), off(on.size(), -1.0f);
            g_stream_l2_step.store(true);
            matmul(w, x.data(), tokens, on.data(), pool);
            g_stream_l2_step.store(false);
            matmul(w, x.data(), tokens, off.data(), pool);
            EXPECT_EQ(on, off) << type_name(type) << " tokens " << tokens;
            float sum = 0;
            for (float v : on) sum += std::fabs(v);
            EXPECT_GT(sum, 0.0f) << type_name(type);  // a product was computed
        }
    }
}

}  // namespace
}  // namespace edgeseek
