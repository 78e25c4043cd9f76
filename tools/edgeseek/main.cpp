// edgeseek: one binary, one subcommand per job. Errors print on one line and exit non-zero.
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
    CLI::App app{"edgeseek: run DeepSeek-R1 distilled models locally, from GGUF files"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "edgeseek 0.1.0");
    std::map<std::string, edgeseek::cli::CommandRun> runs;
    auto add = [&](const char* name, edgeseek::cli::CommandRun r) { runs[name] = std::move(r); };
    add("run", edgeseek::cli::add_run_command(app));
    add("logits", edgeseek::cli::add_logits_command(app));
    add("tokenize", edgeseek::cli::add_tokenize_command(app));
    add("inspect", edgeseek::cli::add_inspect_command(app));
    add("quantize", edgeseek::cli::add_quantize_command(app));
    add("bench", edgeseek::cli::add_bench_command(app));
    add("synth", edgeseek::cli::add_synth_command(app));
    add("convert", edgeseek::cli::add_convert_command(app));
    add("chat", edgeseek::cli::add_chat_command(app));
    add("template", edgeseek::cli::add_template_command(app));
    add("serve", edgeseek::cli::add_serve_command(app));
    add("perplexity", edgeseek::cli::add_perplexity_command(app));
    add("quant-report", edgeseek::cli::add_quant_report_command(app));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        for (auto* sub : app.get_subcommands()) return runs.at(sub->get_name())();
    } catch (const edgeseek::Error& e) {
        std::fprintf(stderr, "edgeseek: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "edgeseek: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
