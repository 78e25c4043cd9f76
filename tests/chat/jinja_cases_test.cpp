// Template snippets for every supported construct, with the output Python jinja2 produced
// for them (tests/chat/data/make_jinja_cases.py wrote jinja_cases.json; no Python at test
// time). Cases where jinja2 raised must raise edgeseek::Error here too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/render_diff.h"
#include "core/error.h"

namespace {

using edgeseek::test::chat_test_data;
using edgeseek::test::first_difference;
using edgeseek::test::read_text_file;

struct Case {
    std::string group, name, source;
    nlohmann::ordered_json context;
    bool expect_error = false;
    std::string expected;  // output, or jinja2's error message
};

std::vector<Case> load_cases() {
    std::vector<Case> cases;
    const std::string text = read_text_file(chat_test_data("jinja_cases.json"));
    if (text.empty()) return cases;
    const auto data = nlohmann::ordered_json::parse(text);
    for (const auto& c : data["cases"]) {
        Case k;
        k.group = c["group"].get<std::string>();
        k.name = c["name"].get<std::string>();
        k.source = c["template"].get<std::string>();
        k.context = data["context"];
        if (c.contains("extra"))
            for (const auto& [key, value] : c["extra"].items()) k.context[key] = value;
        k.expect_error = c.contains("error");
        k.expected = k.expect_error ? c["error"].get<std::string>() : c["expected"].get<std::string>();
        cases.push_back(std::move(k));
    }
    return cases;
}

class JinjaCases : public ::testing::TestWithParam<Case> {};

TEST_P(JinjaCases, MatchesJinja2) {
    const Case& c = GetParam();
    SCOPED_TRACE("template: " + nlohmann::json(c.source).dump());
    if (c.expect_error) {
        try {
            const edgeseek::ChatTemplate tmpl(c.source);
            const std::string got = tmpl.render(c.context);
            ADD_FAILURE() << "jinja2 raised \"" << c.expected << "\" but the engine rendered "
                          << nlohmann::json(got).dump();
        } catch (const edgeseek::Error& e) {
            EXPECT_NE(std::string(e.what()).find("chat template"), std::string::npos)
                << "error does not say where: " << e.what();
        }
        return;
    }
    std::string got;
    try {
        const edgeseek::ChatTemplate tmpl(c.source);
        got = tmpl.render(c.context);
    } catch (const edgeseek::Error& e) {
        FAIL() << "engine raised: " << e.what() << "\njinja2 rendered: " << nlohmann::json(c.expected).dump();
    }
    const std::string diff = first_difference(c.expected, got);
    EXPECT_TRUE(diff.empty()) << diff;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    return info.param.group + "_" + info.param.name;
}

INSTANTIATE_TEST_SUITE_P(JinjaVsPython, JinjaCases, ::testing::ValuesIn(load_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(JinjaCases);

TEST(JinjaCasesData, IsPresent) {
    EXPECT_GT(load_cases().size(), 100u) << "missing " << chat_test_data("jinja_cases.json");
}

}  // namespace
