// Shared by the server tests: a real `edgeseek serve` process on 127.0.0.1 (any free port),
// and a small HTTP/1.1 client over plain sockets, so tests can also misbehave on purpose
// (stop reading mid-stream, send half a request, lie about the length).
#pragma once
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace edgeseek::test {

class ServerProcess {
public:
    // Starts `edgeseek serve --port 0 ARGS` and waits until it is ready (GET /health is 200).
    // ok() false when it did not come up; log() says why.
    explicit ServerProcess(const std::vector<std::string>& args, bool wait_ready = true);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    bool ok() const { return port_ > 0; }
    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    std::string log() const;  // its stderr so far

    void signal(int sig) const;
    // Waits for the process to exit; its exit code, -1 on timeout (or killed by a signal).
    int wait_exit(double seconds);

private:
    TempDir dir_;
    pid_t pid_ = -1;
    int port_ = 0;
    bool exited_ = false;
};

struct HttpResult {
    int status = 0;  // 0: no response (connection failed or closed early)
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;                            // de-chunked
    std::string error;                           // why status is 0
};

// A TCP connection to 127.0.0.1:port (the fd), or -1.
int connect_local(int port);

// One request on a fresh connection ("Connection: close").
HttpResult http_request(int port, const std::string& method, const std::string& path, const std::string& body = {},
                        const std::vector<std::string>& extra_headers = {}, double timeout_s = 60);

// POST with a streamed response: on_data gets the body as it arrives (de-chunked) and returns
// false to hang up at once. The result's body holds everything received.
HttpResult http_stream(int port, const std::string& path, const std::string& body,
                       const std::function<bool(const std::string& so_far)>& on_data, double timeout_s = 60);

// The JSON payloads of an SSE body's "data:" lines, "[DONE]" excluded; *done set when seen.
std::vector<nlohmann::json> sse_events(const std::string& body, bool* done = nullptr);

// A Prometheus sample value from /metrics text ("name" or "name{labels}"); -1 when absent.
double metric_value(const std::string& text, const std::string& sample);

// Joins reasoning_content / content of chat chunks.
struct StreamedChat {
    std::string reasoning, content, finish_reason;
    nlohmann::json usage;
    bool done = false;
    int chunks = 0;
};
StreamedChat join_chat_stream(const std::string& body);

// Sampling that gives varied text from a random-weight model (it otherwise repeats a token).
nlohmann::json flat_sampling(int seed);

}  // namespace edgeseek::test
