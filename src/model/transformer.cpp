// The forward pass of the decoder-only transformers we run (Llama, Qwen2, Qwen3), top to
// bottom. Architecture differences are data in ModelConfig: q/k/v biases (Qwen2), per-head
// q/k RMS norm (Qwen3), the RoPE pairing (NeoX for Qwen), llama3 frequency factors.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cmath>

#include "core/error.h"
#include "kernels/attention.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"
#include "kernels/prefetch_tuner.h"
#include "model/model.h"

namespace edgeseek {

void Model::forward(const std::vector<BatchToken>& batch, KvCache& cache, ThreadPool& pool,
                    ForwardScratch& s, std::vector<float>& logits) const {
    const ModelConfig& c = config_;
    const ModelWeights& w = weights_;
    const int64_t n = static_cast<int64_t>(batch.size());
    const int64_t E = c.n_embd, D = c.head_dim, H = c.n_head, HKV = c.n_head_kv;
    const int64_t q_dim = H * D, kv_dim = HKV * D;
    const int64_t group = H / HKV;  // query heads per KV head
    if (D > 512) throw Error("head size " + std::to_string(D) + " is larger than supported (512)", file_->path());
    for (const BatchToken& bt : batch) {
        if (bt.token < 0 || bt.token >= c.n_vocab) {
            throw Error("token id " + std::to_string(bt.token) + " is outside the vocabulary (0.." +
                            std::to_string(c.n_vocab - 1) + ")", "forward pass");
        }
        if (bt.pos < 0 || bt.pos >= cache.n_ctx() || bt.seq < 0 || bt.seq >= cache.n_seq()) {
            throw Error("position " + std::to_string(bt.pos) + " does not fit the context of " +
                            std::to_string(cache.n_ctx()) + " tokens", "forward pass", "use a larger --ctx-size");
        }
    }
    if (n == 0) {  // nothing to compute, no logits
        logits.clear();
        return;
    }
    // A decode step's pass is timed for the prefetch tuner, which may run it with the other setting.
    const PrefetchTuner::Pass tuned(prefetch_tuner(), n == 1);
    s.x.resize(static_cast<size_t>(n * E));
    s.xn.resize(s.x.size());
    s.q.resize(static_cast<size_t>(n * q_dim));
    s.k.resize(static_cast<size_t>(n * kv_dim));
    s.v.resize(s.k.size());
    s.attn.resize(s.q.size());
    s.proj.resize(s.x.size());
    // The FFN takes a prompt in chunks whose hidden state (n_ff floats per token) stays in L3
    // between its writing (SwiGLU of the gate and up products) and its reading (ffn_down).
    const ActBudgets budgets = act_budgets();
    const int64_t ffn_chunk =
        std::min(n, prompt_token_chunk(n, static_cast<size_t>(c.n_ff) * sizeof(float), {budgets.l3, budgets.l3}));
    s.up.resize(static_cast<size_t>(ffn_chunk * c.n_ff));
    s.hidden.resize(s.up.size());
    // Per thread: the scores of one KV head's group of query heads for up to kAttendTokens tokens.
    s.scores.resize(static_cast<size_t>(pool.size() * kAttendTokens * group * cache.n_ctx()));
    // Attention blocks: runs of up to kAttendTokens tokens of one sequence at consecutive
    // positions (a prompt's), attended together so each cached key is converted once for all of
    // them; a decoded token is a block of its own.
    struct AttnBlock {
        int64_t t0, count;
    };
    std::vector<AttnBlock> blocks;
    for (int64_t t = 0; t < n; ++t) {
        const BatchToken& bt = batch[static_cast<size_t>(t)];
        if (!blocks.empty()) {
            AttnBlock& last = blocks.back();
            const BatchToken& prev = batch[static_cast<size_t>(last.t0 + last.count - 1)];
            if (last.count < kAttendTokens && prev.seq == bt.seq && prev.pos + 1 == bt.pos) {
                ++last.count;
                continue;
            }
        }
        blocks.push_back({t, 1});
    }
    const int64_t n_blocks = static_cast<int64_t>(blocks.size());
    // The blocks whose attention reads converted keys (attend_tokens' `keys`, and `values` where
    // the ISA's kernel reads them): per sequence, its KV heads' keys and values up to the last
    // position it has in the batch, converted once per layer for all its blocks. Blocks the kernel
    // takes one token at a time (kAttendRowsMin) read the cache.
    const ConvertKeysFn convert_keys = group <= 8 ? convert_keys_kernel() : nullptr;
    const ConvertValuesFn convert_values = convert_keys ? convert_values_kernel() : nullptr;
    struct KeySeq {
        int64_t seq, n_pos;
        size_t at;           // its first KV head's keys in s.keys
        int64_t per_head;    // floats per KV head
        size_t v_at;         // its first KV head's values in s.values
        int64_t v_per_head;  // floats per KV head
    };
    std::vector<KeySeq> key_seqs;
    std::vector<int64_t> block_keys(static_cast<size_t>(n_blocks), -1);  // index into key_seqs
    if (convert_keys) {
        for (int64_t i = 0; i < n_blocks; ++i) {
            const AttnBlock& blk = blocks[static_cast<size_t>(i)];
            if (blk.count * group < kAttendRowsMin) continue;
            const BatchToken& bt = batch[static_cast<size_t>(blk.t0)];
            size_t j = 0;
            while (j < key_seqs.size() && key_seqs[j].seq != bt.seq) ++j;
            if (j == key_seqs.size()) key_seqs.push_back({bt.seq, 0, 0, 0, 0, 0});
            key_seqs[j].n_pos = std::max(key_seqs[j].n_pos, bt.pos + blk.count);
            block_keys[static_cast<size_t>(i)] = static_cast<int64_t>(j);
        }
    }
    size_t key_floats = 0, value_floats = 0;
    for (KeySeq& ks : key_seqs) {
        ks.at = key_floats;
        ks.per_head = converted_keys_floats(ks.n_pos, D);
        key_floats += static_cast<size_t>(HKV * ks.per_head);
        if (convert_values) {
            ks.v_at = value_floats;
            ks.v_per_head = converted_values_floats(ks.n_pos, D);
            value_floats += static_cast<size_t>(HKV * ks.v_per_head);
        }
    }
    auto aligned = [](std::vector<float>& v, size_t floats) {
        v.resize(floats + 16);
        return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(v.data()) + 63) & ~uintptr_t{63});
    };
    float* const keys = aligned(s.keys, key_floats);
    float* const values = aligned(s.values, value_floats);

    // The per-token steps between the matmuls (norms, biases, RoPE, the KV store, residual
    // adds, SwiGLU) run on every thread for a prompt; they had taken ~10% of a 512-token
    // prompt's time on one thread while the other waited. A single token runs them inline.
    auto per_token = [&](const auto& step) {
        pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
            for (int64_t t = b; t < e; ++t) step(t);
        });
    };
    per_token([&](int64_t t) { dequantize_row(w.token_embd, batch[static_cast<size_t>(t)].token, &s.x[t * E]); });

    RopeParams rp;
    rp.n_rot = static_cast<int>(c.n_rot);
    rp.freq_base = c.rope_freq_base;
    rp.freq_scale = c.rope_freq_scale;
    rp.neox = c.rope_neox;
    rp.freq_factors = w.rope_freqs.empty() ? nullptr : static_cast<const float*>(w.rope_freqs.data);
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    // Each token's rotation angles, once for all heads and layers.
    const int64_t half = rp.n_rot / 2;
    s.rope_cos.resize(static_cast<size_t>(n * half));
    s.rope_sin.resize(s.rope_cos.size());
    for (int64_t t = 0; t < n; ++t) {
        rope_angles(batch[static_cast<size_t>(t)].pos, rp, &s.rope_cos[t * half], &s.rope_sin[t * half]);
    }

    for (int64_t l = 0; l < c.n_layer; ++l) {
        const LayerWeights& L = w.layers[static_cast<size_t>(l)];
        if (l == 0) {  // later layers' input norms come with the residual add that ends the layer before
            const float* attn_norm = static_cast<const float*>(L.attn_norm.data);
            per_token([&](int64_t t) { rmsnorm(&s.xn[t * E], &s.x[t * E], attn_norm, E, c.norm_eps); });
        }

        matmul_many({{&L.wq, s.q.data()}, {&L.wk, s.k.data()}, {&L.wv, s.v.data()}}, s.xn.data(), n, pool);

        per_token([&](int64_t t) {
            const BatchToken& bt = batch[static_cast<size_t>(t)];
            float* q = &s.q[t * q_dim];
            float* k = &s.k[t * kv_dim];
            float* v = &s.v[t * kv_dim];
            if (!L.bq.empty()) add(q, static_cast<const float*>(L.bq.data), q_dim);
            if (!L.bk.empty()) add(k, static_cast<const float*>(L.bk.data), kv_dim);
            if (!L.bv.empty()) add(v, static_cast<const float*>(L.bv.data), kv_dim);
            for (int64_t h = 0; h < H; ++h) {
                if (c.qk_norm) rmsnorm(q + h * D, q + h * D, static_cast<const float*>(L.q_norm.data), D, c.norm_eps);
                rope_apply(q + h * D, &s.rope_cos[t * half], &s.rope_sin[t * half], rp);
            }
            for (int64_t h = 0; h < HKV; ++h) {
                if (c.qk_norm) rmsnorm(k + h * D, k + h * D, static_cast<const float*>(L.k_norm.data), D, c.norm_eps);
                rope_apply(k + h * D, &s.rope_cos[t * half], &s.rope_sin[t * half], rp);
            }
            for (int64_t h = 0; h < HKV; ++h) {
                fp32_to_fp16_row(cache.k(l, bt.seq, h, bt.pos), k + h * D, D);
                fp32_to_fp16_row(cache.v(l, bt.seq, h, bt.pos), v + h * D, D);
            }
        });

        // Causal attention costs grow with the position: work items, (block, KV head), are
        // handed out one at a time from a shared counter, latest block first, so both threads
        // finish together (a plain split gave one thread three quarters of the work at 512
        // tokens), and a single decoded token's heads are shared out too (as one item per
        // token, one thread read the whole cache while the other waited). Query heads
        // kvh * group .. kvh * group + group - 1 share KV head kvh: one call each, so the group
        // (and the block's tokens) read the cached keys and values once.
        const AttendTokensFn attend_tokens = attend_tokens_kernel();
        for (const KeySeq& ks : key_seqs) {
            const int64_t key_blocks = (ks.n_pos + 15) / 16;
            pool.parallel_for(HKV * key_blocks, [&](int64_t b, int64_t e, int) {
                for (int64_t i = b; i < e;) {  // runs of one KV head's blocks
                    const int64_t kvh = i / key_blocks, b0 = i % key_blocks, b1 = std::min(key_blocks, b0 + (e - i));
                    convert_keys(cache.k(l, ks.seq, kvh, 0), D, 16 * b0, std::min(ks.n_pos, 16 * b1), D,
                                 keys + ks.at + static_cast<size_t>(kvh * ks.per_head));
                    if (convert_values) {
                        convert_values(cache.v(l, ks.seq, kvh, 0), D, 16 * b0, std::min(ks.n_pos, 16 * b1), D,
                                       values + ks.v_at + static_cast<size_t>(kvh * ks.v_per_head));
                    }
                    i += b1 - b0;
                }
            });
        }
        std::atomic<int64_t> next_item{0};
        pool.parallel_for(pool.size(), [&](int64_t, int64_t, int thread) {
            float* scores = &s.scores[static_cast<size_t>(thread * kAttendTokens * group * cache.n_ctx())];
            for (int64_t i = next_item.fetch_add(1, std::memory_order_relaxed); i < n_blocks * HKV;
                 i = next_item.fetch_add(1, std::memory_order_relaxed)) {
                const int64_t bi = n_blocks - 1 - i / HKV;
                const AttnBlock& blk = blocks[static_cast<size_t>(bi)];
                const int64_t kvh = i % HKV, t = blk.t0;
                const BatchToken& bt = batch[static_cast<size_t>(t)];
                const int64_t h0 = kvh * group, ks = block_keys[static_cast<size_t>(bi)];
                const KeySeq* kseq = ks < 0 ? nullptr : &key_seqs[static_cast<size_t>(ks)];
                const float* kt = kseq ? keys + kseq->at + static_cast<size_t>(kvh * kseq->per_head) : nullptr;
                const float* vt =
                    kseq && convert_values ? values + kseq->v_at + static_cast<size_t>(kvh * kseq->v_per_head) : nullptr;
                attend_tokens(&s.q[t * q_dim + h0 * D], q_dim, blk.count, group, cache.k(l, bt.seq, kvh, 0),
                              cache.v(l, bt.seq, kvh, 0), D, bt.pos, D, scale, scores, &s.attn[t * q_dim + h0 * D],
                              q_dim, kt, vt);
            }
        });

        matmul(L.wo, s.attn.data(), n, s.proj.data(), pool);
        const float* ffn_norm = static_cast<const float*>(L.ffn_norm.data);
        per_token([&](int64_t t) { add_rmsnorm(&s.x[t * E], &s.proj[t * E], &s.xn[t * E], ffn_norm, E, c.norm_eps); });
        for (int64_t t0 = 0; t0 < n; t0 += ffn_chunk) {
            const int64_t nt = std::min(ffn_chunk, n - t0);
            matmul_swiglu(L.w_gate, L.w_up, &s.xn[t0 * E], nt, s.hidden.data(), s.up.data(), pool);
            matmul(L.w_down, s.hidden.data(), nt, &s.proj[t0 * E], pool);
        }
        if (l + 1 < c.n_layer) {
            const float* next_norm = static_cast<const float*>(w.layers[static_cast<size_t>(l + 1)].attn_norm.data);
            per_token([&](int64_t t) { add_rmsnorm(&s.x[t * E], &s.proj[t * E], &s.xn[t * E], next_norm, E, c.norm_eps); });
        } else {
            per_token([&](int64_t t) { add(&s.x[t * E], &s.proj[t * E], E); });
        }
    }

    // Final norm and output projection only for the tokens whose logits are wanted.
    int64_t n_out = 0;
    s.out_in.resize(static_cast<size_t>(n * E));
    const float* out_norm = static_cast<const float*>(w.output_norm.data);
    for (int64_t t = 0; t < n; ++t) {
        if (!batch[static_cast<size_t>(t)].logits) continue;
        rmsnorm(&s.out_in[n_out * E], &s.x[t * E], out_norm, E, c.norm_eps);
        ++n_out;
    }
    logits.resize(static_cast<size_t>(n_out * c.n_vocab));
    if (n_out > 0) matmul(w.output, s.out_in.data(), n_out, logits.data(), pool);
}

}  // namespace edgeseek
