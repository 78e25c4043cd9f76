// `edgeseek run`: generate text from a prompt, streaming tokens as they come.
// Accepts llama.cpp's spellings of the common options. With --chat the prompt is one user
// message put through the model's chat template, and the reply is split into thought and answer.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "chat/chat_engine.h"
#include "chat/reasoning_display.h"
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
    bool no_display_prompt = false, no_bos = false;
    ModelLoadFlags load;
    SamplingParams sp;
    // --chat
    bool chat = false, json = false;
    std::string reasoning = "dim", chat_template, system;
    int64_t think_budget = -1;
    std::vector<std::string> vars;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}
void put(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

std::string read_template(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the chat template", path, "check the path");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// One templated turn: the reply streamed per --reasoning, or one JSON object with --json.
void run_chat_turn(const Opts& o, const Model& model, const Tokenizer& tok, Session& session, double load_ms) {
    const auto display = parse_reasoning_display(o.reasoning);
    if (!display) throw Error("unknown --reasoning '" + o.reasoning + "'", "run", "use show, dim or hide");
    ChatOptions co;
    co.sampling = o.sp;
    co.max_tokens = o.n_predict;
    co.think_budget = o.think_budget;
    for (const auto& v : o.vars) add_template_var(co.template_vars, v);
    ChatEngine engine(session, tok, ChatFormat::from_gguf(model.file(), read_template(o.chat_template)), co);
    Conversation conv;
    conv.set_system(o.system);
    ReasoningPrinter printer(stdout, *display, ::isatty(STDOUT_FILENO) != 0);
    TurnEvents ev;
    if (!o.json) {
        ev.reasoning = [&](const std::string& s) { printer.reasoning(s); };
        ev.content = [&](const std::string& s) { printer.content(s); };
        ev.thought_done = [&](int64_t n, double sec) { printer.thought_done(n, sec); };
    }
    ev.notice = [](const std::string& s) { std::fprintf(stderr, "[%s]\n", s.c_str()); };
    const TurnResult r = engine.respond(conv, prompt_text(o.prompt, o.file), ev);
    const TurnStats& st = r.stats;
    if (o.json) {
        nlohmann::ordered_json j;
        j["reasoning"] = r.reasoning;
        j["content"] = r.content;
        j["finish_reason"] = stop_reason_name(r.stop);
        j["usage"] = {{"prompt_tokens", st.prompt_tokens},
                      {"completion_tokens", st.completion_tokens},
                      {"reasoning_tokens", st.reasoning_tokens}};
        put(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    } else {
        printer.finish(st.reasoning_tokens, st.reasoning_ms / 1000.0);
    }
    std::fprintf(stderr,
                 "\n[stopped: %s]\n"
                 "load: %.1f ms | prompt: %lld tokens, %.1f ms | generation: %lld tokens (%lld reasoning), %.1f ms, "
                 "%.2f tokens/s | threads: %d, ctx: %lld, seed: %llu\n",
                 stop_reason_name(r.stop), load_ms, static_cast<long long>(st.prompt_tokens), st.prompt_ms,
                 static_cast<long long>(st.completion_tokens), static_cast<long long>(st.reasoning_tokens),
                 st.generation_ms,
                 st.completion_tokens > 0 ? 1000.0 * static_cast<double>(st.completion_tokens) / st.generation_ms : 0.0,
                 static_cast<int>(session.pool().size()), static_cast<long long>(session.n_ctx()),
                 static_cast<unsigned long long>(engine.seed()));
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
    add_sampling_flags(sub, &o->sp);
    add_model_load_flags(sub, &o->load);
    sub->add_flag("--no-display-prompt", o->no_display_prompt, "do not echo the prompt");
    sub->add_flag("--no-bos", o->no_bos, "do not add BOS");
    sub->add_flag("--chat", o->chat, "the prompt is one user message, rendered with the model's chat template");
    sub->add_flag("--json", o->json, "with --chat: print {reasoning, content, usage} as one JSON object");
    sub->add_option("--reasoning", o->reasoning, "with --chat: show, dim or hide the thought")
        ->check(CLI::IsMember({"show", "dim", "hide"}))->default_val("dim");
    sub->add_option("--think-budget", o->think_budget, "with --chat: close the thought after N tokens (0: answer directly)")
        ->default_val(-1);
    sub->add_option("--chat-template", o->chat_template, "with --chat: Jinja template file instead of the model's own");
    sub->add_option("--system", o->system, "with --chat: system prompt");
    sub->add_option("--var", o->vars, "with --chat: template variable NAME=JSON (repeatable)");
    return [o]() -> int {
        if (o->json && !o->chat) throw Error("--json needs --chat", "run", "add --chat");
        const std::string text = prompt_text(o->prompt, o->file);
        const auto t_load = Clock::now();
        const LoadOptions lo = o->load.options();
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
        if (o->chat) {
            run_chat_turn(*o, *model, *tok, session, load_ms);
            return 0;
        }

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
        int64_t generated = 0, evaluated = 0;
        std::string stop = "end of text";
        const auto limit_reached = [&] { return o->n_predict >= 0 && generated >= o->n_predict; };
        for (;;) {
            if (limit_reached()) { stop = "token limit (-n)"; break; }
            const int32_t next = sampler.sample(logits.data(), cfg.n_vocab);
            if (tok->is_end_of_generation(next)) break;
            sampler.accept(next);
            ++generated;
            put(stream.push(tok->token_to_piece(next, false)));
            // The last token allowed is printed, not evaluated: nothing would read its logits.
            if (limit_reached()) { stop = "token limit (-n)"; break; }
            if (session.n_past() >= session.n_ctx()) {
                stop = "context full (" + std::to_string(session.n_ctx()) + " tokens); use a larger --ctx-size";
                break;
            }
            logits = session.eval({next});
            ++evaluated;
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
                     // The first token comes from the prompt's logits: the rate counts forward passes.
                     evaluated > 0 ? 1000.0 * static_cast<double>(evaluated) / gen_ms : 0.0, threads,
                     static_cast<long long>(ctx), static_cast<unsigned long long>(sampler.seed()));
        return 0;
    };
}

}  // namespace edgeseek::cli
