// `edgeseek serve`: the OpenAI-compatible HTTP server. Listens first (503 while the model
// loads), then serves until SIGINT/SIGTERM: new work is refused, requests in flight get a
// grace period to finish, the rest are ended with an error event, and the process exits 0.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "chat/chat_format.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "model/model.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::cli {

namespace {

struct ServeOpts {
    std::string model, host = "127.0.0.1", api_key, api_key_file, alias, chat_template;
    int port = 8080, parallel = 1, threads = 0, http_threads = 0;
    int64_t ctx = 0, batch = 256, max_queue = 64, think_budget = -1;
    int timeout = 60;
    double grace = 10.0;
    size_t max_body = 8u << 20;
    bool quiet = false;
    ModelLoadFlags load;
    SamplingParams sp;
};

using Clock = std::chrono::steady_clock;

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    const size_t b = s.find_first_not_of(ws);
    return b == std::string::npos ? std::string() : s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// SIGINT/SIGTERM are blocked in every thread and taken here with sigwait(), so nothing runs
// in signal context. The first asks for a graceful shutdown, a second for an immediate one.
class ShutdownSignals {
public:
    ShutdownSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // before any thread exists: all inherit it
        ::signal(SIGPIPE, SIG_IGN);                   // a vanished client is a failed write, not death
        thread_ = std::thread([this] {
            for (;;) {
                int sig = 0;
                if (sigwait(&set_, &sig) != 0) continue;
                std::lock_guard<std::mutex> lock(mu_);
                if (quit_) return;
                ++count_;
                name_ = sig == SIGINT ? "SIGINT" : "SIGTERM";
                cv_.notify_all();
            }
        });
    }
    ~ShutdownSignals() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            quit_ = true;
        }
        pthread_kill(thread_.native_handle(), SIGTERM);
        thread_.join();
    }
    // Waits for the n-th signal (or until `until`); true when it came.
    bool wait(int n, Clock::time_point until = Clock::time_point::max()) {
        std::unique_lock<std::mutex> lock(mu_);
        if (until == Clock::time_point::max()) {
            cv_.wait(lock, [&] { return count_ >= n; });
            return true;
        }
        return cv_.wait_until(lock, until, [&] { return count_ >= n; });
    }
    bool received(int n = 1) {
        std::lock_guard<std::mutex> lock(mu_);
        return count_ >= n;
    }
    std::string name() {
        std::lock_guard<std::mutex> lock(mu_);
        return name_;
    }

private:
    sigset_t set_{};
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    int count_ = 0;
    bool quit_ = false;
    std::string name_;
};

void log_line(const std::string& s) {
    std::fprintf(stderr, "edgeseek serve: %s\n", s.c_str());
    std::fflush(stderr);
}

// After the first signal: refuse new work, give requests in flight `grace` seconds (a second
// signal cuts it short), end the rest with an error event, then close the listener.
void shut_down(HttpServer& http, Scheduler& scheduler, ShutdownSignals& signals, double grace_s) {
    char grace[64];
    std::snprintf(grace, sizeof grace, "%g", grace_s);
    log_line(signals.name() + " received: finishing requests in flight (up to " + grace +
             " s; send it again to stop now)");
    http.set_draining();
    scheduler.stop_accepting();
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_s));
    while (!scheduler.idle() && Clock::now() < deadline && !signals.received(2)) {
        signals.wait(2, std::min(deadline, Clock::now() + std::chrono::milliseconds(20)));
    }
    if (!scheduler.idle()) {
        log_line("ending the requests still running");
        scheduler.cancel_all("the server is shutting down");
    }
    // Let the handlers write their last events before the listener goes.
    const auto flush_deadline = Clock::now() + std::chrono::seconds(5);
    while ((!scheduler.idle() || http.in_flight() > 0) && Clock::now() < flush_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    http.stop();
    log_line("stopped");
}

