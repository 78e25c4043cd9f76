#include "chat/chat_template.h"

#include <cstdint>
#include <limits>

#include "chat/jinja/evaluator.h"
#include "chat/jinja/parser.h"
#include "core/error.h"

namespace edgeseek {

namespace {

using jinja::Value;

template <class Json>
Value to_value(const Json& j, size_t depth) {
    if (depth > jinja::kMaxValueDepth)
        throw Error("template context nested more than " + std::to_string(jinja::kMaxValueDepth) + " levels",
                    "chat template context", "flatten the messages/tools passed to the template");
    switch (j.type()) {
        case Json::value_t::null: return Value::none();
        case Json::value_t::boolean: return Value::boolean(j.template get<bool>());
        case Json::value_t::number_integer: return Value::integer(j.template get<int64_t>());
        case Json::value_t::number_unsigned: {
            const auto u = j.template get<uint64_t>();
            if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                return Value::number(static_cast<double>(u));
            return Value::integer(static_cast<int64_t>(u));
        }
        case Json::value_t::number_float: return Value::number(j.template get<double>());
        case Json::value_t::string: return Value::string(j.template get<std::string>());
        case Json::value_t::array: {
            std::vector<Value> items;
            items.reserve(j.size());
            for (const auto& item : j) items.push_back(to_value(item, depth + 1));
            return Value::list(std::move(items));
        }
        case Json::value_t::object: {
            jinja::DictData d;
            for (auto it = j.begin(); it != j.end(); ++it)
                d.set(Value::string(it.key()), to_value(it.value(), depth + 1));
            return Value::dict(std::move(d));
        }
        default: break;
    }
    throw Error("unsupported JSON value (binary) in the template context", "chat template context");
}

std::string run(const jinja::Program& program, jinja::DictData context) {
    try {
        jinja::Evaluator ev(program, jinja::RenderLimits{});
        return ev.render(std::move(context));
    } catch (const Error&) {
        throw;
    } catch (const jinja::TemplateFault& f) {
        throw Error(f.message, "chat template", f.hint);
    } catch (const std::bad_alloc&) {
        throw Error("out of memory while rendering", "chat template", "the template builds too much data");
    } catch (const std::exception& e) {  // a bug in the engine: still report it as an Error
        throw Error(std::string("internal template engine error: ") + e.what(), "chat template");
    }
}

template <class Json>
std::string render_context(const jinja::Program& program, const Json& context) {
    if (!context.is_object())
        throw Error("the template context must be a JSON object", "chat template context");
    try {
        jinja::DictData d;
        for (auto it = context.begin(); it != context.end(); ++it)
            d.set(Value::string(it.key()), to_value(it.value(), 1));
        return run(program, std::move(d));
    } catch (const jinja::TemplateFault& f) {
        throw Error(f.message, "chat template context", f.hint);
    }
}

template <class Json>
Json chat_context(const Json& messages, bool add_generation_prompt, const std::string& bos_token,
                  const std::string& eos_token, const Json& extra) {
    if (!extra.is_object()) throw Error("extra template variables must be a JSON object", "chat template context");
    Json ctx = Json::object();
    ctx["messages"] = messages;
    ctx["tools"] = nullptr;
    ctx["documents"] = nullptr;
    ctx["add_generation_prompt"] = add_generation_prompt;
    if (!bos_token.empty()) ctx["bos_token"] = bos_token;
    if (!eos_token.empty()) ctx["eos_token"] = eos_token;
    for (auto it = extra.begin(); it != extra.end(); ++it) ctx[it.key()] = it.value();
    return ctx;
}

}  // namespace

ChatTemplate::ChatTemplate(std::string source)
    : program_(std::make_shared<const jinja::Program>(source)) {}

std::string ChatTemplate::render(const nlohmann::json& context) const {
    return render_context(*program_, context);
}

std::string ChatTemplate::render(const nlohmann::ordered_json& context) const {
    return render_context(*program_, context);
}

std::string render_chat(const ChatTemplate& tmpl, const nlohmann::json& messages, bool add_generation_prompt,
                        const std::string& bos_token, const std::string& eos_token, const nlohmann::json& extra) {
    return tmpl.render(chat_context(messages, add_generation_prompt, bos_token, eos_token, extra));
}

std::string render_chat(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token, const std::string& eos_token,
                        const nlohmann::ordered_json& extra) {
    return tmpl.render(chat_context(messages, add_generation_prompt, bos_token, eos_token, extra));
}

}  // namespace edgeseek
