// `edgeseek run`: generate text from a prompt, streaming tokens as they come.
// Accepts llama.cpp's spellings of the common options.
#include <chrono>
#include <cstdio>

#include "cli_common.h"
#include "core/error.h"
#include "commands.h"
#include "engine/session.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::cli {

namespace {
struct Opts {
    std::string model, prompt, file;
    int64_t n_predict = -1, ctx = 0;
    int threads = 0;
    bool no_mmap = false, no_display_prompt = false, no_bos = false;
    SamplingParams sp;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}
void put(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}
}  // namespace

CommandRun add_run_command(CLI::App& app) {
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("run", "Generate text from a prompt");
    sub->add_option("-m,--model", o->model, "GGUF model file")->required();
    auto* p = sub->add_option("-p,--prompt", o->prompt, "prompt text");
    sub->add_option("-f,--file", o->file, "read the prompt from this file")->excludes(p);
    sub->add_option("-n,--n-predict,--n_predict", o->n_predict, "tokens to generate (-1: until end or context full)")
        ->default_val(-1);
    sub->add_option("-c,--ctx-size,--ctx_size", o->ctx, "context size in tokens (default: min(4096, trained))");
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_option("--temp,--temperature", o->sp.temperature, "temperature (0: greedy)")->default_val(0.6f);
    sub->add_option("--top-k,--top_k", o->sp.top_k, "top-k (0: off)")->default_val(40);
    sub->add_option("--top-p,--top_p", o->sp.top_p, "top-p (1: off)")->default_val(0.95f);
    sub->add_option("--min-p,--min_p", o->sp.min_p, "min-p (0: off)")->default_val(0.05f);
    sub->add_option("--repeat-penalty,--repeat_penalty", o->sp.repeat_penalty, "repetition penalty (1: off)")->default_val(1.0f);
    sub->add_option("--repeat-last-n,--repeat_last_n", o->sp.penalty_last_n, "tokens the penalties look back")->default_val(64);
    sub->add_option("--presence-penalty,--presence_penalty", o->sp.presence_penalty, "presence penalty")->default_val(0.0f);
    sub->add_option("--frequency-penalty,--frequency_penalty", o->sp.frequency_penalty, "frequency penalty")->default_val(0.0f);
    sub->add_option("-s,--seed", o->sp.seed, "random seed (default: random)");
    sub->add_flag("--no-mmap", o->no_mmap, "read the model into memory instead of mapping it");
    sub->add_flag("--no-display-prompt", o->no_display_prompt, "do not echo the prompt");
    sub->add_flag("--no-bos", o->no_bos, "do not add BOS");
    return [o]() -> int {
        const std::string text = prompt_text(o->prompt, o->file);
        const auto t_load = Clock::now();
        LoadOptions lo;
        lo.use_mmap = !o->no_mmap;
        auto model = Model::load(o->model, lo);
        auto tok = Tokenizer::from_gguf(model->file());
        const ModelConfig& cfg = model->config();
        int64_t ctx = o->ctx > 0 ? o->ctx : std::min<int64_t>(4096, cfg.n_ctx_train);
        if (ctx > cfg.n_ctx_train) {
            std::fprintf(stderr, "edgeseek: warning: --ctx-size %lld exceeds the model's trained context %lld\n",
                         static_cast<long long>(ctx), static_cast<long long>(cfg.n_ctx_train));
        }
        const int threads = o->threads > 0 ? o->threads : default_threads();
        Session session(*model, ctx, threads);
        const double load_ms = ms_since(t_load);

        const std::vector<int32_t> ids = tok->encode(text, !o->no_bos, true);
        if (ids.empty()) throw Error("the prompt produced no tokens", "run", "pass a non-empty prompt");
        if (static_cast<int64_t>(ids.size()) >= ctx) {
            throw Error("the prompt has " + std::to_string(ids.size()) + " tokens, which does not leave room in a context of " +
                            std::to_string(ctx), "run", "use a larger --ctx-size or a shorter prompt");
        }
        if (!o->no_display_prompt) put(text);
        Sampler sampler(o->sp);
        for (int32_t id : ids) sampler.accept(id);

        const auto t_prompt = Clock::now();
        std::vector<float> logits = session.eval(ids);
        const double prompt_ms = ms_since(t_prompt);

        Utf8StreamDecoder stream;
        const auto t_gen = Clock::now();
        int64_t generated = 0;
        std::string stop = "end of text";
        for (;;) {
            if (o->n_predict >= 0 && generated >= o->n_predict) { stop = "token limit (-n)"; break; }
            const int32_t next = sampler.sample(logits.data(), cfg.n_vocab);
            if (tok->is_end_of_generation(next)) break;
            sampler.accept(next);
            ++generated;
            put(stream.push(tok->token_to_piece(next, false)));
            if (session.n_past() >= session.n_ctx()) {
                stop = "context full (" + std::to_string(session.n_ctx()) + " tokens); use a larger --ctx-size";
                break;
            }
            logits = session.eval({next});
        }
        put(stream.flush());
        put("\n");
        const double gen_ms = ms_since(t_gen);
        std::fprintf(stderr,
                     "\n[stopped: %s]\n"
                     "load: %.1f ms | prompt: %zu tokens, %.1f ms, %.2f tokens/s | generation: %lld tokens, %.1f ms, "
                     "%.2f tokens/s | threads: %d, ctx: %lld, seed: %llu\n",
                     stop.c_str(), load_ms, ids.size(), prompt_ms, 1000.0 * static_cast<double>(ids.size()) / prompt_ms,
                     static_cast<long long>(generated), gen_ms,
                     generated > 0 ? 1000.0 * static_cast<double>(generated) / gen_ms : 0.0, threads,
                     static_cast<long long>(ctx), static_cast<unsigned long long>(sampler.seed()));
        return 0;
    };
}

}  // namespace edgeseek::cli
