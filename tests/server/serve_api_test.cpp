// `edgeseek serve` endpoint by endpoint, against a real server process: chat with reasoning
// (streamed and not), completions, models, tokenize, the prefix cache, and every error
// status with its OpenAI error body naming what was wrong.
#include <gtest/gtest.h>

#include <cctype>

#include <nlohmann/json.hpp>

#include "chat/chat_test_model.h"
#include "server/server_testing.h"

namespace edgeseek {
namespace {

using nlohmann::json;
using test::http_request;

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

#define REQUIRE_CHAT_MODEL()                                                          \
    do {                                                                              \
        if (test::chat_test_model().empty())                                          \
            GTEST_SKIP() << "fixture not found: " << test::r1_vocab();                \
    } while (0)

// One server per test suite: the R1-vocabulary chat model, 2 slots, an API key.
class ServeApi : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (test::chat_test_model().empty()) return;
        server_ = new test::ServerProcess({"-m", test::chat_test_model(), "-t", "1", "--parallel", "2", "--max-body",
                                           "65536", "--api-key", "sesame"});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        REQUIRE_CHAT_MODEL();
        ASSERT_TRUE(server_ && server_->ok()) << (server_ ? server_->log() : "");
    }
    static test::HttpResult post(const std::string& path, const std::string& body) {
        return http_request(server_->port(), "POST", path, body, {"Authorization: Bearer sesame"});
    }
    static test::HttpResult get(const std::string& path) {
        return http_request(server_->port(), "GET", path, {}, {"Authorization: Bearer sesame"});
    }
    static json chat_body(int seed, int max_tokens, int budget, bool stream) {
        json b = test::flat_sampling(seed);
        b["model"] = "anything";
        b["messages"] = json::array({{{"role", "system"}, {"content", "You are terse."}},
                                     {{"role", "user"}, {"content", "What is 17 * 23?"}}});
        b["max_tokens"] = max_tokens;
        b["reasoning_budget"] = budget;
        b["stream"] = stream;
        if (stream) b["stream_options"] = {{"include_usage", true}};
        return b;
    }
    // The error object of a response, checked for OpenAI's shape.
    static json error_of(const test::HttpResult& r) {
        const json j = json::parse(r.body);
        EXPECT_TRUE(j.contains("error")) << r.body;
        const json& e = j["error"];
        EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty()) << r.body;
        EXPECT_TRUE(e["type"].is_string()) << r.body;
        EXPECT_TRUE(e.contains("code")) << r.body;
        return e;
    }
    static test::ServerProcess* server_;
};
test::ServerProcess* ServeApi::server_ = nullptr;

TEST_F(ServeApi, HealthAndModels) {
    EXPECT_EQ(http_request(server_->port(), "GET", "/health").status, 200) << "health needs no key";
    const auto r = get("/v1/models");
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_EQ(j["object"], "list");
    ASSERT_EQ(j["data"].size(), 1u);
    EXPECT_EQ(j["data"][0]["id"], "tiny-r1-q8_0");
    EXPECT_EQ(j["data"][0]["object"], "model");
}

TEST_F(ServeApi, ChatReturnsReasoningApartFromContent) {
    // Random weights: some seeds think in whitespace only. Over a few seeds one has both parts.
    bool both = false;
    for (int seed = 1; seed <= 6 && !both; ++seed) {
        const auto r = post("/v1/chat/completions", chat_body(seed, 16, 5, false).dump());
        ASSERT_EQ(r.status, 200) << r.body;
        const json j = json::parse(r.body);
        EXPECT_EQ(j["object"], "chat.completion");
        EXPECT_EQ(j["model"], "tiny-r1-q8_0");
        EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
        const json& c = j["choices"][0];
        EXPECT_EQ(c["finish_reason"], "length");
        EXPECT_EQ(c["message"]["role"], "assistant");
        const json& u = j["usage"];
        EXPECT_EQ(u["completion_tokens"], 16);
        EXPECT_EQ(u["completion_tokens_details"]["reasoning_tokens"], 5) << "the budget closes the thought";
        EXPECT_EQ(u["total_tokens"], u["prompt_tokens"].get<int>() + 16);
        EXPECT_GT(u["prompt_tokens"].get<int>(), 8);
        const json& m = c["message"];
        ASSERT_TRUE(m["content"].is_string());
        EXPECT_EQ(m["content"].get<std::string>().find("</think>"), std::string::npos) << m;
        both = m["reasoning_content"].is_string() && !m["content"].get<std::string>().empty();
        if (m["reasoning_content"].is_string()) {
            EXPECT_EQ(m["reasoning_content"].get<std::string>().find("<think>"), std::string::npos) << m;
        }
    }
    EXPECT_TRUE(both) << "no seed gave both a thought and an answer";
}

