// `edgeseek perplexity`: llama.cpp's perplexity (same tokens, chunks and scored positions), and
// KL divergence against a saved base run (--kl-divergence-base / --kl-divergence).
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "quality/evaluation.h"
#include "quality/kld_file.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::cli {

namespace {

struct PerplexityOpts {
    std::string model, file, kld_base, kld_compare;
    int64_t ctx = 512, chunks = -1, batch = 512;
    int threads = 0, top_k = 256;
    bool force = false;
    ModelLoadFlags load;
};

std::string read_text_file(const std::string& path) {
    if (path.empty()) throw Error("no text given", "perplexity", "pass -f TEXT_FILE");
    return read_file(path, "text file");
}

std::string clock_string(double seconds) {
    const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    }
    return buf;
}

// Running values as llama.cpp prints them ("[1]12.3456,[2]..."), on stdout; on a terminal a
// progress bar with the ETA on stderr. When both are the same terminal the bar carries the
// running value and the list is printed once at the end, so the two never share a line.
class ChunkProgress {
public:
    explicit ChunkProgress(int64_t n_chunk)
        : n_chunk_(n_chunk), bar_(::isatty(STDERR_FILENO) != 0),
          stream_(!(bar_ && ::isatty(STDOUT_FILENO) != 0)), t0_(now()) {
        if (bar_) draw(0, 0.0);
    }

    void chunk_done(int64_t chunk, double ppl) {
        char v[64];
        std::snprintf(v, sizeof v, "[%lld]%.4f,", static_cast<long long>(chunk + 1), ppl);
        values_ += v;
        const double elapsed = now() - t0_;
        if (bar_) {
            draw(chunk + 1, ppl);
        } else if (chunk == 0) {
            std::fprintf(stderr, "perplexity: %.2f seconds per pass - ETA %s\n", elapsed,
                         clock_string(elapsed * static_cast<double>(n_chunk_ - 1)).c_str());
        }
        if (stream_) {
            std::fputs(v, stdout);
            std::fflush(stdout);
        }
    }

