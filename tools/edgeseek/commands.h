// Every subcommand lives in its own cmd_<name>.cpp and registers itself here: it adds its
// options to `app` and returns the function main() calls when that subcommand is chosen.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace edgeseek::cli {

using CommandRun = std::function<int()>;

CommandRun add_run_command(CLI::App& app);
CommandRun add_logits_command(CLI::App& app);
CommandRun add_tokenize_command(CLI::App& app);
CommandRun add_inspect_command(CLI::App& app);
CommandRun add_quantize_command(CLI::App& app);
CommandRun add_bench_command(CLI::App& app);
CommandRun add_synth_command(CLI::App& app);
CommandRun add_convert_command(CLI::App& app);
CommandRun add_chat_command(CLI::App& app);
CommandRun add_template_command(CLI::App& app);
CommandRun add_serve_command(CLI::App& app);
CommandRun add_perplexity_command(CLI::App& app);
CommandRun add_quant_report_command(CLI::App& app);

}  // namespace edgeseek::cli
