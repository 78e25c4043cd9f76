// The official `openai` npm client (tests/server/js, installed by scripts/install-deps.sh)
// against a real server: chat with reasoning_content streamed and not, completions, models,
// and errors raised with their status codes (401, 400, 404, 413, 429).
#include <gtest/gtest.h>

#include <filesystem>

#include "chat/chat_test_model.h"
#include "server/server_testing.h"

namespace edgeseek {
namespace {

TEST(ServeOpenAiJs, OfficialClientChatsStreamsAndSeesErrors) {
    if (test::chat_test_model().empty()) GTEST_SKIP() << "fixture not found: " << test::r1_vocab();
    const std::string js = std::string(EDGESEEK_SOURCE_DIR) + "/tests/server/js";
    std::string out;
    ASSERT_EQ(test::run_command("node --version", &out), 0)
        << "node is not installed: run scripts/install-deps.sh (it installs nodejs and npm)\n" << out;
    ASSERT_TRUE(std::filesystem::exists(js + "/node_modules/openai/package.json"))
        << "the openai npm package is missing from " << js
        << "/node_modules: run scripts/install-deps.sh (or scripts/install-npm-deps.sh)";
    test::ServerProcess server({"-m", test::chat_test_model(), "-t", "1", "--parallel", "1", "--max-queue", "0",
                                "--max-body", "65536", "--api-key", "sk-test", "-q"});
    ASSERT_TRUE(server.ok()) << server.log();
    const int rc = test::run_command("node " + js + "/openai_client.mjs " + std::to_string(server.port()), &out);
    EXPECT_EQ(rc, 0) << out << "\n--- server log ---\n" << server.log();
    EXPECT_NE(out.find("all checks passed"), std::string::npos) << out;
}

}  // namespace
}  // namespace edgeseek