int serve(const ServeOpts& o) {
    if (o.parallel < 1) throw Error("--parallel must be at least 1", "serve");
    if (o.max_queue < 0) throw Error("--max-queue must be 0 or more", "serve");
    std::string key = o.api_key;
    if (!o.api_key_file.empty()) key = trim(read_file(o.api_key_file, "API key file"));
    if (!o.api_key_file.empty() && key.empty()) throw Error("the API key file is empty", o.api_key_file);

    ShutdownSignals signals;
    ServerMetrics metrics;
    HttpOptions ho;
    ho.host = o.host;
    ho.port = o.port;
    ho.api_key = key;
    ho.max_body = o.max_body;
    ho.timeout_s = o.timeout;
    ho.threads = o.http_threads > 0 ? o.http_threads : o.parallel + static_cast<int>(o.max_queue) + 16;
    ho.log_requests = !o.quiet;
    HttpServer http(ho, metrics);
    const int port = http.bind();
    http.start();
    log_line("listening on http://" + o.host + ":" + std::to_string(port) + " (loading " + o.model + ")");
    if (!is_loopback_host(o.host) && key.empty()) {
        log_line("warning: listening on " + o.host + " without an API key: anyone who can reach this port can use "
                 "the model (set --api-key or --api-key-file)");
    }

    const auto t_load = Clock::now();
    const LoadOptions lo = o.load.options();
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tok;
    std::unique_ptr<ChatFormat> format;
    try {
        model = Model::load(o.model, lo);
        tok = Tokenizer::from_gguf(model->file());
        try {
            format = std::make_unique<ChatFormat>(ChatFormat::from_gguf(
                model->file(), o.chat_template.empty() ? std::string() : read_file(o.chat_template, "chat template")));
        } catch (const Error& e) {
            if (!o.chat_template.empty()) throw;
            log_line(std::string("warning: ") + e.what() + "; /v1/chat/completions is unavailable");
        }
    } catch (...) {
        http.stop();
        throw;
    }
    const ModelConfig& cfg = model->config();
    SchedulerOptions so;
    so.n_slots = o.parallel;
    so.n_ctx = o.ctx > 0 ? o.ctx : std::min<int64_t>(4096, cfg.n_ctx_train);
    so.n_threads = o.threads > 0 ? o.threads : default_threads();
    so.n_batch = o.batch;
    so.max_queue = o.max_queue;
    if (so.n_ctx > cfg.n_ctx_train) {
        log_line("warning: --ctx-size " + std::to_string(so.n_ctx) + " exceeds the model's trained context " +
                 std::to_string(cfg.n_ctx_train));
    }
    Scheduler scheduler(*model, *tok, so, metrics);
    ApiConfig ac;
    ac.model_id = o.alias.empty() ? std::filesystem::path(o.model).stem().string() : o.alias;
    ac.defaults = o.sp;
    ac.default_think_budget = o.think_budget;
    Api api(*tok, format.get(), scheduler, metrics, ac);
    http.set_api(&api);
    const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t_load).count();
    char ready[256];
    std::snprintf(ready, sizeof ready, "ready in %.0f ms: model '%s', %d slot(s) of %lld tokens, %d threads", load_ms,
                  ac.model_id.c_str(), so.n_slots, static_cast<long long>(so.n_ctx), so.n_threads);
    log_line(ready);

    signals.wait(1);
    shut_down(http, scheduler, signals, o.grace);
    return 0;
}

}  // namespace

CommandRun add_serve_command(CLI::App& app) {
    auto o = std::make_shared<ServeOpts>();
    CLI::App* sub = app.add_subcommand("serve", "OpenAI-compatible HTTP server (chat with reasoning, completions)");
    sub->add_option("-m,--model", o->model, "GGUF model file")->required();
    sub->add_option("--host", o->host, "address to listen on")->default_val("127.0.0.1");
    sub->add_option("--port", o->port, "port (0: any free port, printed at start)")->default_val(8080);
    sub->add_option("--parallel,--n-parallel", o->parallel, "slots: requests decoded together")->default_val(1);
    sub->add_option("-c,--ctx-size,--ctx_size", o->ctx, "context of each slot in tokens (default: min(4096, trained))");
    sub->add_option("-t,--threads", o->threads, "compute threads (default: physical cores)");
    sub->add_option("-b,--batch-size", o->batch, "most tokens in one forward pass (prompt chunks share it)")->default_val(256);
    sub->add_option("--max-queue", o->max_queue, "requests that may wait for a slot; more get 429")->default_val(64);
    auto* key = sub->add_option("--api-key", o->api_key, "require 'Authorization: Bearer KEY'");
    sub->add_option("--api-key-file", o->api_key_file, "read the API key from this file")->excludes(key);
    sub->add_option("--timeout", o->timeout, "socket read/write timeout in seconds")->default_val(60);
    sub->add_option("--max-body", o->max_body, "largest request body in bytes (413 beyond)")->default_val(8u << 20);
    sub->add_option("--shutdown-grace", o->grace, "seconds requests in flight get to finish on SIGINT/SIGTERM")
        ->default_val(10.0);
    sub->add_option("--http-threads", o->http_threads, "connections served at once (default: parallel + max-queue + 16)");
    sub->add_option("--alias", o->alias, "model id in /v1/models and replies (default: the file name)");
    sub->add_option("--chat-template", o->chat_template, "Jinja chat template file instead of the model's own");
    sub->add_option("--think-budget", o->think_budget, "default thought budget in tokens (-1: none; requests may set reasoning_budget)")
        ->default_val(-1);
    sub->add_option("--temp,--temperature", o->sp.temperature, "default temperature")->default_val(0.6f);
    sub->add_option("--top-k,--top_k", o->sp.top_k, "default top-k (0: off)")->default_val(40);
    sub->add_option("--top-p,--top_p", o->sp.top_p, "default top-p (1: off)")->default_val(0.95f);
    sub->add_option("--min-p,--min_p", o->sp.min_p, "default min-p (0: off)")->default_val(0.05f);
    sub->add_option("--repeat-penalty,--repeat_penalty", o->sp.repeat_penalty, "default repetition penalty")->default_val(1.0f);
    add_model_load_flags(sub, &o->load);
    sub->add_flag("-q,--quiet", o->quiet, "do not log each request");
    return [o]() -> int { return serve(*o); };
}

}  // namespace edgeseek::cli
