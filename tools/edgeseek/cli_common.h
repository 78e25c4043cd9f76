// Small pieces the subcommands share.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "model/model.h"
#include "sampling/sampler.h"

namespace edgeseek::cli {

// The whole file; Error("cannot read the <what>", path) when it cannot be opened.
std::string read_file(const std::string& path, const char* what);
// The prompt text from -p or -f (exactly one must be given). Throws Error otherwise.
std::string prompt_text(const std::string& prompt, const std::string& file);
// JSON string literal (UTF-8 kept as is; invalid bytes replaced).
std::string json_quote(const std::string& s);
// Physical cores (the default thread count).
int default_threads();

// --no-mmap, --no-repack and --no-repack-cache, for every command that loads a model.
struct ModelLoadFlags {
    bool no_mmap = false, no_repack = false, no_repack_cache = false;
    LoadOptions options() const;
};
void add_model_load_flags(CLI::App* sub, ModelLoadFlags* f);

// --temp, --top-k, --top-p, --min-p, the penalties and --seed (run and chat; serve's defaults
// are its own subset, which requests override).
void add_sampling_flags(CLI::App* sub, SamplingParams* sp);

}  // namespace edgeseek::cli
