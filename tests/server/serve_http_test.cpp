// The HTTP layer in process, without a model: what a client gets while the model loads, and
// the pieces of the API-key check.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/http_server.h"
#include "server/server_testing.h"

namespace edgeseek {
namespace {

TEST(ServeHttp, EveryRouteAnswers503WhileLoading) {
    ServerMetrics metrics;
    HttpOptions o;
    o.port = 0;
    o.log_requests = false;
    HttpServer http(o, metrics);
    const int port = http.bind();
    http.start();
    const auto health = test::http_request(port, "GET", "/health");
    EXPECT_EQ(health.status, 503);
    EXPECT_EQ(nlohmann::json::parse(health.body)["status"], "loading");
    const auto chat = test::http_request(port, "POST", "/v1/chat/completions", R"({"messages": []})");
    EXPECT_EQ(chat.status, 503);
    EXPECT_EQ(chat.headers.at("retry-after"), "1");
    EXPECT_EQ(nlohmann::json::parse(chat.body)["error"]["code"], "model_loading");
    EXPECT_EQ(test::http_request(port, "GET", "/v1/models").status, 503);
    EXPECT_EQ(test::http_request(port, "GET", "/nowhere").status, 404) << "unknown routes stay 404";
    http.set_draining();
    http.stop();
}

TEST(ServeHttp, ConstantTimeCompareIsStillEquality) {
    EXPECT_TRUE(constant_time_equal("key", "key"));
    EXPECT_FALSE(constant_time_equal("kez", "key"));
    EXPECT_FALSE(constant_time_equal("ke", "key"));
    EXPECT_FALSE(constant_time_equal("keyy", "key"));
    EXPECT_FALSE(constant_time_equal("", "key"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(ServeHttp, LoopbackHosts) {
    EXPECT_TRUE(is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_TRUE(is_loopback_host("::1"));
    EXPECT_FALSE(is_loopback_host("0.0.0.0"));
    EXPECT_FALSE(is_loopback_host("192.168.1.4"));
}

}  // namespace
}  // namespace edgeseek
