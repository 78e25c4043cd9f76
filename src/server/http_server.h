// The HTTP side of `edgeseek serve` (cpp-httplib): routes, API-key check, body size limit,
// OpenAI-style error bodies for every failure, SSE streaming with disconnect detection, and
// the states of a server's life: loading (503), serving, draining (503 for new work).
// httplib.h stays inside http_server.cpp.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "server/metrics.h"

namespace edgeseek {

class Api;

struct HttpOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                   // 0: any free port
    std::string api_key;               // empty: no authentication
    size_t max_body = 8u << 20;        // bytes of a request body (413 beyond)
    int timeout_s = 60;                // socket read/write timeout
    int threads = 32;                  // connections served at once
    bool log_requests = true;          // one line per request on stderr
};

class HttpServer {
public:
    HttpServer(HttpOptions opts, ServerMetrics& metrics);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds the listening socket; returns the port. Throws Error when it cannot.
    int bind();
    // Serves in a background thread; every API route answers 503 until set_api().
    void start();
    void set_api(Api* api);
    // New work is refused with 503; requests in flight go on.
    void set_draining();
    // Responses still being written (streams included).
    int in_flight() const;
    // Closes the listener and waits for the serving thread.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Byte comparison whose time does not depend on where the strings differ.
bool constant_time_equal(const std::string& a, const std::string& b);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace edgeseek
