// Hugging Face chat templates, rendered byte-for-byte as transformers renders them: jinja2's
// ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks, loop controls, tojson as
// json.dumps (no ASCII escaping), raise_exception() and strftime_now(). The engine is our
// own (src/chat/jinja/), covering the jinja2 subset chat templates use; anything else is an
// edgeseek::Error naming the template line and column.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace edgeseek {

namespace jinja {
struct Program;
}

class ChatTemplate {
public:
    // Parses once; throws edgeseek::Error on syntax errors and unknown filters/tests.
    explicit ChatTemplate(std::string source);

    // Renders with the context's keys as template variables. JSON objects become Python
    // dicts in their iteration order: pass nlohmann::ordered_json to keep the caller's key
    // order (tool schemas printed with tojson depend on it); nlohmann::json sorts keys.
    // Throws edgeseek::Error (with template line/column) on render errors, including
    // raise_exception(message) from the template.
    std::string render(const nlohmann::json& context) const;
    std::string render(const nlohmann::ordered_json& context) const;

private:
    std::shared_ptr<const jinja::Program> program_;
};

// context = {messages, tools: None, documents: None, add_generation_prompt, bos_token,
// eos_token} + extra (extra wins). An empty bos_token/eos_token is left undefined, as
// transformers leaves tokens the tokenizer does not have.
std::string render_chat(const ChatTemplate& tmpl, const nlohmann::json& messages, bool add_generation_prompt,
                        const std::string& bos_token, const std::string& eos_token,
                        const nlohmann::json& extra = nlohmann::json::object());
std::string render_chat(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                        bool add_generation_prompt, const std::string& bos_token, const std::string& eos_token,
                        const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

}  // namespace edgeseek
