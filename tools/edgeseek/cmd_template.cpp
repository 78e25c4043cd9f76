// `edgeseek template`: the prompt a conversation becomes, exactly as the model will read it
// (no newline added). A stable interface: external checks compare it byte for byte with
// transformers' apply_chat_template. Works on vocab-only GGUF files.
#include <cstdio>

#include "chat/chat_format.h"
#include "chat/conversation.h"
#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::cli {

CommandRun add_template_command(CLI::App& app) {
    struct Opts {
        std::string model, messages, chat_template;
        std::vector<std::string> vars;
        bool add_generation_prompt = false, ids = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("template", "Print the prompt a conversation renders to with the chat template");
    sub->add_option("-m,--model", o->model, "GGUF file (a vocab-only file is enough)")->required();
    sub->add_option("--messages", o->messages, "JSON file: an OpenAI-style messages array")->required();
    sub->add_flag("--add-generation-prompt", o->add_generation_prompt, "end with the assistant's turn opening");
    sub->add_option("--chat-template", o->chat_template, "Jinja template file instead of the model's own");
    sub->add_option("--var", o->vars, "template variable NAME=JSON (repeatable), e.g. enable_thinking=false");
    sub->add_flag("--ids", o->ids, "print the token ids of the rendered prompt (a JSON array) instead");
    return [o]() -> int {
        const Conversation conv = Conversation::load(o->messages);
        nlohmann::ordered_json vars = nlohmann::ordered_json::object();
        for (const auto& v : o->vars) add_template_var(vars, v);
        auto file = GgufFile::open(o->model);
        const std::string source = o->chat_template.empty() ? std::string() : read_file(o->chat_template, "chat template");
        const ChatFormat format = ChatFormat::from_gguf(*file, source);
        const std::string text = format.render(conv.messages(), o->add_generation_prompt, vars);
        if (o->ids) {
            auto tok = Tokenizer::from_gguf(*file);
            const nlohmann::json ids = tok->encode(text, true, true);
            std::printf("%s\n", ids.dump().c_str());
            return 0;
        }
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    };
}

}  // namespace edgeseek::cli
