// `edgeseek serve` as a command: listed in --help, clear one-line errors for a missing model
// or a port already taken, and the warning for a non-loopback address without a key.
#include <gtest/gtest.h>

#include "server/server_testing.h"

namespace edgeseek {
namespace {

std::string serve(const std::string& args, int* rc) {
    std::string out;
    *rc = test::run_command(test::edgeseek_binary() + " serve " + args, &out);
    return out;
}

TEST(ServeCli, ListedInHelp) {
    std::string out;
    test::run_command(test::edgeseek_binary() + " --help", &out);
    EXPECT_NE(out.find("serve"), std::string::npos) << out;
    test::run_command(test::edgeseek_binary() + " serve --help", &out);
    for (const char* opt : {"--parallel", "--ctx-size", "--api-key", "--api-key-file", "--max-queue", "--timeout", "--host", "--port"}) {
        EXPECT_NE(out.find(opt), std::string::npos) << opt << "\n" << out;
    }
}

TEST(ServeCli, MissingModelIsAnErrorAfterTheKeyWarning) {
    int rc = 0;
    const std::string out = serve("-m /nonexistent/model.gguf --host 0.0.0.0 --port 0", &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("without an API key"), std::string::npos) << out;
    EXPECT_NE(out.find("edgeseek: error: /nonexistent/model.gguf"), std::string::npos) << out;
    const std::string keyed = serve("-m /nonexistent/model.gguf --host 0.0.0.0 --port 0 --api-key k", &rc);
    EXPECT_EQ(keyed.find("without an API key"), std::string::npos) << keyed;
    const std::string empty_key = serve("-m /nonexistent/model.gguf --api-key-file /dev/null --port 0", &rc);
    EXPECT_EQ(rc, 1);
    EXPECT_NE(empty_key.find("the API key file is empty"), std::string::npos) << empty_key;
}

TEST(ServeCli, PortInUseIsAnError) {
    const std::string model = test::fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(model);
    test::ServerProcess first({"-m", model, "-t", "1", "-q"});
    ASSERT_TRUE(first.ok()) << first.log();
    int rc = 0;
    const std::string out = serve("-m " + model + " --port " + std::to_string(first.port()), &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())), std::string::npos) << out;
    EXPECT_EQ(test::http_request(first.port(), "GET", "/health").status, 200) << "the first server is untouched";
}

}  // namespace
}  // namespace edgeseek
