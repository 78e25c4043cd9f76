// `edgeseek chat`: an interactive conversation in the terminal. Line editing and history
// come from libedit; the conversation, prompt rendering, KV-cache reuse, think budget and
// context shift live in the library (chat/chat_engine.h). Ctrl-C stops a reply (a SIGINT
// handler sets a flag the engine polls per token), Ctrl-D exits.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <fstream>
#include <sstream>

#include <histedit.h>  // libedit (cmake/libedit.cmake)

#include "chat/chat_engine.h"
#include "chat/reasoning_display.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"

namespace edgeseek::cli {

namespace {

std::atomic<bool> g_interrupt{false};

extern "C" void on_sigint(int) { g_interrupt.store(true); }

// SIGINT sets the flag; without SA_RESTART a blocked read() returns EINTR, which ends the
// line being edited.
void install_sigint_handler() {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, nullptr);
}

// Threads started while SIGINT is blocked inherit the mask, so Ctrl-C always reaches the
// main thread (the one reading the terminal).
void set_sigint_blocked(bool blocked) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

void say(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

enum class ReadStatus { Line, Eof, Interrupted };

// libedit's editor reading stdin through our own character reader, so that Ctrl-C (EINTR
// with the flag set) abandons the line instead of being retried.
class LineReader {
public:
    LineReader() {
        el_ = el_init("edgeseek", stdin, stdout, stderr);
        hist_ = history_init();
        HistEvent ev;
        history(hist_, &ev, H_SETSIZE, 1000);
        history(hist_, &ev, H_SETUNIQUE, 1);
        el_set(el_, EL_EDITOR, "emacs");
        el_set(el_, EL_HIST, history, hist_);
        el_set(el_, EL_CLIENTDATA, this);
        el_set(el_, EL_PROMPT, &LineReader::prompt_of);
        el_set(el_, EL_GETCFN, &LineReader::read_char);
        el_source(el_, nullptr);  // ~/.editrc, as other libedit programs do
    }
    ~LineReader() {
        el_end(el_);
        history_end(hist_);
    }
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    ReadStatus read(const std::string& prompt, std::string& line) {
        prompt_ = prompt;
        int n = 0;
        const char* s = el_gets(el_, &n);
        if (!s) {
            if (n < 0 && g_interrupt.exchange(false)) return ReadStatus::Interrupted;
            return ReadStatus::Eof;
        }
        line.assign(s, static_cast<size_t>(n));
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
        return ReadStatus::Line;
    }
    void remember(const std::string& entry) {
        HistEvent ev;
        history(hist_, &ev, H_ENTER, entry.c_str());
    }

private:
    static char* prompt_of(EditLine* el) {
        void* self = nullptr;
        el_get(el, EL_CLIENTDATA, &self);
        return static_cast<LineReader*>(self)->prompt_.data();
    }
    // One character from stdin, UTF-8 decoded as libedit's own reader does.
    static int read_char(EditLine*, wchar_t* out) {
        char buf[MB_LEN_MAX];
        size_t n = 0;
        for (;;) {
            char c = 0;
            const ssize_t r = ::read(STDIN_FILENO, &c, 1);
            if (r < 0) {
                if (errno == EINTR && !g_interrupt.load()) continue;
                *out = L'\0';
                return -1;
            }
            if (r == 0) {
                *out = L'\0';
                return 0;
            }
            buf[n++] = c;
            std::mbstate_t st{};
            const size_t k = std::mbrtowc(out, buf, n, &st);
            if (k == static_cast<size_t>(-2) && n < sizeof buf) continue;  // more bytes to come
            if (k == static_cast<size_t>(-1) || k == static_cast<size_t>(-2)) {
                n = 0;  // invalid sequence: dropped
                continue;
            }
            return 1;
        }
    }

    EditLine* el_ = nullptr;
    History* hist_ = nullptr;
    std::string prompt_;
};

// One message: a line, lines joined while they end in '\', or a block between two """ lines.
ReadStatus read_message(LineReader& in, std::string& text) {
    std::string line;
    ReadStatus s = in.read("> ", line);
    if (s != ReadStatus::Line) return s;
    text.clear();
    if (line == "\"\"\"") {
        for (bool first = true;; first = false) {
            if ((s = in.read("... ", line)) != ReadStatus::Line) return s;
            if (line == "\"\"\"") break;
            if (!first) text += '\n';
            text += line;
        }
    } else {
        while (!line.empty() && line.back() == '\\') {
            line.pop_back();
            text += line + '\n';
            if ((s = in.read("... ", line)) != ReadStatus::Line) return s;
        }
        text += line;
    }
    in.remember(text);
    return ReadStatus::Line;
}

constexpr const char* kHelp =
    "Type a message and press Enter. End a line with \\ to continue it, or put a message between two\n"
    "lines of \"\"\". Ctrl-C stops a reply, Ctrl-D exits. A message starting with / is a command\n"
    "(start it with // to send a literal /):\n"
    "  /help               this text\n"
    "  /reset              forget the conversation (the system prompt is kept)\n"
    "  /system TEXT        set the system prompt (no TEXT: remove it)\n"
    "  /think show|dim|hide  how the model's thinking is shown\n"
    "  /budget N|off       close the thinking after N tokens (0: answer directly)\n"
    "  /save FILE          write the conversation as JSON (an OpenAI-style messages array)\n"
    "  /load FILE          continue a saved conversation\n"
    "  /stats              tokens, KV-cache reuse and speed\n"
    "  /exit               leave\n";

struct ChatOpts {
    std::string model, reasoning = "dim", chat_template, system;
    int64_t n_predict = -1, ctx = 0, think_budget = -1;
    int threads = 0;
    bool no_context_shift = false;
    ModelLoadFlags load;
    std::vector<std::string> vars;
    SamplingParams sp;
};

class ChatRepl {
public:
    ChatRepl(ChatEngine& engine, Conversation& conv, ReasoningDisplay display)
        : engine_(engine), conv_(conv), display_(display), ansi_(::isatty(STDOUT_FILENO) != 0) {}

    int run() {
        LineReader in;
        say("edgeseek chat: /help for commands, Ctrl-C stops a reply, Ctrl-D exits.\n");
        std::string text;
        for (;;) {
            const ReadStatus s = read_message(in, text);
            if (s == ReadStatus::Eof) break;
            if (s == ReadStatus::Interrupted) {
                say("\n");
                continue;
            }
            if (text.empty()) continue;
            try {
                if (text[0] == '/' && text.rfind("//", 0) != 0) {
                    if (!command(text)) break;
                } else {
                    turn(text[0] == '/' ? text.substr(1) : text);
                }
            } catch (const Error& e) {
                say(std::string("error: ") + e.what() + "\n");
            }
        }
        say("\n");
        return 0;
    }

private:
    void turn(const std::string& text) {
        ReasoningPrinter printer(stdout, display_, ansi_);
        TurnEvents ev;
        ev.reasoning = [&](const std::string& s) { printer.reasoning(s); };
        ev.content = [&](const std::string& s) { printer.content(s); };
        ev.thought_done = [&](int64_t n, double sec) { printer.thought_done(n, sec); };
        ev.notice = [&](const std::string& s) { say("[" + s + "]\n"); };
        ev.stop_requested = [] { return g_interrupt.load(); };
        g_interrupt.store(false);
        const TurnResult r = engine_.respond(conv_, text, ev);
        g_interrupt.store(false);
        printer.finish(r.stats.reasoning_tokens, r.stats.reasoning_ms / 1000.0);
        const int64_t n_ctx = engine_.session().n_ctx();
        switch (r.stop) {
            case StopReason::EndOfText: break;
            case StopReason::Interrupted: say("[interrupted]\n"); break;
            case StopReason::TokenLimit:
                say("[reply cut at " + std::to_string(r.stats.completion_tokens) + " tokens (-n)]\n");
                break;
            case StopReason::ContextFull:
                say("[context full (" + std::to_string(n_ctx) + " tokens): the reply was cut; " +
                    (engine_.options().context_shift ? "/reset to start over"
                                                     : "/reset, or restart with a larger --ctx-size (--no-context-shift is on)") +
                    "]\n");
                break;
        }
    }

    static std::string arg_of(const std::string& line) {
        const size_t sp = line.find(' ');
        if (sp == std::string::npos) return {};
        const size_t b = line.find_first_not_of(' ', sp);
        return b == std::string::npos ? std::string() : line.substr(b);
    }

    // False: leave.
    bool command(const std::string& line) {
        const std::string name = line.substr(0, line.find(' '));
        const std::string arg = arg_of(line);
        if (name == "/exit" || name == "/quit") return false;
        if (name == "/help") {
            say(kHelp);
        } else if (name == "/reset") {
            conv_.clear();
            engine_.reset_stats();
            say("[conversation cleared]\n");
        } else if (name == "/system") {
            conv_.set_system(arg);
            say(arg.empty() ? "[system prompt removed]\n" : "[system prompt set]\n");
        } else if (name == "/think") {
            if (!arg.empty()) {
                const auto d = parse_reasoning_display(arg);
                if (!d) throw Error("expected show, dim or hide", "/think");
                display_ = *d;
            }
            say(std::string("[thinking: ") + reasoning_display_name(display_) + "]\n");
        } else if (name == "/budget") {
            budget(arg);
        } else if (name == "/save") {
            if (arg.empty()) throw Error("expected a file name", "/save", "/save FILE");
            conv_.save(arg);
            say("[saved " + std::to_string(conv_.size()) + " messages to " + arg + "]\n");
        } else if (name == "/load") {
            if (arg.empty()) throw Error("expected a file name", "/load", "/load FILE");
            conv_ = Conversation::load(arg);
            say("[loaded " + std::to_string(conv_.size()) + " messages from " + arg + "]\n");
        } else if (name == "/stats") {
            stats();
        } else {
            say("[unknown command " + name + "; /help lists them]\n");
        }
        return true;
    }

    void budget(const std::string& arg) {
        int64_t& b = engine_.options().think_budget;
        if (arg == "off" || arg == "-1") {
            b = -1;
        } else if (!arg.empty()) {
            char* end = nullptr;
            const long long v = std::strtoll(arg.c_str(), &end, 10);
            if (*end != '\0' || v < 0) throw Error("expected a token count or off", "/budget", "/budget 256");
            b = v;
        }
        say(b < 0 ? std::string("[think budget: off]\n") : "[think budget: " + std::to_string(b) + " tokens]\n");
    }

    void stats() {
        const TurnStats& t = engine_.last_turn();
        const ChatTotals& a = engine_.totals();
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "last turn: prompt %lld tokens (%lld reused from the KV cache, %lld evaluated, %.1f ms); "
                      "reply %lld tokens (%lld thinking), %.1f ms, %.2f tokens/s\n"
                      "conversation: %zu messages, %lld turns; context %lld of %lld tokens in use; "
                      "%lld tokens reused in all; %lld turns dropped\n",
                      static_cast<long long>(t.prompt_tokens), static_cast<long long>(t.reused_tokens),
                      static_cast<long long>(t.evaluated_tokens), t.prompt_ms,
                      static_cast<long long>(t.completion_tokens), static_cast<long long>(t.reasoning_tokens),
                      t.generation_ms,
                      t.generation_ms > 0 ? 1000.0 * static_cast<double>(t.completion_tokens) / t.generation_ms : 0.0,
                      conv_.size(), static_cast<long long>(a.turns), static_cast<long long>(engine_.session().n_past()),
                      static_cast<long long>(engine_.session().n_ctx()), static_cast<long long>(a.reused_tokens),
                      static_cast<long long>(a.dropped_turns));
        say(buf);
    }

    ChatEngine& engine_;
    Conversation& conv_;
    ReasoningDisplay display_;
    bool ansi_;
};

std::string read_template(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the chat template", path, "check the path");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

CommandRun add_chat_command(CLI::App& app) {
    auto o = std::make_shared<ChatOpts>();
    CLI::App* sub = app.add_subcommand("chat", "Talk with a model interactively (its chat template, thinking shown dimmed)");
    sub->add_option("-m,--model", o->model, "GGUF model file")->required();
    sub->add_option("-n,--n-predict,--n_predict", o->n_predict, "tokens per reply at most (-1: no limit)")->default_val(-1);
    sub->add_option("-c,--ctx-size,--ctx_size", o->ctx, "context size in tokens (default: min(4096, trained))");
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_option("--reasoning", o->reasoning, "show, dim or hide the model's thinking")
        ->check(CLI::IsMember({"show", "dim", "hide"}))->default_val("dim");
    sub->add_option("--think-budget", o->think_budget, "close the thinking after N tokens (0: answer directly; -1: no limit)")
        ->default_val(-1);
    sub->add_option("--chat-template", o->chat_template, "Jinja template file instead of the model's own");
    sub->add_option("--system", o->system, "system prompt");
    sub->add_option("--var", o->vars, "template variable NAME=JSON (repeatable), e.g. enable_thinking=false");
    sub->add_flag("--no-context-shift", o->no_context_shift, "when the context fills, stop instead of dropping old turns");
    add_sampling_flags(sub, &o->sp);
    add_model_load_flags(sub, &o->load);
    return [o]() -> int {
        // Line editing needs the terminal's character set (UTF-8 input); C.UTF-8 when unset.
        if (!std::setlocale(LC_CTYPE, "") || MB_CUR_MAX == 1) std::setlocale(LC_CTYPE, "C.UTF-8");
        ChatOptions co;
        co.sampling = o->sp;
        co.max_tokens = o->n_predict;
        co.think_budget = o->think_budget;
        co.context_shift = !o->no_context_shift;
        for (const auto& v : o->vars) add_template_var(co.template_vars, v);
        const std::string tmpl = read_template(o->chat_template);

        std::fprintf(stderr, "loading %s ...\n", o->model.c_str());
        const LoadOptions lo = o->load.options();
        auto model = Model::load(o->model, lo);
        auto tok = Tokenizer::from_gguf(model->file());
        const int64_t ctx = o->ctx > 0 ? o->ctx : std::min<int64_t>(4096, model->config().n_ctx_train);
        set_sigint_blocked(true);
        Session session(*model, ctx, o->threads > 0 ? o->threads : default_threads());
        set_sigint_blocked(false);
        ChatEngine engine(session, *tok, ChatFormat::from_gguf(model->file(), tmpl), co);
        Conversation conv;
        conv.set_system(o->system);
        install_sigint_handler();
        std::fprintf(stderr, "context: %lld tokens, seed: %llu\n", static_cast<long long>(ctx),
                     static_cast<unsigned long long>(engine.seed()));
        ChatRepl repl(engine, conv, *parse_reasoning_display(o->reasoning));
        return repl.run();
    };
}

}  // namespace edgeseek::cli
