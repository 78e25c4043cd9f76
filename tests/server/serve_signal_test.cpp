// SIGTERM during a stream: the server stops taking work, lets a short request finish within
// the grace period, ends one that would not with an error event and [DONE], and exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "chat/chat_test_model.h"
#include "server/server_testing.h"

namespace edgeseek {
namespace {

using nlohmann::json;

json stream_body(int max_tokens) {
    json b = test::flat_sampling(3);
    b["messages"] = json::array({{{"role", "user"}, {"content", "Talk."}}});
    b["max_tokens"] = max_tokens;
    b["stream"] = true;
    return b;
}

TEST(ServeSignal, SigtermEndsALongStreamCleanlyAndExitsZero) {
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    test::ServerProcess server({"-m", test::chat_test_model(), "-t", "1", "--shutdown-grace", "0.5", "-q"});
    ASSERT_TRUE(server.ok()) << server.log();
    bool signalled = false;
    const auto r = test::http_stream(server.port(), "/v1/chat/completions", stream_body(3000).dump(), [&](const std::string& s) {
        if (!signalled && s.find("\"content\":\"") != std::string::npos) {
            server.signal(SIGTERM);
            signalled = true;
        }
        return true;
    });
    ASSERT_TRUE(signalled) << r.body;
    EXPECT_EQ(r.status, 200);
    bool done = false;
    const auto events = test::sse_events(r.body, &done);
    EXPECT_TRUE(done) << "the stream ends with [DONE]\n" << r.body.substr(r.body.size() > 600 ? r.body.size() - 600 : 0);
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(events.back().contains("error")) << events.back();
    EXPECT_EQ(events.back()["error"]["code"], "unavailable");
    EXPECT_EQ(server.wait_exit(20), 0) << server.log();
    EXPECT_NE(server.log().find("SIGTERM received"), std::string::npos) << server.log();
}

TEST(ServeSignal, SigtermLetsAShortStreamFinishThenRefusesNewWork) {
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    test::ServerProcess server({"-m", test::chat_test_model(), "-t", "1", "--shutdown-grace", "20", "-q"});
    ASSERT_TRUE(server.ok()) << server.log();
    bool signalled = false;
    int refused = 0;
    const auto r = test::http_stream(server.port(), "/v1/chat/completions", stream_body(60).dump(), [&](const std::string& s) {
        if (!signalled && s.find("\"content\":\"") != std::string::npos) {
            server.signal(SIGTERM);
            signalled = true;
            // Draining: new work is refused while this stream goes on.
            for (int k = 0; k < 100 && refused == 0; ++k) {
                const auto h = test::http_request(server.port(), "GET", "/health", {}, {}, 2);
                if (h.status == 503) refused = 1;
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        return true;
    });
    ASSERT_TRUE(signalled);
    const test::StreamedChat s = test::join_chat_stream(r.body);
    EXPECT_TRUE(s.done) << r.body;
    EXPECT_EQ(s.finish_reason, "length") << "finished within the grace period";
    EXPECT_EQ(refused, 1) << "health said 503 while draining";
    EXPECT_EQ(server.wait_exit(20), 0) << server.log();
}

}  // namespace
}  // namespace edgeseek