TEST_F(ServeApi, StreamedDeltasAddUpToTheNonStreamedReply) {
    for (int seed : {2, 3}) {
        const auto whole = post("/v1/chat/completions", chat_body(seed, 14, 4, false).dump());
        ASSERT_EQ(whole.status, 200) << whole.body;
        const json m = json::parse(whole.body)["choices"][0]["message"];
        const auto r = post("/v1/chat/completions", chat_body(seed, 14, 4, true).dump());
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.headers.at("content-type"), "text/event-stream");
        const test::StreamedChat s = test::join_chat_stream(r.body);
        EXPECT_TRUE(s.done) << "stream ends with data: [DONE]\n" << r.body;
        EXPECT_EQ(s.content, m["content"].get<std::string>());
        EXPECT_EQ(s.reasoning, m["reasoning_content"].is_string() ? m["reasoning_content"].get<std::string>() : "");
        EXPECT_EQ(s.finish_reason, "length");
        ASSERT_TRUE(s.usage.is_object()) << "include_usage sends a usage chunk\n" << r.body;
        EXPECT_EQ(s.usage["completion_tokens"], 14);
        EXPECT_EQ(s.usage["completion_tokens_details"]["reasoning_tokens"], 4);
        // Every chunk carries the same id, and the first says who speaks.
        const auto events = test::sse_events(r.body);
        ASSERT_GE(events.size(), 3u);
        EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
        for (const json& e : events) EXPECT_EQ(e["id"], events[0]["id"]);
        EXPECT_TRUE(events.back()["choices"].empty()) << "the usage chunk has no choices";
    }
}

