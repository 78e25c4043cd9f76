#include "commands.h"
#include "core/error.h"

namespace edgeseek::cli {
CommandRun add_inspect_command(CLI::App& app) {
    app.add_subcommand("inspect", "(being written)");
    return [] () -> int { throw Error("not implemented yet"); };
}
}  // namespace edgeseek::cli
