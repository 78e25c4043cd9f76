// Small pieces the subcommands share.
#pragma once
#include <string>

namespace edgeseek::cli {

// The prompt text from -p or -f (exactly one must be given). Throws Error otherwise.
std::string prompt_text(const std::string& prompt, const std::string& file);
// JSON string literal (UTF-8 kept as is; invalid bytes replaced).
std::string json_quote(const std::string& s);
// Physical cores (the default thread count).
int default_threads();

}  // namespace edgeseek::cli
