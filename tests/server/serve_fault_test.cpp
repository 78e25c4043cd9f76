// A bounded fault test: clients that vanish mid-stream or while queued, malformed, oversized,
// lying and stalled requests. The server keeps serving throughout, and afterwards every slot
// is free and the queue empty (checked via /metrics); vanished clients' generations were
// cancelled, not run to their end.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "chat/chat_test_model.h"
#include "server/server_testing.h"

namespace edgeseek {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

void raw_send(int fd, const std::string& s) { (void)::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

// Reads until the server closes, a whole response has come, or `seconds` pass; what it sent.
std::string raw_read(int fd, double seconds) {
    timeval tv{static_cast<long>(seconds), 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
        const size_t end = out.find("\r\n\r\n");
        const size_t len = out.find("Content-Length: ");
        if (end != std::string::npos && len != std::string::npos && len < end &&
            out.size() >= end + 4 + std::stoul(out.substr(len + 16))) {
            break;
        }
    }
    return out;
}

json long_chat(int seed) {
    json b = test::flat_sampling(seed);
    b["messages"] = json::array({{{"role", "user"}, {"content", "Write a very long essay."}}});
    b["max_tokens"] = 3000;  // far longer than the test: only a cancellation ends it in time
    b["stream"] = true;
    return b;
}

TEST(ServeFault, VanishingAndMisbehavingClientsLeaveEverySlotFree) {
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    test::ServerProcess server({"-m", test::chat_test_model(), "-t", "1", "--parallel", "2", "--max-queue", "8",
                                "--timeout", "2", "--max-body", "4096", "-q"});
    ASSERT_TRUE(server.ok()) << server.log();
    const int port = server.port();

    // 1. Four streaming clients hang up after their first tokens (two of them wait in the queue
    //    first), one hangs up right after sending its request.
    std::vector<std::thread> quitters;
    std::atomic<int> got_data{0};
    for (int i = 0; i < 4; ++i) {
        quitters.emplace_back([&, i] {
            test::http_stream(port, "/v1/chat/completions", long_chat(i).dump(), [&](const std::string& so_far) {
                if (so_far.find("\"content\":\"") == std::string::npos && so_far.find("reasoning_content\":\"") == std::string::npos) {
                    return true;  // not a token yet
                }
                ++got_data;
                return false;
            });
        });
    }
    {
        const int fd = test::connect_local(port);
        const std::string body = long_chat(9).dump();
        raw_send(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
        ::close(fd);
    }
    // 2. Malformed, oversized, lying and stalled requests, while those run.
    std::string garbage_reply, stalled_reply, lying_reply;
    std::vector<std::thread> misbehave;
    misbehave.emplace_back([&] {
        const int fd = test::connect_local(port);
        raw_send(fd, "THIS IS NOT HTTP\r\n\r\n");
        garbage_reply = raw_read(fd, 5);
        ::close(fd);
    });
    misbehave.emplace_back([&] {
        const int fd = test::connect_local(port);
        raw_send(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"messages\"");
        lying_reply = raw_read(fd, 6);  // the body never completes: the read timeout (2 s) ends it
        ::close(fd);
    });
    misbehave.emplace_back([&] {
        const int fd = test::connect_local(port);
        raw_send(fd, "POST /v1/chat/comp");
        stalled_reply = raw_read(fd, 6);
        ::close(fd);
    });
    const auto big = test::http_request(port, "POST", "/v1/chat/completions", std::string(5000, '{'));
    EXPECT_EQ(big.status, 413) << big.body;
    const auto broken = test::http_request(port, "POST", "/v1/chat/completions", "{\"messages\": [{\"role\": ");
    EXPECT_EQ(broken.status, 400) << broken.body;
    // 3. A well-behaved client is served meanwhile.
    json ok = test::flat_sampling(1);
    ok["messages"] = json::array({{{"role", "user"}, {"content", "hi"}}});
    ok["max_tokens"] = 8;
    const auto served = test::http_request(port, "POST", "/v1/chat/completions", ok.dump());
    EXPECT_EQ(served.status, 200) << served.body;

    for (auto& t : quitters) t.join();
    for (auto& t : misbehave) t.join();
    EXPECT_EQ(got_data.load(), 4) << "every quitter saw tokens before hanging up";
    EXPECT_EQ(garbage_reply.rfind("HTTP/1.1 400", 0), 0u) << garbage_reply;
    EXPECT_EQ(lying_reply.find("HTTP/1.1 200"), std::string::npos) << lying_reply;
    EXPECT_EQ(stalled_reply.find("HTTP/1.1 200"), std::string::npos) << stalled_reply;

    // 4. Every slot comes free well before any of the 3000-token generations could finish.
    std::string metrics;
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    for (;;) {
        metrics = test::http_request(port, "GET", "/metrics").body;
        if ((test::metric_value(metrics, "edgeseek_slots_busy") == 0 && test::metric_value(metrics, "edgeseek_queue_depth") == 0) ||
            Clock::now() > deadline) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(test::metric_value(metrics, "edgeseek_slots_busy"), 0) << metrics;
    EXPECT_EQ(test::metric_value(metrics, "edgeseek_queue_depth"), 0) << metrics;
    EXPECT_EQ(test::metric_value(metrics, "edgeseek_requests_finished_total{reason=\"cancelled\"}"), 5) << metrics;
    EXPECT_LT(test::metric_value(metrics, "edgeseek_completion_tokens_total"), 5 * 3000) << metrics;
    // 5. And it still serves.
    const auto after = test::http_request(port, "POST", "/v1/chat/completions", ok.dump());
    EXPECT_EQ(after.status, 200) << after.body;
}

}  // namespace
}  // namespace edgeseek
