// The KV cache's layout, which the attention calls rely on (model/transformer.cpp passes
// head_dim as the distance between positions): each (layer, sequence, KV head) owns one
// contiguous run of n_ctx rows, and no two runs overlap.
#include <gtest/gtest.h>

#include <set>

#include "model/kv_cache.h"

namespace edgeseek {
namespace {

TEST(KvCache, EachHeadsPositionsAreOneContiguousRunOfItsOwn) {
    ModelConfig c;
    c.n_layer = 3;
    c.n_head_kv = 2;
    c.head_dim = 8;
    const int64_t n_ctx = 5;
    const int n_seq = 2;
    KvCache cache(c, n_ctx, n_seq);
    EXPECT_EQ(cache.bytes(), 2u * 3 * 2 * 2 * 5 * 8 * sizeof(uint16_t));
    std::set<const uint16_t*> starts;
    const uint16_t* lowest = cache.k(0, 0, 0, 0);
    for (int64_t l = 0; l < c.n_layer; ++l) {
        for (int s = 0; s < n_seq; ++s) {
            for (int64_t h = 0; h < c.n_head_kv; ++h) {
                for (int64_t p = 0; p < n_ctx; ++p) {
                    // Position p + 1 follows position p directly, for keys and values alike.
                    EXPECT_EQ(cache.k(l, s, h, p), cache.k(l, s, h, 0) + p * c.head_dim);
                    EXPECT_EQ(cache.v(l, s, h, p), cache.v(l, s, h, 0) + p * c.head_dim);
                    // Every row lies inside the table and starts where no other row does.
                    const uint16_t* row = cache.k(l, s, h, p);
                    EXPECT_GE(row, lowest);
                    EXPECT_LE(row + c.head_dim, lowest + cache.bytes() / 2 / sizeof(uint16_t));
                    EXPECT_TRUE(starts.insert(row).second) << "layer " << l << " seq " << s << " head " << h << " pos " << p;
                }
            }
        }
    }
    // Rows are head_dim apart and all distinct: together they tile the table exactly.
    EXPECT_EQ(starts.size(), static_cast<size_t>(c.n_layer * n_seq * c.n_head_kv * n_ctx));
    // Writes through one row land where the attention reads them (and nowhere else).
    cache.k(2, 1, 1, 4)[7] = 0x3c00;
    EXPECT_EQ(cache.k(2, 1, 1, 0)[4 * c.head_dim + 7], 0x3c00);
    EXPECT_EQ(cache.v(2, 1, 1, 4)[7], 0);
}

}  // namespace
}  // namespace edgeseek
