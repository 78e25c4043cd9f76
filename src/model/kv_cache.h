// Keys and values of past positions, in f16 (as llama.cpp keeps them), for n_seq sequences.
// Layout per layer and sequence: [pos][kv_head][head_dim].
#pragma once
#include <cstdint>
#include <vector>

#include "model/config.h"

namespace edgeseek {

class KvCache {
public:
    KvCache(const ModelConfig& c, int64_t n_ctx, int n_seq = 1)
        : n_ctx_(n_ctx), n_seq_(n_seq), row_(c.n_head_kv * c.head_dim),
          k_(static_cast<size_t>(c.n_layer * n_seq * n_ctx * row_)),
          v_(k_.size()) {}

    int64_t n_ctx() const { return n_ctx_; }
    int n_seq() const { return n_seq_; }
    // Start of position `pos` of sequence `seq` in layer `layer` (row_ values).
    uint16_t* k(int64_t layer, int seq, int64_t pos) { return k_.data() + offset(layer, seq, pos); }
    uint16_t* v(int64_t layer, int seq, int64_t pos) { return v_.data() + offset(layer, seq, pos); }
    uint64_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

private:
    size_t offset(int64_t layer, int seq, int64_t pos) const {
        return static_cast<size_t>(((layer * n_seq_ + seq) * n_ctx_ + pos) * row_);
    }
    int64_t n_ctx_;
    int n_seq_;
    int64_t row_;
    std::vector<uint16_t> k_, v_;
};

}  // namespace edgeseek
