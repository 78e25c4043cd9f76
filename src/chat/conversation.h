// A chat as the template sees it: an OpenAI-style array of {role, content} messages.
// Assistant turns store the answer as content (what chat templates expect: R1's template
// would strip a thought anyway) and the thought beside it as reasoning_content, which the
// R1 template ignores and Qwen3's uses for the turn in progress.
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace edgeseek {

class Conversation {
public:
    Conversation() = default;
    // From a messages array or an object {"messages": [...]} (what save() writes, or an
    // OpenAI request body). Throws Error naming the offending message.
    static Conversation from_json(const nlohmann::ordered_json& j);
    static Conversation load(const std::string& path);
    // Writes the messages array (pretty-printed JSON, UTF-8 as is).
    void save(const std::string& path) const;

    // Replaces the system prompt (a leading system message); "" removes it.
    void set_system(const std::string& text);
    std::string system() const;

    void add_user(const std::string& text);
    void add_assistant(const std::string& content, const std::string& reasoning = {});
    void pop_back();
    // Forgets every message but the system prompt.
    void clear();

    // Removes the oldest turn after the system prompt (a user message and the replies up to
    // the next user message). Never removes the last user message: false when nothing else
    // is left to drop.
    bool drop_oldest_turn();

    const nlohmann::ordered_json& messages() const { return messages_; }
    size_t size() const { return messages_.size(); }
    bool empty() const { return messages_.empty(); }
    // User messages (turns started).
    size_t user_turns() const;

private:
    nlohmann::ordered_json messages_ = nlohmann::ordered_json::array();
};

}  // namespace edgeseek
