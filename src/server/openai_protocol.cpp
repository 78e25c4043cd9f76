#include "server/openai_protocol.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include "server/api_error.h"

namespace edgeseek {
namespace {

using json = nlohmann::json;

// The field, or nullptr when absent or null (OpenAI clients send null for "not set").
const json* find_field(const json& j, const char* name) {
    const auto it = j.find(name);
    return it == j.end() || it->is_null() ? nullptr : &*it;
}

double number_field(const json& v, const char* name, double lo, double hi) {
    if (!v.is_number()) throw ApiError::invalid(name, std::string("'") + name + "' must be a number");
    const double x = v.get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) {
        throw ApiError::invalid(name, std::string("'") + name + "' must be between " + json(lo).dump() + " and " +
                                          json(hi).dump() + ", got " + v.dump());
    }
    return x;
}

int64_t integer_field(const json& v, const char* name, int64_t lo, int64_t hi) {
    if (!v.is_number_integer()) throw ApiError::invalid(name, std::string("'") + name + "' must be an integer");
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) {
        throw ApiError::invalid(name, std::string("'") + name + "' is too large");
    }
    const int64_t x = v.get<int64_t>();
    if (x < lo || x > hi) {
        throw ApiError::invalid(name, std::string("'") + name + "' must be between " + std::to_string(lo) + " and " +
                                          std::to_string(hi) + ", got " + std::to_string(x));
    }
    return x;
}

bool bool_field(const json& v, const char* name) {
    if (!v.is_boolean()) throw ApiError::invalid(name, std::string("'") + name + "' must be true or false");
    return v.get<bool>();
}

constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();

// The fields /v1/chat/completions and /v1/completions share.
GenerationParams parse_generation(const json& j, const SamplingParams& defaults) {
    GenerationParams g;
    g.sampling = defaults;
    SamplingParams& s = g.sampling;
    if (const json* v = find_field(j, "temperature")) s.temperature = static_cast<float>(number_field(*v, "temperature", 0, 2));
    if (const json* v = find_field(j, "top_p")) s.top_p = static_cast<float>(number_field(*v, "top_p", 0, 1));
    if (const json* v = find_field(j, "top_k")) s.top_k = static_cast<int32_t>(integer_field(*v, "top_k", 0, kMaxInt));
    if (const json* v = find_field(j, "min_p")) s.min_p = static_cast<float>(number_field(*v, "min_p", 0, 1));
    if (const json* v = find_field(j, "presence_penalty"))
        s.presence_penalty = static_cast<float>(number_field(*v, "presence_penalty", -2, 2));
    if (const json* v = find_field(j, "frequency_penalty"))
        s.frequency_penalty = static_cast<float>(number_field(*v, "frequency_penalty", -2, 2));
    if (const json* v = find_field(j, "repeat_penalty"))
        s.repeat_penalty = static_cast<float>(number_field(*v, "repeat_penalty", 0.01, 100));
    if (const json* v = find_field(j, "seed")) {
        s.seed = static_cast<uint64_t>(integer_field(*v, "seed", std::numeric_limits<int64_t>::min(),
                                                     std::numeric_limits<int64_t>::max()));
    }
    if (const json* v = find_field(j, "max_tokens")) g.max_tokens = integer_field(*v, "max_tokens", 1, kMaxInt);
    if (const json* v = find_field(j, "max_completion_tokens"))
        g.max_tokens = integer_field(*v, "max_completion_tokens", 1, kMaxInt);
    for (const char* name : {"reasoning_budget", "think_budget"}) {
        if (const json* v = find_field(j, name)) g.think_budget = integer_field(*v, name, -1, kMaxInt);
    }
    if (const json* v = find_field(j, "n")) {
        if (integer_field(*v, "n", 1, kMaxInt) != 1) throw ApiError::invalid("n", "only n=1 is supported");
    }
    if (const json* v = find_field(j, "logprobs")) {
        if (v->is_number() || bool_field(*v, "logprobs")) throw ApiError::invalid("logprobs", "logprobs are not supported");
    }
    if (const json* v = find_field(j, "stop")) {
        if (v->is_string()) {
            g.stop.push_back(v->get<std::string>());
        } else if (v->is_array() && v->size() <= 4) {
            for (const json& e : *v) {
                if (!e.is_string()) throw ApiError::invalid("stop", "'stop' must be a string or an array of strings");
                g.stop.push_back(e.get<std::string>());
            }
        } else {
            throw ApiError::invalid("stop", "'stop' must be a string or an array of up to 4 strings");
        }
        for (const std::string& st : g.stop) {
            if (st.empty()) throw ApiError::invalid("stop", "'stop' strings must not be empty");
        }
    }
    if (const json* v = find_field(j, "stream")) g.stream = bool_field(*v, "stream");
    if (const json* v = find_field(j, "stream_options")) {
        if (!v->is_object()) throw ApiError::invalid("stream_options", "'stream_options' must be an object");
        if (const json* u = find_field(*v, "include_usage")) g.include_usage = bool_field(*u, "stream_options.include_usage");
    }
    return g;
}

