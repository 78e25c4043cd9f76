// `edgeseek tokenize`: prints token ids as one JSON array. Works on vocab-only GGUF files.
#include <cstdio>
#include <string>

#include "cli_common.h"
#include "commands.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::cli {

CommandRun add_tokenize_command(CLI::App& app) {
    struct Opts {
        std::string model, prompt, file;
        bool no_bos = false, special = false, pieces = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("tokenize", "Print the token ids of a text as a JSON array");
    sub->add_option("-m,--model", o->model, "GGUF file (a vocab-only file works)")->required();
    auto* p = sub->add_option("-p,--prompt", o->prompt, "text to tokenize");
    auto* f = sub->add_option("-f,--file", o->file, "read the text from this file");
    p->excludes(f);
    sub->add_flag("--no-bos", o->no_bos, "do not add BOS even when the vocabulary asks for it");
    sub->add_flag("--special", o->special, "recognise special tokens written in the text");
    sub->add_flag("--pieces", o->pieces, "print [id, piece] pairs instead of bare ids");
    return [o]() -> int {
        const std::string text = prompt_text(o->prompt, o->file);
        auto gguf = GgufFile::open(o->model, true);
        auto tok = Tokenizer::from_gguf(*gguf);
        const auto ids = tok->encode(text, !o->no_bos, o->special);
        std::string out = "[";
        for (size_t i = 0; i < ids.size(); ++i) {
            if (i) out += ", ";
            if (o->pieces) {
                out += "[" + std::to_string(ids[i]) + ", " + json_quote(tok->token_to_piece(ids[i])) + "]";
            } else {
                out += std::to_string(ids[i]);
            }
        }
        out += "]\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
        return 0;
    };
}

}  // namespace edgeseek::cli
