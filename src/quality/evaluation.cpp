#include "quality/evaluation.h"

#include "core/error.h"

namespace edgeseek {

namespace {

template <typename Fn>
void for_each_position(const ChunkLogits& cl, Fn fn) {
    auto body = [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) fn(i);
    };
    if (cl.pool && cl.pool->size() > 1 && cl.n > 1) {
        cl.pool->parallel_for(cl.n, body);
    } else {
        body(0, cl.n, 0);
    }
}

}  // namespace

NllAccumulator evaluate_base(const Model& model, const std::vector<int32_t>& tokens, const ChunkPlan& plan,
                             const ChunkRunOptions& run, int top_k,
                             const std::function<void(BaseLogProbs&&)>& sink, const ChunkDone& done) {
    NllAccumulator acc;
    std::vector<double> nll;
    std::vector<BaseLogProbs> recs;
    run_chunks(model, tokens, plan, run, [&](const ChunkLogits& cl) {
        nll.assign(static_cast<size_t>(cl.n), 0.0);
        recs.assign(top_k > 0 ? static_cast<size_t>(cl.n) : 0, BaseLogProbs{});
        for_each_position(cl, [&](int64_t i) {
            const float* lg = cl.logits + i * cl.n_vocab;
            const auto k = static_cast<size_t>(i);
            nll[k] = token_nll(lg, cl.n_vocab, cl.next_tokens[i]);
            if (top_k > 0) recs[k] = summarize_base(lg, cl.n_vocab, cl.next_tokens[i], top_k);
        });
        for (double v : nll) acc.add(v);
        for (auto& r : recs) sink(std::move(r));
        if (done) done(cl.chunk, acc);
    });
    return acc;
}

KldAccumulator evaluate_against_base(const Model& model, const std::vector<int32_t>& tokens, const ChunkPlan& plan,
                                     const ChunkRunOptions& run,
                                     const std::function<std::vector<BaseLogProbs>(int64_t chunk)>& base_chunk,
                                     const ChunkDone& done) {
    KldAccumulator kld;
    NllAccumulator ppl;
    std::vector<PositionDivergence> div;
    run_chunks(model, tokens, plan, run, [&](const ChunkLogits& cl) {
        const std::vector<BaseLogProbs> base = base_chunk(cl.chunk);
        if (static_cast<int64_t>(base.size()) != cl.n) {
            throw Error("the base has " + std::to_string(base.size()) + " positions for chunk " +
                            std::to_string(cl.chunk + 1) + ", this run scores " + std::to_string(cl.n),
                        "kl-divergence");
        }
        div.assign(static_cast<size_t>(cl.n), PositionDivergence{});
        for_each_position(cl, [&](int64_t i) {
            const auto k = static_cast<size_t>(i);
            div[k] = compare_position(base[k], cl.logits + i * cl.n_vocab, cl.n_vocab, cl.next_tokens[i]);
        });
        for (const auto& d : div) {
            kld.add(d);
            ppl.add(d.nll);
        }
        if (done) done(cl.chunk, ppl);
    });
    return kld;
}

}  // namespace edgeseek
