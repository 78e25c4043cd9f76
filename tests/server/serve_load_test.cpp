// A bounded load test: 200 streamed requests from 16 concurrent clients against 2 slots and a
// queue of 4. Every request is either served completely (all its tokens, [DONE]) or refused
// with a well-formed 429; the queue never holds more than its limit. Prints p50/p99 latency
// and the aggregate generation rate.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/server_testing.h"

namespace edgeseek {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST(ServeLoad, TwoHundredRequestsSixteenClientsQueueOfFour) {
    const std::string model = test::fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    constexpr int kRequests = 200, kClients = 16, kTokens = 16, kQueue = 4;
    test::ServerProcess server({"-m", model, "-t", "1", "--parallel", "2", "--max-queue", std::to_string(kQueue), "-q"});
    ASSERT_TRUE(server.ok()) << server.log();

    std::atomic<int> next{0}, served{0}, refused{0}, bad{0};
    std::atomic<int64_t> tokens{0};
    std::atomic<bool> running{true};
    std::mutex mu;
    std::vector<double> latencies_ms;
    std::vector<std::string> problems;
    auto problem = [&](const std::string& s) {
        std::lock_guard<std::mutex> lock(mu);
        if (problems.size() < 5) problems.push_back(s);
        ++bad;
    };
    const auto t0 = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            for (int i = next++; i < kRequests; i = next++) {
                const json body = {{"prompt", "Request " + std::to_string(i) + " from client " + std::to_string(c)},
                                   {"max_tokens", kTokens},
                                   {"temperature", 0.8},
                                   {"seed", i},
                                   {"stream", true},
                                   {"stream_options", {{"include_usage", true}}}};
                const auto start = Clock::now();
                const auto r = test::http_stream(server.port(), "/v1/completions", body.dump(),
                                                 [](const std::string&) { return true; });
                const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                if (r.status == 200) {
                    bool done = false;
                    std::string text, finish;
                    json usage;
                    for (const json& e : test::sse_events(r.body, &done)) {
                        if (e.contains("usage") && e["usage"].is_object()) usage = e["usage"];
                        if (e["choices"].empty()) continue;
                        text += e["choices"][0]["text"].get<std::string>();
                        if (e["choices"][0]["finish_reason"].is_string()) finish = e["choices"][0]["finish_reason"];
                    }
                    // The model may end its text early ("stop"); otherwise all tokens came.
                    const bool complete = done && usage.is_object() &&
                                          ((finish == "length" && usage["completion_tokens"] == kTokens) || finish == "stop");
                    if (!complete) {
                        problem("truncated response to request " + std::to_string(i) + ": " + r.body);
                        continue;
                    }
                    ++served;
                    tokens += usage["completion_tokens"].get<int64_t>();
                    std::lock_guard<std::mutex> lock(mu);
                    latencies_ms.push_back(ms);
                } else if (r.status == 429) {
                    const json e = json::parse(r.body, nullptr, false);
                    const bool well_formed = r.headers.count("retry-after") && e.is_object() && e.contains("error") &&
                                             e["error"]["code"] == "queue_full" && e["error"]["message"].is_string();
                    if (!well_formed) problem("malformed 429: " + r.body);
                    ++refused;
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a short Retry-After
                } else {
                    problem("status " + std::to_string(r.status) + " " + r.error + ": " + r.body);
                }
            }
        });
    }
    // Watch the queue while the clients run.
    double max_queue = 0, max_busy = 0;
    std::thread watcher([&] {
        while (running) {
            const auto m = test::http_request(server.port(), "GET", "/metrics");
            max_queue = std::max(max_queue, test::metric_value(m.body, "edgeseek_queue_depth"));
            max_busy = std::max(max_busy, test::metric_value(m.body, "edgeseek_slots_busy"));
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    for (auto& t : clients) t.join();
    const double wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
    running = false;
    watcher.join();

    for (const std::string& p : problems) ADD_FAILURE() << p;
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(served + refused + bad, kRequests) << "every request got an answer";
    EXPECT_GE(served.load(), 8) << "too little was served";
    EXPECT_GT(refused.load(), 0) << "16 clients on 2 slots + a queue of 4: some must be refused";
    EXPECT_LE(max_queue, kQueue) << "the queue limit was not respected";
    EXPECT_LE(max_busy, 2);
    const auto m = test::http_request(server.port(), "GET", "/metrics");
    EXPECT_EQ(test::metric_value(m.body, "edgeseek_http_responses_total{status=\"429\"}"), refused.load()) << m.body;

    std::sort(latencies_ms.begin(), latencies_ms.end());
    ASSERT_FALSE(latencies_ms.empty());
    const double p50 = latencies_ms[latencies_ms.size() / 2];
    const double p99 = latencies_ms[std::min(latencies_ms.size() - 1, latencies_ms.size() * 99 / 100)];
    std::printf("[load] %d requests, %d clients, 2 slots, queue %d: %d served, %d refused (429) in %.2f s; "
                "latency p50 %.1f ms, p99 %.1f ms; %lld tokens, %.1f tokens/s aggregate\n",
                kRequests, kClients, kQueue, served.load(), refused.load(), wall_s, p50, p99,
                static_cast<long long>(tokens.load()), static_cast<double>(tokens.load()) / wall_s);
}

}  // namespace
}  // namespace edgeseek
