#include "server/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

#include "core/error.h"
#include "server/api.h"
#include "server/api_error.h"

namespace edgeseek {
namespace {

using Clock = std::chrono::steady_clock;

// Without news from the engine for this long, a stream sends an SSE comment: clients ignore
// it, and writing it is how a vanished client is noticed while a request waits.
constexpr std::chrono::milliseconds kHeartbeat{1000};
constexpr std::chrono::milliseconds kPoll{100};

ApiError status_error(int status) {
    switch (status) {
        case 400: return ApiError(400, "malformed HTTP request", "invalid_request_error", "bad_request");
        case 404: return ApiError(404, "unknown route", "invalid_request_error", "unknown_url");
        case 413: return ApiError(413, "the request body is too large", "invalid_request_error", "request_too_large");
        case 414: return ApiError(414, "the request URI is too long", "invalid_request_error", "uri_too_long");
        default:
            return ApiError(status, "HTTP error " + std::to_string(status),
                            status >= 500 ? "server_error" : "invalid_request_error", "");
    }
}

void write_error(httplib::Response& res, const ApiError& e) {
    res.status = e.status();
    if (e.status() == 429 || e.status() == 503) res.set_header("Retry-After", "1");
    if (e.status() == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(dump_json(e.to_json()), "application/json");
}

// Counts a response as in flight for as long as this lives.
struct InFlight {
    explicit InFlight(std::atomic<int>& n) : n_(n) { ++n_; }
    ~InFlight() { --n_; }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    std::atomic<int>& n_;
};

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
    // Every byte of b is looked at whatever a holds; only the length of a can leak.
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < b.size(); ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
    }
    return diff == 0;
}

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct HttpServer::Impl {
    HttpOptions opts;
    ServerMetrics& metrics;
    httplib::Server svr;
    std::thread thread;
    std::atomic<Api*> api{nullptr};
    std::atomic<bool> draining{false};
    std::atomic<int> in_flight{0};
    int listen_fd = -1;
    bool started = false, stopped = false;

    Impl(HttpOptions o, ServerMetrics& m) : opts(std::move(o)), metrics(m) {}

    using Endpoint = std::function<ApiResponse(Api&, const std::string& body)>;

    void check_auth(const httplib::Request& req) const {
        if (opts.api_key.empty()) return;
        std::string given;
        const std::string auth = req.get_header_value("Authorization");
        if (auth.rfind("Bearer ", 0) == 0) given = auth.substr(7);
        else if (req.has_header("X-Api-Key")) given = req.get_header_value("X-Api-Key");
        else throw ApiError(401, "missing API key: send 'Authorization: Bearer KEY'", "authentication_error", "missing_api_key");
        if (!constant_time_equal(given, opts.api_key)) {
            throw ApiError(401, "invalid API key", "authentication_error", "invalid_api_key");
        }
    }

    void answer(const httplib::Request& req, httplib::Response& res, const std::string& body, const Endpoint& fn) {
        try {
            check_auth(req);
            Api* a = api.load();
            if (!a) throw ApiError(503, "the model is still loading", "server_error", "model_loading");
            if (draining.load()) throw ApiError(503, "the server is shutting down", "server_error", "shutting_down");
            ApiResponse r = fn(*a, body);
            if (r.stream) return stream(res, r.stream);
            res.status = r.status;
            res.set_content(r.body, r.content_type.c_str());
        } catch (const ApiError& e) {
            write_error(res, e);
        } catch (const std::exception& e) {
            write_error(res, ApiError(500, std::string("internal error: ") + e.what(), "server_error", "internal_error"));
        }
    }

    void stream(httplib::Response& res, std::shared_ptr<SseStream> s) {
        std::shared_ptr<void> guard = std::make_shared<InFlight>(in_flight);  // void: no lambda member of Impl may name InFlight (anonymous namespace)
        res.status = 200;
        res.set_header("Cache-Control", "no-cache");
        res.set_header("X-Accel-Buffering", "no");
        auto last_write = std::make_shared<Clock::time_point>(Clock::now());
        res.set_chunked_content_provider(
            "text/event-stream",
            [s, guard, last_write](size_t, httplib::DataSink& sink) {
                std::string out;
                if (!s->next(out, kPoll)) {
                    sink.done();
                    return true;
                }
                if (out.empty()) {
                    if (Clock::now() - *last_write < kHeartbeat) return true;
                    out = ": keep-alive\n\n";
                }
                *last_write = Clock::now();
                if (!sink.write(out.data(), out.size())) {
                    s->cancel();
                    return false;
                }
                return true;
            },
            [s, guard](bool success) {
                if (!success) s->cancel();
            });
    }

    void get(const char* path, Endpoint fn) {
        svr.Get(path, [this, fn](const httplib::Request& req, httplib::Response& res) { answer(req, res, {}, fn); });
    }

    void post(const char* path, Endpoint fn) {
        svr.Post(path, [this, fn](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
            std::string body;
            bool too_large = false;
            const bool ok = reader([&](const char* data, size_t n) {
                if (body.size() + n > opts.max_body) {
                    too_large = true;
                    return false;
                }
                body.append(data, n);
                return true;
            });
            if (too_large || res.status == 413) {
                res.set_header("Connection", "close");
                return write_error(res, ApiError(413, "the request body is larger than " + std::to_string(opts.max_body) +
                                                          " bytes", "invalid_request_error", "request_too_large"));
            }
            if (!ok) return write_error(res, ApiError(400, "could not read the request body", "invalid_request_error", "bad_request"));
            answer(req, res, body, fn);
        });
    }

    void health(const httplib::Request&, httplib::Response& res) {
        nlohmann::json j;
        if (!api.load()) {
            res.status = 503;
            j = {{"status", "loading"}};
        } else if (draining.load()) {
            res.status = 503;
            j = {{"status", "shutting down"}};
        } else {
            j = {{"status", "ok"}};
        }
        res.set_content(j.dump(), "application/json");
    }

    void install() {
        svr.new_task_queue = [n = opts.threads] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
        svr.set_read_timeout(opts.timeout_s, 0);
        svr.set_write_timeout(opts.timeout_s, 0);
        svr.set_payload_max_length(opts.max_body);
        svr.set_tcp_nodelay(true);
        // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port
        // and silently share its traffic; SO_REUSEADDR alone makes that an error.
        svr.set_socket_options([this](int sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
            listen_fd = sock;
        });

        svr.Get("/health", [this](const httplib::Request& req, httplib::Response& res) { health(req, res); });
        svr.Get("/v1/health", [this](const httplib::Request& req, httplib::Response& res) { health(req, res); });
        for (const char* p : {"/v1/chat/completions", "/chat/completions"}) {
            post(p, [](Api& a, const std::string& b) { return a.chat_completions(b); });
        }
        for (const char* p : {"/v1/completions", "/completions"}) {
            post(p, [](Api& a, const std::string& b) { return a.completions(b); });
        }
        for (const char* p : {"/v1/models", "/models"}) {
            get(p, [](Api& a, const std::string&) { return a.models(); });
        }
        post("/tokenize", [](Api& a, const std::string& b) { return a.tokenize(b); });
        post("/detokenize", [](Api& a, const std::string& b) { return a.detokenize(b); });
        get("/metrics", [](Api& a, const std::string&) { return a.metrics(); });

        // Errors httplib answers itself (unknown route, malformed request, Content-Length
        // over the limit) get an OpenAI error body too.
        svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            ApiError e = status_error(res.status);
            if (res.status == 404) {
                e = ApiError(404, "unknown route: " + req.method + " " + req.path, "invalid_request_error", "unknown_url");
            }
            write_error(res, e);
            return httplib::Server::HandlerResponse::Handled;
        }));
        svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            write_error(res, ApiError(500, "internal error", "server_error", "internal_error"));
        });
        svr.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            metrics.count_response(res.status);
            if (opts.log_requests) {
                std::fprintf(stderr, "%s %s %d\n", req.method.c_str(), req.path.c_str(), res.status);
            }
        });
    }
};