    void finish() {
        if (bar_) std::fputc('\n', stderr);
        if (!stream_) std::fputs(values_.c_str(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
    }

private:
    static double now() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }
    void draw(int64_t done, double ppl) {
        constexpr int kWidth = 24;
        const double frac = n_chunk_ ? static_cast<double>(done) / static_cast<double>(n_chunk_) : 1.0;
        const int fill = static_cast<int>(frac * kWidth);
        std::string bar(static_cast<size_t>(fill), '#');
        bar.append(static_cast<size_t>(kWidth - fill), '-');
        const double elapsed = now() - t0_;
        std::string eta = done ? clock_string(elapsed / static_cast<double>(done) * static_cast<double>(n_chunk_ - done)) : "?";
        std::fprintf(stderr, "\r[%s] chunk %lld/%lld", bar.c_str(), static_cast<long long>(done),
                     static_cast<long long>(n_chunk_));
        if (done) std::fprintf(stderr, "  PPL %.4f", ppl);
        std::fprintf(stderr, "  ETA %s\033[K", eta.c_str());
        std::fflush(stderr);
    }
    int64_t n_chunk_;
    bool bar_, stream_;
    double t0_;
    std::string values_;
};

void print_final(const NllAccumulator& acc) {
    std::printf("Final estimate: PPL = %.4f +/- %.5f\n", acc.ppl(), acc.ppl_error());
}

void print_kld_summary(const KldSummary& s) {
    std::printf("\n====== Perplexity statistics ======\n");
    std::printf("Mean PPL(Q)                   : %10.6f ± %10.6f\n", s.ppl, s.ppl_err);
    std::printf("Mean PPL(base)                : %10.6f ± %10.6f\n", s.ppl_base, s.ppl_base_err);
    std::printf("Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f\n", s.ln_ppl_ratio.mean, s.ln_ppl_ratio.err);
    std::printf("Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f\n", s.ppl_ratio, s.ppl_ratio_err);
    std::printf("\n====== KL divergence statistics ======\n");
    std::printf("Mean    KLD: %10.6f ± %10.6f\n", s.kld.mean, s.kld.err);
    std::printf("Maximum KLD: %10.6f\n", s.kld_max);
    std::printf("99.0%%   KLD: %10.6f\n", s.kld_p99);
    std::printf("Median  KLD: %10.6f\n", s.kld_median);
    std::printf("\n====== Token probability statistics ======\n");
    std::printf("Same top p: %7.3f ± %6.3f %%\n", 100.0 * s.same_top.mean, 100.0 * s.same_top.err);
    std::printf("Positions : %zu\n", s.count);
}

void warn_context(const Model& model, int64_t n_ctx) {
    const int64_t train = model.config().n_ctx_train;
    if (train > 0 && n_ctx > train) {
        std::fprintf(stderr, "perplexity: warning: chunks of %lld tokens exceed the model's training context of %lld\n",
                     static_cast<long long>(n_ctx), static_cast<long long>(train));
    }
}

int32_t chunk_bos(const Tokenizer& tok) { return tok.add_bos_default() && tok.bos() >= 0 ? tok.bos() : -1; }

// The checks that make a comparison meaningful: same vocabulary, same model shape, same tokens.
void check_base_file(const KldReader& r, const Model& model, const Tokenizer& tok) {
    const KldHeader& h = r.header();
    const ModelConfig& c = model.config();
    if (static_cast<int64_t>(h.n_vocab) != c.n_vocab) {
        throw Error("the base file has a vocabulary of " + std::to_string(h.n_vocab) + " tokens, this model " +
                        std::to_string(c.n_vocab),
                    r.path(), "compare models that share a tokenizer (quantizations of the base model)");
    }
    if (h.vocab_hash != vocab_hash(tok)) {
        throw Error("the base file was made with a different vocabulary (same size, other tokens)", r.path(),
                    "compare quantizations of the model the base file was made from");
    }
    if (h.add_bos != (chunk_bos(tok) >= 0)) {
        throw Error("the base file and this model disagree on adding BOS", r.path(),
                    "compare quantizations of the model the base file was made from");
    }
    if (h.model != model_shape(c)) {
        throw Error("the base file was made from a different model (" + h.model + "); this one is " + model_shape(c),
                    r.path(), "compare quantizations of the model the base file was made from");
    }
}

int run_compare(const PerplexityOpts& o, const std::string& path, bool ctx_given, const Model& model, const Tokenizer& tok,
                const ChunkRunOptions& run) {
    KldReader reader(path);
    check_base_file(reader, model, tok);
    const KldHeader& h = reader.header();
    if (ctx_given && o.ctx != static_cast<int64_t>(h.n_ctx)) {
        throw Error("the base file was made with -c " + std::to_string(h.n_ctx) + ", not " + std::to_string(o.ctx),
                    path, "drop -c (the file's context is used) or pass -c " + std::to_string(h.n_ctx));
    }
    if (!o.file.empty()) {
        const std::vector<int32_t> mine = tok.encode(read_text_file(o.file), true, false);
        if (mine.size() < reader.tokens().size() ||
            !std::equal(reader.tokens().begin(), reader.tokens().end(), mine.begin())) {
            throw Error("the text tokenizes differently from the one the base file was made from", o.file,
                        "pass the same -f as for --kl-divergence-base, or none (the file holds the tokens)");
        }
    }
    ChunkPlan plan;
    plan.n_ctx = h.n_ctx;
    plan.first = plan.n_ctx / 2;
    plan.n_chunk = o.chunks > 0 ? std::min<int64_t>(o.chunks, h.n_chunk) : h.n_chunk;
    std::fprintf(stderr, "perplexity: %lld chunks of %lld tokens from %s, comparing with its top-%u log-probs\n",
                 static_cast<long long>(plan.n_chunk), static_cast<long long>(plan.n_ctx), path.c_str(), h.top_k);
    warn_context(model, plan.n_ctx);
    ChunkProgress progress(plan.n_chunk);
    NllAccumulator ppl;
    const KldAccumulator kld = evaluate_against_base(
        model, reader.tokens(), plan, run, [&](int64_t) { return reader.read_chunk(); },
        [&](int64_t c, const NllAccumulator& acc) {
            ppl = acc;
            progress.chunk_done(c, acc.ppl());
        });
    progress.finish();
    print_final(ppl);
    print_kld_summary(kld.summary());
    return 0;
}

}  // namespace