std::string model_field(const json& j) {
    const json* v = find_field(j, "model");
    if (!v) return {};
    if (!v->is_string()) throw ApiError::invalid("model", "'model' must be a string");
    return v->get<std::string>();
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
std::string message_content(const json& c, const std::string& where) {
    if (c.is_string()) return c.get<std::string>();
    if (!c.is_array()) throw ApiError::invalid(where, "'" + where + "' must be a string or an array of text parts");
    std::string text;
    for (size_t k = 0; k < c.size(); ++k) {
        const std::string part = where + "[" + std::to_string(k) + "]";
        const json& p = c[k];
        if (!p.is_object() || p.value("type", json()) != "text" || !p.contains("text") || !p["text"].is_string()) {
            throw ApiError::invalid(part, "'" + part + "' must be {\"type\": \"text\", \"text\": string} (only text is supported)");
        }
        text += p["text"].get<std::string>();
    }
    return text;
}

nlohmann::ordered_json parse_messages(const json& j) {
    const json* m = find_field(j, "messages");
    if (!m) throw ApiError::invalid("messages", "'messages' is required");
    if (!m->is_array() || m->empty()) throw ApiError::invalid("messages", "'messages' must be a non-empty array");
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (size_t i = 0; i < m->size(); ++i) {
        const std::string where = "messages[" + std::to_string(i) + "]";
        const json& msg = (*m)[i];
        if (!msg.is_object()) throw ApiError::invalid(where, "'" + where + "' must be an object");
        const json* role = find_field(msg, "role");
        static const char* kRoles[] = {"system", "developer", "user", "assistant", "tool"};
        bool known = false;
        for (const char* r : kRoles) known = known || (role && role->is_string() && *role == r);
        if (!known) {
            throw ApiError::invalid(where + ".role", "'" + where + ".role' must be one of system, developer, user, assistant, tool");
        }
        nlohmann::ordered_json o;
        o["role"] = *role == "developer" ? std::string("system") : role->get<std::string>();
        const json* content = find_field(msg, "content");
        if (!content && *role != "assistant") throw ApiError::invalid(where + ".content", "'" + where + ".content' is required");
        o["content"] = content ? message_content(*content, where + ".content") : std::string();
        if (const json* r = find_field(msg, "reasoning_content")) {
            if (!r->is_string()) throw ApiError::invalid(where + ".reasoning_content", "'reasoning_content' must be a string");
            o["reasoning_content"] = r->get<std::string>();
        }
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace

json parse_json_body(const std::string& body) {
    json j;
    try {
        j = json::parse(body);
    } catch (const json::parse_error& e) {
        throw ApiError(400, std::string("the request body is not valid JSON: ") + e.what(), "invalid_request_error",
                       "invalid_json");
    }
    if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object", "invalid_request_error", "invalid_json");
    return j;
}

ChatRequest parse_chat_request(const std::string& body, const SamplingParams& defaults) {
    const json j = parse_json_body(body);
    ChatRequest r;
    r.model = model_field(j);
    r.messages = parse_messages(j);
    r.gen = parse_generation(j, defaults);
    r.template_vars = nlohmann::ordered_json::object();
    if (const json* v = find_field(j, "chat_template_kwargs")) {
        if (!v->is_object()) throw ApiError::invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
        for (const auto& [k, val] : v->items()) r.template_vars[k] = val;
    }
    return r;
}

CompletionRequest parse_completion_request(const std::string& body, const SamplingParams& defaults) {
    const json j = parse_json_body(body);
    CompletionRequest r;
    r.model = model_field(j);
    const json* p = find_field(j, "prompt");
    if (!p) throw ApiError::invalid("prompt", "'prompt' is required");
    if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) p = &(*p)[0];
    if (p->is_string()) {
        r.prompt = p->get<std::string>();
        if (r.prompt.empty()) throw ApiError::invalid("prompt", "'prompt' must not be empty");
    } else if (p->is_array() && !p->empty()) {
        for (const json& t : *p) {
            if (!t.is_number_integer()) {
                throw ApiError::invalid("prompt", "'prompt' must be a string or an array of token ids (one prompt per request)");
            }
            r.prompt_ids.push_back(static_cast<int32_t>(integer_field(t, "prompt", 0, kMaxInt)));
        }
        r.has_ids = true;
    } else {
        throw ApiError::invalid("prompt", "'prompt' must be a non-empty string or array of token ids");
    }
    if (const json* v = find_field(j, "echo")) {
        if (bool_field(*v, "echo")) throw ApiError::invalid("echo", "echo is not supported");
    }
    r.gen = parse_generation(j, defaults);
    return r;
}

json usage_json(const Usage& u) {
    return {{"prompt_tokens", u.prompt_tokens},
            {"completion_tokens", u.completion_tokens},
            {"total_tokens", u.prompt_tokens + u.completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}},
            {"completion_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}}};
}

ResponseMeta new_response_meta(const std::string& prefix, const std::string& model) {
    static std::atomic<uint64_t> counter{std::random_device{}()};
    const uint64_t n = counter.fetch_add(0x9E3779B97F4A7C15ull);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(n));
    ResponseMeta m;
    m.id = prefix + hex;
    m.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    m.model = model;
    return m;
}

namespace {
json finish_json(const std::string& f) { return f.empty() ? json() : json(f); }
}  // namespace

json chat_completion_json(const ResponseMeta& m, const std::string& reasoning, const std::string& content,
                          const std::string& finish_reason, const Usage& u) {
    json msg = {{"role", "assistant"}, {"content", content}};
    msg["reasoning_content"] = reasoning.empty() ? json() : json(reasoning);
    return {{"id", m.id},
            {"object", "chat.completion"},
            {"created", m.created},
            {"model", m.model},
            {"choices", json::array({{{"index", 0}, {"message", msg}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}})},
            {"usage", usage_json(u)}};
}

json chat_chunk_json(const ResponseMeta& m, const json& delta, const std::string& finish_reason) {
    return {{"id", m.id},
            {"object", "chat.completion.chunk"},
            {"created", m.created},
            {"model", m.model},
            {"choices",
             json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish_json(finish_reason)}}})}};
}

json text_completion_json(const ResponseMeta& m, const std::string& text, const std::string& finish_reason, const Usage& u) {
    return {{"id", m.id},
            {"object", "text_completion"},
            {"created", m.created},
            {"model", m.model},
            {"choices", json::array({{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}})},
            {"usage", usage_json(u)}};
}

json text_chunk_json(const ResponseMeta& m, const std::string& text, const std::string& finish_reason) {
    return {{"id", m.id},
            {"object", "text_completion"},
            {"created", m.created},
            {"model", m.model},
            {"choices",
             json::array({{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish_json(finish_reason)}}})}};
}

json usage_chunk_json(const ResponseMeta& m, const char* object, const Usage& u) {
    return {{"id", m.id}, {"object", object}, {"created", m.created}, {"model", m.model},
            {"choices", json::array()}, {"usage", usage_json(u)}};
}

std::string dump_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_data(const json& j) { return "data: " + dump_json(j) + "\n\n"; }

}  // namespace edgeseek
