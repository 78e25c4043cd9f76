// `edgeseek synth`: random-weight models in the real R1 distill shapes, for benchmarks.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli_common.h"
#include "partial_output_guard.h"
#include "commands.h"
#include "core/error.h"
#include "quantize/output_path.h"
#include "synth/synthetic_model.h"

namespace edgeseek::cli {

namespace {

// The R1 vocabulary shipped with the fixtures: $EDGESEEK_FIXTURES or ../shared/fixtures.
std::string default_vocab() {
    const std::string rel = "tokenizer/vocab-deepseek-r1-qwen.gguf";
    if (const char* e = std::getenv("EDGESEEK_FIXTURES"); e && *e) return std::string(e) + "/" + rel;
    return "../shared/fixtures/" + rel;
}

}  // namespace

CommandRun add_synth_command(CLI::App& app) {
    struct Opts {
        std::string shape, type = "q4_0", out, vocab;
        uint64_t seed = 1;
        int threads = 0;
        bool force = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("synth", "Write a random-weight model in a real R1 distill shape (for benchmarks)");
    sub->add_option("--shape", o->shape, "one of: " + shape_names())->required();
    sub->add_option("--type", o->type, "any type `quantize` writes: " + file_type_names())->default_val("q4_0");
    sub->add_option("-o,--output", o->out, "output GGUF")->required();
    sub->add_option("--seed", o->seed, "random seed")->default_val(1);
    sub->add_option("--vocab", o->vocab, "GGUF whose tokenizer is copied (default: the fixtures' R1 vocabulary)");
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_flag("--force", o->force, "replace OUT if it exists");
    return [o]() -> int {
        auto ft = file_type_from_name(o->type);
        if (!ft) throw Error("unknown type '" + o->type + "'", "--type", "use one of: " + file_type_names());
        const ModelShape* shape = find_shape(o->shape);
        if (!shape) throw Error("unknown shape '" + o->shape + "'", "--shape", "use one of: " + shape_names());
        SynthOptions so;
        so.shape = o->shape;
        so.vocab_path = o->vocab.empty() ? default_vocab() : o->vocab;
        if (!std::filesystem::exists(so.vocab_path)) {
            throw Error("the R1 vocabulary file is missing", so.vocab_path,
                        "pass --vocab FILE (a GGUF with the DeepSeek-R1 tokenizer) or set EDGESEEK_FIXTURES");
        }
        so.out_path = o->out;
        so.file_type = *ft;
        so.seed = o->seed;
        so.n_threads = o->threads > 0 ? o->threads : default_threads();
        prepare_output_path(so.vocab_path, o->out, o->force);
        const bool tty = ::isatty(STDERR_FILENO);
        const auto t0 = std::chrono::steady_clock::now();
        so.progress = [&](size_t done, size_t total, uint64_t bytes) {
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double eta = done ? s * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
            std::fprintf(stderr, "%stensor %zu/%zu  %.1f MiB  %.1f MB/s  ETA %.0f s%s", tty ? "\r" : "", done, total,
                         static_cast<double>(bytes) / 1048576.0, static_cast<double>(bytes) / 1e6 / std::max(s, 1e-9), eta,
                         tty ? "   " : "\n");
        };
        std::fprintf(stderr, "synth: %s (%.2f B parameters) as %s -> %s\n", shape->name, shape->params() / 1e9, ft->name,
                     o->out.c_str());
        PartialOutputGuard guard({partial_path(o->out)});
        const uint64_t bytes = write_synthetic_model(so);
        std::fprintf(stderr, "%swrote %s: %.1f MiB of tensors\n", tty ? "\n" : "", o->out.c_str(),
                     static_cast<double>(bytes) / 1048576.0);
        return 0;
    };
}

}  // namespace edgeseek::cli