CommandRun add_perplexity_command(CLI::App& app) {
    auto o = std::make_shared<PerplexityOpts>();
    CLI::App* sub = app.add_subcommand(
        "perplexity", "Perplexity of a text as llama.cpp computes it; KL divergence of a quantization against its base");
    sub->add_option("-m,--model", o->model, "GGUF model file")->required();
    sub->add_option("-f,--file", o->file, "text file to score");
    auto* ctx = sub->add_option("-c,--ctx-size,--ctx_size", o->ctx, "tokens per chunk")->default_val(512);
    sub->add_option("--chunks", o->chunks, "score at most N chunks (default: all)")->default_val(-1);
    sub->add_option("-b,--batch-size,--batch_size", o->batch, "tokens per forward pass")
        ->default_val(512)
        ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_option("--kl-divergence-base", o->kld_base,
                    "save the base model's log-probabilities to FILE (.kld); with --kl-divergence, read them");
    auto* cmp = sub->add_option("--kl-divergence", o->kld_compare,
                                "compare with the base FILE (.kld): KL divergence, top-1 agreement, PPL ratio")
                    ->expected(0, 1);
    sub->add_option("--kl-top", o->top_k, "log-probs kept per position in the base file (exact when >= vocab)")
        ->default_val(256)
        ->check(CLI::Range(1, 1 << 24));
    sub->add_flag("--force", o->force, "replace the --kl-divergence-base file if it exists");
    add_model_load_flags(sub, &o->load);
    return [o, ctx, cmp]() -> int {
        const LoadOptions lo = o->load.options();
        const bool compare = cmp->count() > 0;
        std::string compare_path = o->kld_compare;
        if (compare && compare_path.empty()) compare_path = o->kld_base;  // llama.cpp's spelling
        if (compare && compare_path.empty()) {
            throw Error("--kl-divergence needs the base file", "perplexity",
                        "pass --kl-divergence FILE.kld (written by --kl-divergence-base FILE.kld)");
        }
        if (!compare && o->file.empty()) throw Error("no text given", "perplexity", "pass -f TEXT_FILE");
        if (!compare && !o->file.empty()) read_text_file(o->file);  // a missing file fails before the model loads
        auto model = Model::load(o->model, lo);
        auto tok = Tokenizer::from_gguf(model->file());
        ChunkRunOptions run;
        run.threads = o->threads > 0 ? o->threads : default_threads();
        run.n_batch = o->batch;
        run.bos = chunk_bos(*tok);
        if (compare) return run_compare(*o, compare_path, ctx->count() > 0, *model, *tok, run);

        const std::vector<int32_t> tokens = tok->encode(read_text_file(o->file), true, false);
        const ChunkPlan plan = plan_chunks(tokens.size(), o->ctx, o->chunks);
        const std::vector<int32_t> used(tokens.begin(), tokens.begin() + plan.n_chunk * plan.n_ctx);
        std::unique_ptr<KldWriter> writer;
        int top_k = 0;
        if (!o->kld_base.empty()) {
            KldHeader h;
            top_k = static_cast<int>(std::min<int64_t>(o->top_k, model->config().n_vocab));
            h.n_vocab = static_cast<uint32_t>(model->config().n_vocab);
            h.n_ctx = static_cast<uint32_t>(plan.n_ctx);
            h.n_chunk = static_cast<uint32_t>(plan.n_chunk);
            h.top_k = static_cast<uint32_t>(top_k);
            h.add_bos = run.bos >= 0;
            h.vocab_hash = vocab_hash(*tok);
            h.tokens_hash = tokens_hash(used);
            h.model = model_shape(model->config());
            writer = std::make_unique<KldWriter>(o->kld_base, h, used, o->force);
        }
        std::fprintf(stderr, "perplexity: %zu tokens, %lld chunks of %lld (scoring the last %lld of each), batch %lld\n",
                     tokens.size(), static_cast<long long>(plan.n_chunk), static_cast<long long>(plan.n_ctx),
                     static_cast<long long>(plan.scored_per_chunk()), static_cast<long long>(o->batch));
        warn_context(*model, plan.n_ctx);
        ChunkProgress progress(plan.n_chunk);
        const NllAccumulator acc = evaluate_base(
            *model, used, plan, run, top_k, [&](BaseLogProbs&& r) { writer->add(r); },
            [&](int64_t c, const NllAccumulator& a) { progress.chunk_done(c, a.ppl()); });
        progress.finish();
        print_final(acc);
        if (writer) {
            writer->finish();
            std::fprintf(stderr, "perplexity: saved the top-%d log-probs of %zu positions to %s\n", top_k, acc.count(),
                         o->kld_base.c_str());
        }
        return 0;
    };
}

}  // namespace edgeseek::cli
