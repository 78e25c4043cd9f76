// Where `edgeseek quantize` writes, checked before any work: nothing the user already has may
// be lost. GgufWriter writes OUT.partial and renames it to OUT only when complete.
#pragma once
#include <string>

namespace edgeseek {

inline std::string partial_path(const std::string& out_path) { return out_path + ".partial"; }

struct OutputCheck {
    bool replaces_existing = false;      // OUT exists and force was given
    bool removed_stale_partial = false;  // an OUT.partial left by a killed run was deleted
};

// Throws Error (naming the path) when OUT is the input (same path or same file through a link),
// when OUT exists and force is false, when OUT is a directory, or when its directory is missing
// or not writable. A stale OUT.partial is removed: a run killed with SIGKILL leaves one behind,
// never OUT itself.
OutputCheck prepare_output_path(const std::string& in_path, const std::string& out_path, bool force);

}  // namespace edgeseek
