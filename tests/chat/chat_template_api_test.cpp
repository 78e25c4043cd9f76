// ChatTemplate / render_chat API behaviour, error reporting, official Llama 3 / 3.1 and
// Qwen2.5 templates (expected outputs from Python jinja2, see data/make_official_renders.py),
// and the guards against hostile templates.
#include <gtest/gtest.h>

#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/parser.h"
#include "chat/render_diff.h"
#include "core/error.h"

namespace {

using edgeseek::ChatTemplate;
using edgeseek::Error;
using edgeseek::render_chat;
using edgeseek::test::chat_test_data;
using edgeseek::test::first_difference;
using edgeseek::test::read_text_file;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string render(const std::string& source, const ojson& ctx = ojson::object()) {
    return ChatTemplate(source).render(ctx);
}

// The message of the Error a template raises (at parse or render time); "" if none.
std::string error_of(const std::string& source, const ojson& ctx = ojson::object()) {
    try {
        render(source, ctx);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

// ---- official templates ------------------------------------------------------------------------

TEST(ChatTemplateOfficial, Llama3Llama31Qwen25MatchJinja2) {
    const std::string path = chat_test_data("official_renders.json");
    const auto entries = ojson::parse(read_text_file(path));
    ASSERT_GE(entries.size(), 10u) << path;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        SCOPED_TRACE(e["template"].get<std::string>() + " / " + e["chat"].get<std::string>() + " (entry " +
                     std::to_string(i) + ")");
        const ChatTemplate tmpl(read_text_file(chat_test_data(e["template"].get<std::string>())));
        const std::string bos = e["bos_token"].is_null() ? "" : e["bos_token"].get<std::string>();
        const std::string eos = e["eos_token"].is_null() ? "" : e["eos_token"].get<std::string>();
        if (e.contains("error")) {
            try {
                render_chat(tmpl, e["messages"], e["add_generation_prompt"].get<bool>(), bos, eos, e["extra"]);
                ADD_FAILURE() << "expected an error like: " << e["error"].get<std::string>();
            } catch (const Error& err) {
                // raise_exception's message surfaces unchanged.
                const std::string py = e["error"].get<std::string>();
                EXPECT_CONTAINS(err.what(), py.substr(py.find(": ") + 2));
            }
            continue;
        }
        const std::string got =
            render_chat(tmpl, e["messages"], e["add_generation_prompt"].get<bool>(), bos, eos, e["extra"]);
        const std::string diff = first_difference(e["expected"].get<std::string>(), got);
        EXPECT_TRUE(diff.empty()) << diff;
    }
}

TEST(ChatTemplateOfficial, Llama31DateFromStrftimeNow) {
    // Llama 3.2 style: the date comes from strftime_now when the caller passes none.
    const std::string src =
        "{%- if strftime_now is defined %}{%- set date_string = strftime_now(\"%d %b %Y\") %}{%- endif %}"
        "Today Date: {{ date_string }}";
    char buf[64];
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::strftime(buf, sizeof buf, "%d %b %Y", &local);
    EXPECT_EQ(render(src), std::string("Today Date: ") + buf);
    EXPECT_EQ(render("[{{ strftime_now('') }}]"), "[]");
}

// ---- render_chat context ---------------------------------------------------------------------

TEST(ChatTemplateApi, RenderChatBuildsTransformersContext) {
    const ChatTemplate t(
        "{{ bos_token is defined }}|{{ eos_token }}|{{ tools is none }}|{{ documents is none }}|"
        "{{ add_generation_prompt }}|{{ messages|length }}|{{ enable_thinking }}");
    const json msgs = json::array({{{"role", "user"}, {"content", "hi"}}});
    EXPECT_EQ(render_chat(t, msgs, true, "", "</s>"), "False|</s>|True|True|True|1|");
    EXPECT_EQ(render_chat(t, msgs, false, "<s>", "", {{"enable_thinking", false}, {"tools", json::array()}}),
              "True||False|True|False|1|False");
}

TEST(ChatTemplateApi, OrderedJsonKeepsKeyOrderPlainJsonSorts) {
    const ChatTemplate t("{{ tool|tojson }} {% for k in tool %}{{ k }}{% endfor %}");
    const std::string text = R"({"tool": {"type": "function", "function": {"name": "f", "description": "d"}}})";
    EXPECT_EQ(t.render(ojson::parse(text)),
              R"({"type": "function", "function": {"name": "f", "description": "d"}} typefunction)");
    EXPECT_EQ(t.render(json::parse(text)),
              R"({"function": {"description": "d", "name": "f"}, "type": "function"} functiontype)");
}

TEST(ChatTemplateApi, JsonNumbersKeepPythonTypes) {
    const ojson ctx = ojson::parse(R"({"i": 3, "f": 3.0, "big": 18446744073709551615, "e": 1e2, "neg": -7})");
    EXPECT_EQ(render("{{ i }} {{ f }} {{ e }} {{ neg }} {{ i is integer }} {{ f is float }} {{ [i, f]|tojson }}", ctx),
              "3 3.0 100.0 -7 True True [3, 3.0]");
    EXPECT_EQ(render("{{ big is float }}", ctx), "True");  // beyond int64: kept as a float
}

TEST(ChatTemplateApi, ContextMustBeAnObject) {
    EXPECT_THROW(ChatTemplate("x").render(json::array()), Error);
    EXPECT_THROW(render_chat(ChatTemplate("x"), json::array(), true, "", "", json::array()), Error);
}

TEST(ChatTemplateApi, TemplateIsReusableAndThreadSafe) {
    const ChatTemplate t("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
                         "{{ m }}{% endfor %}={{ ns.n }}");
    std::vector<std::thread> threads;
    std::vector<std::string> results(8);
    for (size_t k = 0; k < results.size(); ++k)
        threads.emplace_back([&, k] {
            for (int rep = 0; rep < 50; ++rep)
                results[k] = t.render(json{{"messages", json::array({k, k + 1})}});
        });
    for (auto& th : threads) th.join();
    for (size_t k = 0; k < results.size(); ++k)
        EXPECT_EQ(results[k], std::to_string(k) + std::to_string(k + 1) + "=2");
}

TEST(ChatTemplateApi, GenerationTagRendersItsBody) {
    // transformers' {% generation %} marks assistant text for masks; rendering is unchanged.
    EXPECT_EQ(render("a{% generation %}b{{ 1 }}{% endgeneration %}c"), "ab1c");
}

// ---- errors ---------------------------------------------------------------------------------

TEST(ChatTemplateErrors, RaiseExceptionMessageSurfaces) {
    const std::string err = error_of("line one\n{{ raise_exception('Conversation roles must alternate user/assistant') }}");
    EXPECT_CONTAINS(err, "Conversation roles must alternate user/assistant");
    EXPECT_CONTAINS(err, "chat template line 2");
    try {
        render("{{ raise_exception('boom') }}");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.problem(), "boom");
        EXPECT_EQ(e.location(), "chat template line 1, column 4");
    }
}

TEST(ChatTemplateErrors, UnsupportedConstructsNameLineAndColumn) {
    EXPECT_CONTAINS(error_of("ok\n  {% include 'other.jinja' %}"), "chat template line 2, column 6");
    EXPECT_CONTAINS(error_of("ok\n  {% include 'other.jinja' %}"), "unsupported tag 'include'");
    EXPECT_CONTAINS(error_of("{% extends 'base' %}"), "unsupported tag 'extends'");
    EXPECT_CONTAINS(error_of("{% do x.append(1) %}"), "unsupported tag 'do'");
    EXPECT_CONTAINS(error_of("{% frobnicate %}"), "unknown tag 'frobnicate'");
    EXPECT_CONTAINS(error_of("a\nb {{ x|no_such }}"), "chat template line 2, column 8");
    EXPECT_CONTAINS(error_of("a\nb {{ x|no_such }}"), "no filter named 'no_such'");
    EXPECT_CONTAINS(error_of("{{ 'a b'|wordwrap(3) }}"), "filter 'wordwrap' is not supported");
    EXPECT_CONTAINS(error_of("{{ x is no_such }}"), "no test named 'no_such'");
    EXPECT_CONTAINS(error_of("{{ 'x'.encode() }}"), "has no attribute 'encode'");
    EXPECT_CONTAINS(error_of("{{ 99999999999999999999 }}"), "too large");
    EXPECT_CONTAINS(error_of("{% if true %}\n{% for x in y %}\n"), "chat template line 2, column 4");
    EXPECT_CONTAINS(error_of("{% if true %}\n{% for x in y %}\n"), "expected 'endfor' or 'else'");
    EXPECT_CONTAINS(error_of("{{ 'unterminated }}"), "unterminated string");
    EXPECT_CONTAINS(error_of("{# never closed"), "missing end of comment");
    EXPECT_CONTAINS(error_of("{{ (1 }}"), "unexpected '}'");
    EXPECT_CONTAINS(error_of("{{ 1 2 }}"), "expected end of print statement");
    EXPECT_CONTAINS(error_of("{% set 1 = 2 %}"), "cannot assign");
}

TEST(ChatTemplateErrors, RuntimeErrorsPointAtTheExpression) {
    EXPECT_CONTAINS(error_of("{% for m in messages %}\n  {{ m.content + 1 }}\n{% endfor %}",
                             {{"messages", {{{"content", "x"}}}}}),
                    "chat template line 2, column 6: can only concatenate str (not \"int\") to str");
    EXPECT_CONTAINS(error_of("\n\n   {{ foo.bar }}"), "chat template line 3, column 7: 'foo' is undefined");
    EXPECT_CONTAINS(error_of("{{ messages[0]['x']['y'] }}", {{"messages", {ojson::object()}}}),
                    "'dict object' has no attribute 'x'");
    EXPECT_CONTAINS(error_of("{% set l = [] %}{{ l.append(1) }}"), "access to attribute 'append' of 'list' object is unsafe");
}

TEST(ChatTemplateErrors, UnknownFilterInsideIfFailsOnlyWhenRun) {
    const ChatTemplate t("{% if flag %}{{ x|no_such }}{% endif %}ok");
    EXPECT_EQ(t.render(json{{"flag", false}}), "ok");
    EXPECT_THROW(t.render(json{{"flag", true}}), Error);
}

// ---- hostile templates -----------------------------------------------------------------------

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

TEST(ChatTemplateLimits, DeepNestingIsAParseError) {
    EXPECT_CONTAINS(error_of("{{ " + repeat("(", 20000) + "1" + repeat(")", 20000) + " }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{{ " + repeat("[", 20000) + repeat("]", 20000) + " }}"), "nested more than");
    EXPECT_CONTAINS(error_of(repeat("{% if true %}", 20000) + repeat("{% endif %}", 20000)), "nested more than");
    EXPECT_CONTAINS(error_of("{{ " + repeat("not ", 20000) + "x }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{{ " + repeat("- ", 20000) + "1 }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{{ x" + repeat("|trim", 20000) + " }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{{ 1" + repeat(" + 1", 20000) + " }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{{ x" + repeat(".a", 20000) + " }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{{ 1" + repeat(" if x else 1", 20000) + " }}"), "nested more than");
    // Moderate nesting, as real templates have, is fine.
    EXPECT_EQ(render("{{ " + repeat("(", 30) + "1" + repeat(")", 30) + " }}"), "1");
    EXPECT_EQ(render("{{ 'a'" + repeat(" + 'a'", 150) + " }}"), repeat("a", 151));
}

TEST(ChatTemplateLimits, RunawayRecursionIsAnError) {
    EXPECT_CONTAINS(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), "nested more than");
    EXPECT_CONTAINS(error_of("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}"), "nested more than");
    EXPECT_FALSE(error_of("{% macro f() %}{% call f() %}{% endcall %}{% endmacro %}{{ f() }}").empty());
    EXPECT_CONTAINS(error_of("{% macro f() %}{% call f() %}{{ caller() }}{% endcall %}{{ caller() }}{% endmacro %}"
                             "{% call f() %}x{% endcall %}"),
                    "nested more than");
}