TEST_F(ServeApi, BudgetZeroAnswersWithoutThinking) {
    const auto r = post("/v1/chat/completions", chat_body(4, 6, 0, false).dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_TRUE(j["choices"][0]["message"]["reasoning_content"].is_null()) << r.body;
    EXPECT_EQ(j["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);
    EXPECT_EQ(j["usage"]["completion_tokens"], 6);
}

TEST_F(ServeApi, StopStringEndsTheAnswer) {
    json b = chat_body(3, 24, 2, false);
    const auto full = post("/v1/chat/completions", b.dump());
    ASSERT_EQ(full.status, 200) << full.body;
    const std::string content = json::parse(full.body)["choices"][0]["message"]["content"];
    ASSERT_GE(content.size(), 4u) << full.body;
    // Stop at the answer's second character (a whole UTF-8 character).
    size_t cut = 1;
    while (cut < content.size() && (static_cast<unsigned char>(content[cut]) & 0xC0) == 0x80) ++cut;
    size_t end = cut + 1;
    while (end < content.size() && (static_cast<unsigned char>(content[end]) & 0xC0) == 0x80) ++end;
    const std::string stop = content.substr(cut, end - cut);
    b["stop"] = json::array({stop, "never appears"});
    const auto r = post("/v1/chat/completions", b.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
    // The answer up to the first occurrence, without the whitespace before it.
    std::string expected = content.substr(0, content.find(stop));
    while (!expected.empty() && std::isspace(static_cast<unsigned char>(expected.back()))) expected.pop_back();
    EXPECT_EQ(j["choices"][0]["message"]["content"], expected);
}

TEST_F(ServeApi, CompletionsAndTokenizeRoundTrip) {
    const auto r = post("/v1/completions", R"({"prompt": "Hello there", "max_tokens": 5, "temperature": 0})");
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    EXPECT_EQ(j["object"], "text_completion");
    EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
    EXPECT_EQ(j["usage"]["completion_tokens"], 5);
    EXPECT_EQ(j["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);

    const auto s = post("/v1/completions", R"({"prompt": "Hello there", "max_tokens": 5, "temperature": 0, "stream": true})");
    ASSERT_EQ(s.status, 200) << s.body;
    bool done = false;
    std::string text;
    for (const json& e : test::sse_events(s.body, &done)) text += e["choices"][0]["text"].get<std::string>();
    EXPECT_TRUE(done);
    EXPECT_EQ(text, j["choices"][0]["text"]) << "greedy: the same text streamed";

    const auto t = post("/tokenize", R"({"content": "Hello there"})");
    ASSERT_EQ(t.status, 200) << t.body;
    const json ids = json::parse(t.body)["tokens"];
    EXPECT_EQ(ids.size(), 2u) << t.body;
    const auto d = post("/detokenize", json({{"tokens", ids}}).dump());
    ASSERT_EQ(d.status, 200) << d.body;
    EXPECT_EQ(json::parse(d.body)["content"], "Hello there");
}

TEST_F(ServeApi, NextTurnReusesTheCachedPrefix) {
    json b = chat_body(5, 4, 2, false);
    b["messages"][1]["content"] = "A question long enough to be worth caching, about the sky and the sea.";
    ASSERT_EQ(post("/v1/chat/completions", b.dump()).status, 200);
    b["messages"].push_back({{"role", "assistant"}, {"content", "Blue."}});
    b["messages"].push_back({{"role", "user"}, {"content", "Why?"}});
    const auto r = post("/v1/chat/completions", b.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    const json u = json::parse(r.body)["usage"];
    EXPECT_GT(u["prompt_tokens_details"]["cached_tokens"].get<int>(), 20) << u;
    EXPECT_LT(u["prompt_tokens_details"]["cached_tokens"].get<int>(), u["prompt_tokens"].get<int>()) << u;
}

TEST_F(ServeApi, ClientMistakesAre4xxNamingTheField) {
    struct Case {
        std::string body, param;
    };
    const std::vector<Case> cases = {
        {R"({"messages": [{"role": "user", "content": "hi"}], "temperature": "hot"})", "temperature"},
        {R"({"messages": [{"role": "user", "content": "hi"}], "top_p": 1.5})", "top_p"},
        {R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0})", "max_tokens"},
        {R"({"messages": [{"role": "user", "content": "hi"}], "n": 2})", "n"},
        {R"({"messages": [{"role": "user", "content": "hi"}], "stop": [1]})", "stop"},
        {R"({"messages": [{"role": "user", "content": "hi"}], "reasoning_budget": -5})", "reasoning_budget"},
        {R"({"messages": [{"role": "wizard", "content": "hi"}]})", "messages[0].role"},
        {R"({"messages": [{"role": "user", "content": 7}]})", "messages[0].content"},
        {R"({"messages": []})", "messages"},
        {R"({"model": "x"})", "messages"},
    };
    for (const Case& c : cases) {
        const auto r = post("/v1/chat/completions", c.body);
        EXPECT_EQ(r.status, 400) << c.body << "\n" << r.body;
        EXPECT_EQ(error_of(r)["param"], c.param) << c.body << "\n" << r.body;
    }
    const auto bad_json = post("/v1/chat/completions", "{\"messages\": [");
    EXPECT_EQ(bad_json.status, 400);
    EXPECT_EQ(error_of(bad_json)["code"], "invalid_json");
    const auto prompt = post("/v1/completions", R"({"prompt": 3})");
    EXPECT_EQ(prompt.status, 400);
    EXPECT_EQ(error_of(prompt)["param"], "prompt");
    const auto token = post("/v1/completions", R"({"prompt": [1, 999999]})");
    EXPECT_EQ(token.status, 400) << token.body;
    const auto long_prompt = post("/v1/completions", json({{"prompt", repeat("hello ", 5000)}}).dump());
    EXPECT_EQ(long_prompt.status, 400) << long_prompt.body;
    EXPECT_EQ(error_of(long_prompt)["code"], "context_length_exceeded");
}

TEST_F(ServeApi, RoutesKeysAndSizes) {
    const auto unknown = get("/v1/nothing-here");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(error_of(unknown)["code"], "unknown_url");
    const auto body = json({{"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}, {"max_tokens", 1}}).dump();
    const auto none = http_request(server_->port(), "POST", "/v1/chat/completions", body);
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(error_of(none)["type"], "authentication_error");
    const auto wrong = http_request(server_->port(), "POST", "/v1/chat/completions", body, {"Authorization: Bearer sesamf"});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(error_of(wrong)["code"], "invalid_api_key");
    const auto metrics = http_request(server_->port(), "GET", "/metrics");
    EXPECT_EQ(metrics.status, 401) << "metrics need the key too";
    const auto big = post("/v1/chat/completions", std::string(70000, ' '));
    EXPECT_EQ(big.status, 413) << big.body;
    EXPECT_EQ(error_of(big)["code"], "request_too_large");
    EXPECT_EQ(post("/v1/chat/completions", body).status, 200) << "still serving";
}

}  // namespace
}  // namespace edgeseek