HttpServer::HttpServer(HttpOptions opts, ServerMetrics& metrics) : impl_(std::make_unique<Impl>(std::move(opts), metrics)) {
    impl_->install();
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind() {
    Impl& m = *impl_;
    int port = m.opts.port;
    if (port == 0) {
        port = m.svr.bind_to_any_port(m.opts.host);
        if (port < 0) port = 0;
    } else if (!m.svr.bind_to_port(m.opts.host, port)) {
        port = 0;
    }
    // Debian's compiled httplib listens with a backlog of 5: a burst of clients would see
    // dropped SYNs and 1 s retransmits. Listening again on the socket only raises the backlog.
    if (port > 0 && m.listen_fd >= 0) ::listen(m.listen_fd, 512);
    if (port <= 0) {
        throw Error("cannot listen on " + m.opts.host + ":" + std::to_string(m.opts.port), "serve",
                    "is the port in use or the address not of this machine? Try another --port or --host");
    }
    return port;
}

void HttpServer::start() {
    Impl& m = *impl_;
    m.started = true;
    m.thread = std::thread([&m] { m.svr.listen_after_bind(); });
    // stop() only works once the listening loop runs.
    while (!m.svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::set_api(Api* api) { impl_->api.store(api); }

void HttpServer::set_draining() { impl_->draining.store(true); }

int HttpServer::in_flight() const { return impl_->in_flight.load(); }

void HttpServer::stop() {
    Impl& m = *impl_;
    if (!m.started || m.stopped) return;
    m.stopped = true;
    m.svr.stop();
    m.thread.join();
}

}  // namespace edgeseek
