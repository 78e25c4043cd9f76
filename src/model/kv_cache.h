// Keys and values of past positions, in f16 (as llama.cpp keeps them), for n_seq sequences.
// Layout per layer and sequence: [kv_head][pos][head_dim]. One head's keys (and values) are one
// contiguous run, as the decode's attention reads them (one KV head per work item), where the
// head-interleaved rows ([pos][kv_head][head_dim]) were a strided stream (decode attention
// alone, 1.5B shape at 4096 positions, 200 layers beyond the L3, two threads: 8.5-9.0 ->
// 10.5-11.4 GB/s in 4 KiB pages, 10.4-11.2 -> 10.3-11.9 in 2 MiB pages; the whole 1.5B decode at
// that depth +8% in four alternations). The cost: a head's first position starts a new page, so
// the first tokens of a long context make one more 2 MiB page resident per (layer, KV head,
// table) than the interleaved rows did (docs/PERFORMANCE.md, twentieth session).
#pragma once
#include <cstdint>

#include "core/mapped_file.h"
#include "model/config.h"

namespace edgeseek {

class KvCache {
public:
    // Anonymous memory advised for huge pages: the cache's pages fault in as positions fill
    // (not all at construction, as a zero-filled vector's did), and a decode step's reads over
    // a long context miss the TLB far less (decode attention over 28 layers x 4096 positions,
    // beyond the L3: 22-23 -> 26 GB/s with 2 MiB pages).
    KvCache(const ModelConfig& c, int64_t n_ctx, int n_seq = 1)
        : n_ctx_(n_ctx), n_seq_(n_seq), n_head_kv_(c.n_head_kv), head_dim_(c.head_dim),
          values_(static_cast<size_t>(c.n_layer * n_seq * n_ctx * c.n_head_kv * c.head_dim)),
          k_(values_ * sizeof(uint16_t), "the KV cache (keys)"),
          v_(values_ * sizeof(uint16_t), "the KV cache (values)") {}

    int64_t n_ctx() const { return n_ctx_; }
    int n_seq() const { return n_seq_; }
    // KV head `head`'s head_dim values at position `pos` of sequence `seq` in layer `layer`; the
    // next position's follow them.
    uint16_t* k(int64_t layer, int seq, int64_t head, int64_t pos) { return keys() + offset(layer, seq, head, pos); }
    uint16_t* v(int64_t layer, int seq, int64_t head, int64_t pos) { return vals() + offset(layer, seq, head, pos); }
    uint64_t bytes() const { return 2 * values_ * sizeof(uint16_t); }

private:
    size_t offset(int64_t layer, int seq, int64_t head, int64_t pos) const {
        return static_cast<size_t>((((layer * n_seq_ + seq) * n_head_kv_ + head) * n_ctx_ + pos) * head_dim_);
    }
    uint16_t* keys() const { return reinterpret_cast<uint16_t*>(k_.data()); }
    uint16_t* vals() const { return reinterpret_cast<uint16_t*>(v_.data()); }
    int64_t n_ctx_;
    int n_seq_;
    int64_t n_head_kv_, head_dim_;
    size_t values_;  // per table
    AnonymousMemory k_, v_;
};

}  // namespace edgeseek
