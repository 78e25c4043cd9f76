#include "server/server_testing.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace edgeseek::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool send_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

// De-chunks what has arrived of a chunked body (an incomplete last chunk is left out).
std::string dechunk(const std::string& raw) {
    std::string out;
    size_t p = 0;
    for (;;) {
        const size_t eol = raw.find("\r\n", p);
        if (eol == std::string::npos) break;
        const size_t len = std::strtoul(raw.substr(p, eol - p).c_str(), nullptr, 16);
        if (len == 0 || eol + 2 + len > raw.size()) break;
        out.append(raw, eol + 2, len);
        p = eol + 2 + len + 2;
    }
    return out;
}

// Reads a response; on_data (may be empty) sees the body so far after each read.
HttpResult read_response(int fd, const std::function<bool(const std::string&)>& on_data, double timeout_s) {
    HttpResult r;
    std::string raw;
    size_t header_end = std::string::npos;
    bool chunked = false;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    char buf[16384];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            r.error = "timed out";
            break;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
        if (header_end == std::string::npos) {
            header_end = raw.find("\r\n\r\n");
            if (header_end == std::string::npos) continue;
            std::istringstream hs(raw.substr(0, header_end));
            std::string line;
            std::getline(hs, line);
            if (line.size() > 12) r.status = std::atoi(line.c_str() + 9);
            while (std::getline(hs, line)) {
                if (!line.empty() && line.back() == '\r') line.pop_back();
                const size_t colon = line.find(':');
                if (colon == std::string::npos) continue;
                std::string name = line.substr(0, colon);
                for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
            }
            chunked = r.headers["transfer-encoding"] == "chunked";
        }
        const std::string payload = raw.substr(header_end + 4);
        r.body = chunked ? dechunk(payload) : payload;
        if (chunked && payload.size() >= 5 && payload.compare(payload.size() - 5, 5, "0\r\n\r\n") == 0) break;
        if (!chunked && r.headers.count("content-length") &&
            payload.size() >= std::stoul(r.headers["content-length"])) {
            break;
        }
        if (on_data && !on_data(r.body)) break;
    }
    if (r.status == 0 && r.error.empty()) r.error = "connection closed before a response (" + std::to_string(raw.size()) + " bytes)";
    return r;
}

std::string request_text(int port, const std::string& method, const std::string& path, const std::string& body,
                         const std::vector<std::string>& headers) {
    std::string s = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n";
    for (const std::string& h : headers) s += h + "\r\n";
    if (method == "POST") s += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    return s + "\r\n" + body;
}

}  // namespace

int connect_local(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args, bool wait_ready) {
    const std::string log_path = dir_.file("stderr");
    std::vector<std::string> argv_s = {edgeseek_binary(), "serve", "--port", "0"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
        const int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int out = ::open(dir_.file("stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(err, 2);
        ::dup2(out, 1);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    int port = 0;
    while (Clock::now() < deadline && port == 0) {
        std::smatch m;
        const std::string text = read_all(log_path);
        if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
        else if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            exited_ = true;
            return;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    if (!wait_ready) {
        port_ = port;
        return;
    }
    while (port > 0 && Clock::now() < deadline) {
        if (http_request(port, "GET", "/health", {}, {}, 5).status == 200) {
            port_ = port;
            return;
        }
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            exited_ = true;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0 && !exited_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

std::string ServerProcess::log() const { return read_all(dir_.file("stderr")); }

void ServerProcess::signal(int sig) const {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
}

int ServerProcess::wait_exit(double seconds) {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    while (Clock::now() < deadline) {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
            exited_ = true;
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

HttpResult http_request(int port, const std::string& method, const std::string& path, const std::string& body,
                        const std::vector<std::string>& extra_headers, double timeout_s) {
    HttpResult r;
    const int fd = connect_local(port);
    if (fd < 0) {
        r.error = "cannot connect";
        return r;
    }
    if (!send_all(fd, request_text(port, method, path, body, extra_headers))) {
        // The server may answer (413) before reading everything: read what it said.
    }
    r = read_response(fd, nullptr, timeout_s);
    ::close(fd);
    return r;
}

HttpResult http_stream(int port, const std::string& path, const std::string& body,
                       const std::function<bool(const std::string&)>& on_data, double timeout_s) {
    HttpResult r;
    const int fd = connect_local(port);
    if (fd < 0) {
        r.error = "cannot connect";
        return r;
    }
    send_all(fd, request_text(port, "POST", path, body, {}));
    r = read_response(fd, on_data, timeout_s);
    ::close(fd);
    return r;
}

std::vector<nlohmann::json> sse_events(const std::string& body, bool* done) {
    std::vector<nlohmann::json> out;
    if (done) *done = false;
    std::istringstream in(body);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("data: ", 0) != 0) continue;
        const std::string data = line.substr(6);
        if (data == "[DONE]") {
            if (done) *done = true;
            continue;
        }
        out.push_back(nlohmann::json::parse(data));
    }
    return out;
}

double metric_value(const std::string& text, const std::string& sample) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
    }
    return -1;
}

StreamedChat join_chat_stream(const std::string& body) {
    StreamedChat s;
    for (const nlohmann::json& e : sse_events(body, &s.done)) {
        ++s.chunks;
        if (e.contains("usage") && !e["usage"].is_null()) s.usage = e["usage"];
        if (!e.contains("choices") || e["choices"].empty()) continue;
        const nlohmann::json& c = e["choices"][0];
        const nlohmann::json& d = c["delta"];
        if (d.contains("reasoning_content") && d["reasoning_content"].is_string()) s.reasoning += d["reasoning_content"];
        if (d.contains("content") && d["content"].is_string()) s.content += d["content"];
        if (!c["finish_reason"].is_null()) s.finish_reason = c["finish_reason"];
    }
    return s;
}

nlohmann::json flat_sampling(int seed) {
    return {{"temperature", 2}, {"top_k", 1000}, {"top_p", 1}, {"min_p", 0},
            {"frequency_penalty", 2}, {"presence_penalty", 2}, {"seed", seed}};
}

}  // namespace edgeseek::test
