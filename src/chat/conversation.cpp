#include "chat/conversation.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace edgeseek {
namespace {

using ojson = nlohmann::ordered_json;

std::string role_of(const ojson& m) { return m.value("role", std::string()); }

}  // namespace

Conversation Conversation::from_json(const ojson& j) {
    const ojson* arr = &j;
    if (j.is_object() && j.contains("messages")) arr = &j["messages"];
    if (!arr->is_array()) {
        throw Error("expected an array of messages (or an object with \"messages\")", "conversation",
                    "write it as [{\"role\": \"user\", \"content\": \"...\"}, ...]");
    }
    for (size_t i = 0; i < arr->size(); ++i) {
        const ojson& m = (*arr)[i];
        const std::string where = "message " + std::to_string(i);
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
            throw Error("a message must be an object with a string \"role\"", where,
                        "e.g. {\"role\": \"user\", \"content\": \"hello\"}");
        }
        if (m.contains("content") && !m["content"].is_string() && !m["content"].is_null() &&
            !m["content"].is_array()) {
            throw Error("\"content\" must be a string, null or an array of parts", where);
        }
    }
    Conversation c;
    c.messages_ = *arr;
    return c;
}

Conversation Conversation::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the conversation file", path, "check the path");
    std::stringstream ss;
    ss << in.rdbuf();
    ojson j;
    try {
        j = ojson::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(std::string("not valid JSON: ") + e.what(), path, "save it with /save or write a messages array");
    }
    try {
        return from_json(j);
    } catch (const Error& e) {
        throw Error(e.problem(), path + ": " + e.location(), e.hint());
    }
}

void Conversation::save(const std::string& path) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write the conversation file", path, "check the directory exists and is writable");
    out << messages_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) throw Error("writing the conversation failed", path, "check free disk space");
}

void Conversation::set_system(const std::string& text) {
    const bool has = !messages_.empty() && role_of(messages_[0]) == "system";
    if (text.empty()) {
        if (has) messages_.erase(messages_.begin());
        return;
    }
    if (has) {
        messages_[0]["content"] = text;
    } else {
        messages_.insert(messages_.begin(), ojson{{"role", "system"}, {"content", text}});
    }
}

std::string Conversation::system() const {
    if (messages_.empty() || role_of(messages_[0]) != "system") return {};
    const ojson& c = messages_[0]["content"];
    return c.is_string() ? c.get<std::string>() : std::string();
}

void Conversation::add_user(const std::string& text) {
    messages_.push_back(ojson{{"role", "user"}, {"content", text}});
}

void Conversation::add_assistant(const std::string& content, const std::string& reasoning) {
    ojson m{{"role", "assistant"}, {"content", content}};
    if (!reasoning.empty()) m["reasoning_content"] = reasoning;
    messages_.push_back(std::move(m));
}

void Conversation::pop_back() {
    if (!messages_.empty()) messages_.erase(messages_.end() - 1);
}

void Conversation::clear() {
    const std::string sys = system();
    messages_ = ojson::array();
    set_system(sys);
}

bool Conversation::drop_oldest_turn() {
    size_t first = 0;
    while (first < messages_.size() && role_of(messages_[first]) == "system") ++first;
    size_t next = first + 1;
    while (next < messages_.size() && role_of(messages_[next]) != "user") ++next;
    if (next >= messages_.size()) return false;  // only the turn in progress is left
    messages_.erase(messages_.begin() + static_cast<std::ptrdiff_t>(first),
                    messages_.begin() + static_cast<std::ptrdiff_t>(next));
    return true;
}

size_t Conversation::user_turns() const {
    size_t n = 0;
    for (const auto& m : messages_) n += role_of(m) == "user" ? 1 : 0;
    return n;
}

}  // namespace edgeseek
