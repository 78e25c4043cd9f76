// Request parsing: defaults, aliases and the 400s that name the field.
#include <gtest/gtest.h>

#include "server/api_error.h"
#include "server/openai_protocol.h"

namespace edgeseek {
namespace {

std::string param_of(const std::string& body) {
    try {
        parse_chat_request(body, SamplingParams{});
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 400);
        return e.param();
    }
    return "(accepted)";
}

TEST(ServeProtocol, ChatRequestFields) {
    const ChatRequest r = parse_chat_request(
        R"({"model": "m", "messages": [{"role": "developer", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "user", "content": "hi"}, {"role": "assistant", "content": null}],
            "temperature": 0, "top_p": null, "max_completion_tokens": 9, "think_budget": 3, "stop": "x", "seed": 42,
            "stream": true, "stream_options": {"include_usage": true}, "chat_template_kwargs": {"enable_thinking": false}})",
        SamplingParams{});
    EXPECT_EQ(r.model, "m");
    ASSERT_EQ(r.messages.size(), 3u);
    EXPECT_EQ(r.messages[0]["role"], "system");
    EXPECT_EQ(r.messages[0]["content"], "ab");
    EXPECT_EQ(r.messages[2]["content"], "");
    EXPECT_EQ(r.gen.sampling.temperature, 0.0f);
    EXPECT_EQ(r.gen.sampling.top_p, SamplingParams{}.top_p) << "null means the default";
    EXPECT_EQ(r.gen.max_tokens, 9);
    EXPECT_EQ(r.gen.think_budget, 3);
    EXPECT_EQ(r.gen.stop, std::vector<std::string>{"x"});
    EXPECT_EQ(r.gen.sampling.seed, 42u);
    EXPECT_TRUE(r.gen.stream && r.gen.include_usage);
    EXPECT_EQ(r.template_vars["enable_thinking"], false);
}

TEST(ServeProtocol, ErrorsNameTheField) {
    const std::string m = R"("messages": [{"role": "user", "content": "hi"}])";
    EXPECT_EQ(param_of("{" + m + R"(, "frequency_penalty": 3})"), "frequency_penalty");
    EXPECT_EQ(param_of("{" + m + R"(, "seed": 1.5})"), "seed");
    EXPECT_EQ(param_of("{" + m + R"(, "stream": "yes"})"), "stream");
    EXPECT_EQ(param_of("{" + m + R"(, "stop": ["a", "b", "c", "d", "e"]})"), "stop");
    EXPECT_EQ(param_of("{" + m + R"(, "logprobs": true})"), "logprobs");
    EXPECT_EQ(param_of("{" + m + R"(, "stream_options": {"include_usage": 1}})"), "stream_options.include_usage");
    EXPECT_EQ(param_of(R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})"), "messages[0].content[0]");
    EXPECT_EQ(param_of(R"({"messages": [{"role": "user"}]})"), "messages[0].content");
    EXPECT_EQ(param_of(R"({"messages": ["hi"]})"), "messages[0]");
    EXPECT_EQ(param_of("{" + m + "}"), "(accepted)");
    EXPECT_THROW(parse_chat_request("[1, 2]", SamplingParams{}), ApiError);
}

TEST(ServeProtocol, CompletionPromptForms) {
    EXPECT_EQ(parse_completion_request(R"({"prompt": "abc"})", {}).prompt, "abc");
    EXPECT_EQ(parse_completion_request(R"({"prompt": ["abc"]})", {}).prompt, "abc");
    const CompletionRequest ids = parse_completion_request(R"({"prompt": [1, 2, 3]})", {});
    EXPECT_TRUE(ids.has_ids);
    EXPECT_EQ(ids.prompt_ids, (std::vector<int32_t>{1, 2, 3}));
    EXPECT_THROW(parse_completion_request(R"({"prompt": ["a", "b"]})", {}), ApiError);
    EXPECT_THROW(parse_completion_request(R"({"prompt": ""})", {}), ApiError);
    EXPECT_THROW(parse_completion_request(R"({"prompt": [-1]})", {}), ApiError);
}

}  // namespace
}  // namespace edgeseek
