// How a model wants a conversation written: its chat template (tokenizer.chat_template, or
// one the user supplies) and the text of its BOS/EOS tokens, which templates print
// themselves. Rendering is byte-exact with transformers' apply_chat_template.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace edgeseek {

class GgufFile;

class ChatFormat {
public:
    // template_source non-empty: use it instead of the file's tokenizer.chat_template.
    // bos/eos text: the vocabulary strings of tokenizer.ggml.bos/eos_token_id ("" when
    // absent). Throws Error when the file has no template and none is given.
    static ChatFormat from_gguf(const GgufFile& file, const std::string& template_source = {});

    ChatFormat(std::string template_source, std::string bos_text, std::string eos_text);

    // messages: an OpenAI-style array; vars: more template variables (enable_thinking,
    // tools, ...), which win over the standard ones.
    std::string render(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                       const nlohmann::ordered_json& vars = nlohmann::ordered_json::object()) const;

    const std::string& bos_text() const { return bos_; }
    const std::string& eos_text() const { return eos_; }

private:
    ChatTemplate tmpl_;
    std::string bos_, eos_;
};

// The text of the token whose id is stored under id_key (e.g. tokenizer.ggml.bos_token_id),
// taken from tokenizer.ggml.tokens; "" when the key is absent. Works on vocab-only files.
std::string vocabulary_token_text(const GgufFile& file, const std::string& id_key);

// "NAME=JSON" (a --var argument) added to vars. Throws Error naming the argument when it
// is not of that form or the value is not JSON.
void add_template_var(nlohmann::ordered_json& vars, const std::string& assignment);

}  // namespace edgeseek
