#include "quantize/output_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace edgeseek {
namespace {

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

std::string directory_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

OutputCheck prepare_output_path(const std::string& in_path, const std::string& out_path, bool force) {
    OutputCheck check;
    if (out_path.empty()) throw Error("no output path given", "command line", "pass IN.gguf OUT.gguf TYPE");
    struct stat in_st{};
    if (::stat(in_path.c_str(), &in_st) != 0) {
        throw Error(std::string("cannot stat the input: ") + std::strerror(errno), in_path, "check the path");
    }
    const std::string refuse_hint = "write to another file; the input stays as it is";
    if (out_path == in_path) throw Error("the output is the input file", out_path, refuse_hint);

    struct stat st{};
    if (::stat(out_path.c_str(), &st) == 0) {
        if (same_file(st, in_st)) throw Error("the output is the input file (same file through another name)", out_path, refuse_hint);
        if (S_ISDIR(st.st_mode)) throw Error("the output is a directory", out_path, "give a file name, e.g. " + out_path + "/model-q4_k_m.gguf");
        if (!force) throw Error("the output file already exists", out_path, "pass --force to replace it, or choose another name");
        check.replaces_existing = true;
    }

    const std::string partial = partial_path(out_path);
    if (::lstat(partial.c_str(), &st) == 0) {
        struct stat target{};
        if (::stat(partial.c_str(), &target) == 0 && same_file(target, in_st)) {
            throw Error("the temporary output " + partial + " is the input file", out_path, refuse_hint);
        }
        if (S_ISDIR(st.st_mode)) throw Error("a directory is in the way of the temporary output", partial, "remove or rename it");
        if (::unlink(partial.c_str()) != 0) {
            throw Error(std::string("cannot remove a stale temporary output: ") + std::strerror(errno), partial,
                        "remove it by hand");
        }
        check.removed_stale_partial = true;
    }

    const std::string dir = directory_of(out_path);
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        throw Error("the output directory does not exist", dir, "create it first or choose another path");
    }
    // Probe by creating the temporary file now: a read-only directory fails here, in a second,
    // rather than after the whole model has been quantized.
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw Error(std::string("cannot create files in the output directory: ") + std::strerror(errno), dir,
                    "choose a writable directory");
    }
    ::close(fd);
    ::unlink(partial.c_str());
    return check;
}

}  // namespace edgeseek
