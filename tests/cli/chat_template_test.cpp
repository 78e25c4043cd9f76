// `edgeseek template` (the real binary) against Python jinja2's renders, byte for byte: the
// R1 conversations with the template inside the vocab GGUF, the Qwen3 ones with --chat-template.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "chat/render_diff.h"
#include "test_support.h"

namespace edgeseek {
namespace {

using ojson = nlohmann::ordered_json;

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string vocab() { return test::fixture("tokenizer/vocab-deepseek-r1-qwen.gguf"); }

TEST(CliTemplate, EveryFixtureRenderIsByteExact) {
    const std::string renders = test::fixture("templates/renders.json");
    EDGESEEK_REQUIRE_FIXTURE(renders);
    EDGESEEK_REQUIRE_FIXTURE(vocab());
    const auto entries = ojson::parse(test::read_text_file(renders));
    ASSERT_EQ(entries.size(), 21u);
    test::TempDir dir;
    size_t passed = 0, r1 = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        const std::string name = e["template"].get<std::string>();
        SCOPED_TRACE("renders.json entry " + std::to_string(i) + " (" + name + ")");
        write_file(dir.file("messages.json"), e["messages"].dump());
        std::string cmd = test::edgeseek_binary() + " template -m " + test::shell_quote(vocab()) + " --messages " +
                          test::shell_quote(dir.file("messages.json"));
        if (e["add_generation_prompt"].get<bool>()) cmd += " --add-generation-prompt";
        if (name != "deepseek-r1-distill.jinja") cmd += " --chat-template " + test::shell_quote(test::fixture("templates/" + name));
        for (const auto& [k, v] : e["extra"].items()) cmd += " --var " + test::shell_quote(k + "=" + v.dump());
        std::string log;
        const int rc = test::run_command(cmd + " > " + test::shell_quote(dir.file("out.txt")), &log);
        ASSERT_EQ(rc, 0) << cmd << "\n" << log;
        EXPECT_EQ(log, "") << "nothing on stderr";
        const std::string diff = test::first_difference(e["expected"].get<std::string>(), test::read_text_file(dir.file("out.txt")));
        EXPECT_TRUE(diff.empty()) << diff;
        if (diff.empty()) {
            ++passed;
            r1 += name == "deepseek-r1-distill.jinja";
        }
    }
    EXPECT_EQ(passed, entries.size());
    EXPECT_EQ(r1, 9u);
}

TEST(CliTemplate, IdsHaveOneBosAndTheChatMarkersAsSpecialTokens) {
    EDGESEEK_REQUIRE_FIXTURE(vocab());
    test::TempDir dir;
    write_file(dir.file("m.json"), R"([{"role": "user", "content": "What is 17 * 23?"}])");
    std::string out;
    ASSERT_EQ(test::run_command(test::edgeseek_binary() + " template -m " + test::shell_quote(vocab()) + " --messages " +
                                    dir.file("m.json") + " --add-generation-prompt --ids 2>/dev/null",
                                &out),
              0)
        << out;
    const auto ids = nlohmann::json::parse(out).get<std::vector<int>>();
    ASSERT_GE(ids.size(), 4u);
    EXPECT_EQ(ids[0], 151646);  // <｜begin▁of▁sentence｜>, written by the template
    EXPECT_EQ(ids[1], 151644);  // <｜User｜>, not a second BOS
    EXPECT_EQ(ids[ids.size() - 3], 151645);  // <｜Assistant｜>
    EXPECT_EQ(ids[ids.size() - 2], 151648);  // <think>
}

TEST(CliTemplate, ErrorsNameTheProblem) {
    EDGESEEK_REQUIRE_FIXTURE(vocab());
    test::TempDir dir;
    std::string out;
    EXPECT_EQ(test::run_command(test::edgeseek_binary() + " template -m " + test::shell_quote(vocab()) + " --messages " +
                                    dir.file("none.json"),
                                &out),
              1);
    EXPECT_NE(out.find("none.json"), std::string::npos) << out;

    write_file(dir.file("bad.json"), R"({"role": "user"})");
    EXPECT_EQ(test::run_command(test::edgeseek_binary() + " template -m " + test::shell_quote(vocab()) + " --messages " +
                                    dir.file("bad.json"),
                                &out),
              1);
    EXPECT_NE(out.find("messages"), std::string::npos) << out;

    write_file(dir.file("m.json"), R"([{"role": "user", "content": "hi"}])");
    EXPECT_EQ(test::run_command(test::edgeseek_binary() + " template -m " + test::shell_quote(vocab()) + " --messages " +
                                    dir.file("m.json") + " --var oops",
                                &out),
              1);
    EXPECT_NE(out.find("NAME=JSON"), std::string::npos) << out;

    const std::string no_template = test::fixture("models/tiny-llama-f32.gguf");
    if (std::filesystem::exists(no_template)) {
        EXPECT_EQ(test::run_command(test::edgeseek_binary() + " template -m " + test::shell_quote(no_template) + " --messages " +
                                        dir.file("m.json"),
                                    &out),
                  1);
        EXPECT_NE(out.find("--chat-template"), std::string::npos) << out;
    }
}

}  // namespace
}  // namespace edgeseek