TEST(ChatTemplateLimits, SelfReferenceAndDeepValues) {
    EXPECT_CONTAINS(error_of("{% set ns = namespace(a=1) %}{% set ns.self = [ns] %}{{ ns }}"), "nested too deeply");
    EXPECT_CONTAINS(error_of("{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}"),
                    "nested more than");
    std::string deep = repeat("[", 5000) + repeat("]", 5000);
    EXPECT_CONTAINS(error_of("{{ x }}", ojson{{"x", ojson::parse(deep)}}), "nested more than");
    // A long chain of namespaces is torn down without recursion.
    EXPECT_EQ(render("{% set ns = namespace(head=none) %}{% for i in range(50000) %}"
                     "{% set ns.head = namespace(next=ns.head) %}{% endfor %}ok"),
              "ok");
}

std::string render_limited(const std::string& source, edgeseek::jinja::RenderLimits limits) {
    const edgeseek::jinja::Program program(source);
    edgeseek::jinja::Evaluator ev(program, limits);
    return ev.render({});
}

TEST(ChatTemplateLimits, WorkAndOutputAreBounded) {
    edgeseek::jinja::RenderLimits small;
    small.max_iterations = 10000;
    small.max_output_bytes = 1 << 16;
    small.max_string_bytes = 1 << 16;
    small.max_work_bytes = 1 << 20;
    auto fails_with = [&](const std::string& src, const std::string& what) {
        try {
            render_limited(src, small);
            ADD_FAILURE() << "no error for " << src;
        } catch (const Error& e) {
            EXPECT_CONTAINS(e.what(), what);
        }
    };
    fails_with("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "loop iterations");
    fails_with("{% for i in range(5000) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}", "rendered output exceeds");
    fails_with("{{ 'x' * 100000000 }}", "exceeds the limit");
    fails_with("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
               "exceeds the limit");
    fails_with("{% set s = 'x' * 30000 %}{% for i in range(100) %}{% set t = s + s %}{% endfor %}", "bytes of strings");
    fails_with("{{ [0] * 100000000 }}", "loop iterations");
    // Default limits stop the same templates, with a clear message.
    EXPECT_CONTAINS(error_of("{{ 'x' * 10000000000 }}"), "exceeds the limit");
    EXPECT_CONTAINS(error_of("{{ range(1000000) }}"), "Range too big");
    EXPECT_GE(edgeseek::jinja::RenderLimits{}.max_iterations, 1000000u);  // real prompts never get close
}

TEST(ChatTemplateLimits, RandomTemplatesNeverCrash) {
    // Cheap fuzzing: random soups of template syntax must parse and render or throw Error.
    static const char* const kPieces[] = {
        "{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "if", "for", "in", "endif", "endfor", "else", "set", "=",
        "x", "loop", "'s'", "\"q\"", "1", "2.5", "(", ")", "[", "]", "{", "}", "|", "trim", "join", "is",
        "defined", "not", "and", "or", "~", "*", "/", "%", ".", ",", ":", " ", "\n", "macro", "endmacro",
        "raw", "endraw", "namespace", "ns.a", "range", "recursive", "\\", "é", "\xff"};
    uint32_t state = 12345;
    auto rnd = [&] { return state = state * 1664525u + 1013904223u; };
    int rendered = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        std::string src;
        const int n = static_cast<int>(rnd() % 40);
        for (int i = 0; i < n; ++i) src += kPieces[rnd() % (sizeof kPieces / sizeof *kPieces)];
        try {
            edgeseek::jinja::RenderLimits limits;
            limits.max_iterations = 10000;
            render_limited(src, limits);
            ++rendered;
        } catch (const Error&) {
        }
    }
    EXPECT_GT(rendered, 100);
}

}  // namespace
