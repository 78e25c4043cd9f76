#include "chat/chat_format.h"

#include "core/error.h"
#include "gguf/gguf_file.h"

namespace edgeseek {

std::string vocabulary_token_text(const GgufFile& file, const std::string& id_key) {
    const auto id = file.get_uint(id_key);
    if (!id) return {};
    const GgufValue& tokens = file.require_array("tokenizer.ggml.tokens", GgufType::STRING);
    if (*id >= tokens.strings.size()) {
        throw Error("token id " + std::to_string(*id) + " is past the vocabulary of " +
                        std::to_string(tokens.strings.size()) + " tokens",
                    file.where_key(id_key), "the file's tokenizer metadata is malformed; re-convert it");
    }
    return tokens.strings[*id];
}

ChatFormat ChatFormat::from_gguf(const GgufFile& file, const std::string& template_source) {
    std::string source = template_source;
    if (source.empty()) {
        auto t = file.get_string("tokenizer.chat_template");
        if (!t || t->empty()) {
            throw Error("the model has no chat template (tokenizer.chat_template)", file.path(),
                        "pass --chat-template FILE with the model's Jinja template");
        }
        source = std::move(*t);
    }
    return ChatFormat(std::move(source), vocabulary_token_text(file, "tokenizer.ggml.bos_token_id"),
                      vocabulary_token_text(file, "tokenizer.ggml.eos_token_id"));
}

ChatFormat::ChatFormat(std::string template_source, std::string bos_text, std::string eos_text)
    : tmpl_(std::move(template_source)), bos_(std::move(bos_text)), eos_(std::move(eos_text)) {}

std::string ChatFormat::render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                               const nlohmann::ordered_json& vars) const {
    return render_chat(tmpl_, messages, add_generation_prompt, bos_, eos_, vars);
}

void add_template_var(nlohmann::ordered_json& vars, const std::string& assignment) {
    const size_t eq = assignment.find('=');
    if (eq == 0 || eq == std::string::npos) {
        throw Error("expected NAME=JSON, got '" + assignment + "'", "--var",
                    "e.g. --var enable_thinking=false or --var 'name=\"text\"'");
    }
    const std::string name = assignment.substr(0, eq);
    try {
        vars[name] = nlohmann::ordered_json::parse(assignment.substr(eq + 1));
    } catch (const nlohmann::json::exception&) {
        throw Error("the value of '" + name + "' is not JSON: " + assignment.substr(eq + 1), "--var",
                    "quote strings as JSON: --var 'name=\"text\"'");
    }
}

}  // namespace edgeseek
