// Every conversation of ../shared/fixtures/templates/renders.json, rendered byte for byte as
// Python jinja2 (configured as transformers configures it) rendered it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/render_diff.h"
#include "core/error.h"
#include "test_support.h"

namespace {

using edgeseek::test::first_difference;
using edgeseek::test::fixture;
using edgeseek::test::read_text_file;

TEST(ChatTemplateFixtures, RendersMatchJinja2ByteForByte) {
    const std::string path = fixture("templates/renders.json");
    EDGESEEK_REQUIRE_FIXTURE(path);
    // ordered_json: tool schemas are printed with tojson in their original key order.
    const auto entries = nlohmann::ordered_json::parse(read_text_file(path));
    ASSERT_FALSE(entries.empty());
    size_t passed = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        const std::string name = e["template"].get<std::string>();
        SCOPED_TRACE("renders.json entry " + std::to_string(i) + " (" + name + ")");
        const std::string source = read_text_file(fixture("templates/" + name));
        ASSERT_FALSE(source.empty()) << "cannot read template " << name;
        // null bos/eos: the tokenizer has no such token, so the variable stays undefined.
        const std::string bos = e["bos_token"].is_null() ? "" : e["bos_token"].get<std::string>();
        const std::string eos = e["eos_token"].is_null() ? "" : e["eos_token"].get<std::string>();
        std::string got;
        try {
            const edgeseek::ChatTemplate tmpl(source);
            got = edgeseek::render_chat(tmpl, e["messages"], e["add_generation_prompt"].get<bool>(), bos, eos,
                                        e["extra"]);
        } catch (const edgeseek::Error& err) {
            ADD_FAILURE() << "render failed: " << err.what();
            continue;
        }
        const std::string expected = e["expected"].get<std::string>();
        const std::string diff = first_difference(expected, got);
        EXPECT_TRUE(diff.empty()) << diff;
        if (diff.empty()) ++passed;
    }
    EXPECT_EQ(passed, entries.size());
}

// The same renders through ChatTemplate::render with an explicit context, bos/eos absent
// rather than empty when null.
TEST(ChatTemplateFixtures, RenderWithExplicitContext) {
    const std::string path = fixture("templates/renders.json");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const auto entries = nlohmann::ordered_json::parse(read_text_file(path));
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        SCOPED_TRACE("renders.json entry " + std::to_string(i));
        nlohmann::ordered_json ctx = {{"messages", e["messages"]},
                                      {"add_generation_prompt", e["add_generation_prompt"]}};
        if (!e["bos_token"].is_null()) ctx["bos_token"] = e["bos_token"];
        if (!e["eos_token"].is_null()) ctx["eos_token"] = e["eos_token"];
        for (const auto& [k, v] : e["extra"].items()) ctx[k] = v;
        const edgeseek::ChatTemplate tmpl(read_text_file(fixture("templates/" + e["template"].get<std::string>())));
        const std::string diff = first_difference(e["expected"].get<std::string>(), tmpl.render(ctx));
        EXPECT_TRUE(diff.empty()) << diff;
    }
}

}  // namespace
