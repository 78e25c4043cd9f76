// Continuous batching: with --parallel 4, four streams run together and all complete, and a
// greedy request yields the same tokens alone as in a batch with others (each slot attends
// only to its own sequence of the KV cache).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "chat/chat_test_model.h"
#include "server/server_testing.h"

namespace edgeseek {
namespace {

using nlohmann::json;

TEST(ServeConcurrency, FourStreamsTogetherAllComplete) {
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    test::ServerProcess server({"-m", test::chat_test_model(), "-t", "1", "--parallel", "4", "-q"});
    ASSERT_TRUE(server.ok()) << server.log();
    std::vector<test::HttpResult> results(4);
    std::vector<int> max_busy(4, 0);
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i) {
        clients.emplace_back([&, i] {
            json b = test::flat_sampling(10 + i);
            b["messages"] = json::array({{{"role", "user"}, {"content", "Tell story number " + std::to_string(i)}}});
            b["max_tokens"] = 24;
            b["reasoning_budget"] = 6;
            b["stream"] = true;
            results[static_cast<size_t>(i)] = test::http_stream(server.port(), "/v1/chat/completions", b.dump(),
                                                                [](const std::string&) { return true; });
        });
    }
    // While they run, the slots fill up: at some moment more than one is busy.
    int seen_busy = 0;
    for (int k = 0; k < 200 && seen_busy < 2; ++k) {
        const auto m = test::http_request(server.port(), "GET", "/metrics");
        seen_busy = std::max(seen_busy, static_cast<int>(test::metric_value(m.body, "edgeseek_slots_busy")));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& t : clients) t.join();
    for (size_t i = 0; i < results.size(); ++i) {
        ASSERT_EQ(results[i].status, 200) << results[i].error << results[i].body;
        const test::StreamedChat s = test::join_chat_stream(results[i].body);
        EXPECT_TRUE(s.done) << "stream " << i << " ended with [DONE]";
        EXPECT_EQ(s.finish_reason, "length") << "stream " << i;
        EXPECT_FALSE(s.content.empty()) << "stream " << i;
    }
    EXPECT_GE(seen_busy, 2) << "the requests were served one after another, not together";
    const auto m = test::http_request(server.port(), "GET", "/metrics");
    EXPECT_EQ(test::metric_value(m.body, "edgeseek_slots_busy"), 0) << m.body;
    EXPECT_EQ(test::metric_value(m.body, "edgeseek_requests_finished_total{reason=\"length\"}"), 4) << m.body;
}

// The real trained model (clear margins between its top logits) and greedy decoding.
TEST(ServeConcurrency, GreedyTokensAloneEqualTokensUnderConcurrency) {
    const std::string model = test::fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    test::ServerProcess server({"-m", model, "-t", "1", "--parallel", "4", "-q"});
    ASSERT_TRUE(server.ok()) << server.log();
    const std::vector<std::string> prompts = {"I dreamed", "Once upon a time", "The little robot said hello to the sun.",
                                              "In the garden"};
    auto complete = [&](const std::string& p) {
        const json body = {{"prompt", p}, {"max_tokens", 40}, {"temperature", 0}};
        const auto r = test::http_request(server.port(), "POST", "/v1/completions", body.dump());
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? json::parse(r.body)["choices"][0]["text"].get<std::string>() : std::string("(failed)");
    };
    // Alone, each in a fresh slot state (different prompts: no prefix reuse between them).
    std::vector<std::string> alone;
    for (const std::string& p : prompts) alone.push_back(complete(p));
    // Together; twice, so the second round also runs with cached prefixes.
    for (int round = 0; round < 2; ++round) {
        std::vector<std::string> together(prompts.size());
        std::vector<std::thread> clients;
        for (size_t i = 0; i < prompts.size(); ++i) clients.emplace_back([&, i] { together[i] = complete(prompts[i]); });
        for (auto& t : clients) t.join();
        for (size_t i = 0; i < prompts.size(); ++i) {
            EXPECT_EQ(together[i], alone[i]) << "prompt '" << prompts[i] << "', round " << round;
            EXPECT_GT(alone[i].size(), 40u) << alone[i];
        }
    }
    const auto m = test::http_request(server.port(), "GET", "/metrics");
    EXPECT_GT(test::metric_value(m.body, "edgeseek_prompt_tokens_cached_total"), 0) << m.body;
}

}  // namespace
}  // namespace edgeseek
