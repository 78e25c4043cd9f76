// `edgeseek quantize IN.gguf OUT.gguf TYPE`: writes the model with its weights in TYPE, using
// llama-quantize's mixtures (q4_k_m etc.) unless --pure. Progress goes to stderr (a bar on a
// terminal, plain lines otherwise), per-tensor lines (--verbose) and the summary to stdout.
// An interrupted run leaves nothing under OUT: the data goes to OUT.partial, renamed when
// complete; SIGINT/SIGTERM/SIGHUP remove OUT.partial (exit 128 + signal); after SIGKILL the
// stale OUT.partial is removed by the next run.
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "cli_common.h"
#include "partial_output_guard.h"
#include "commands.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "quant/types.h"
#include "quantize/file_types.h"
#include "quantize/model_quantizer.h"
#include "quantize/output_path.h"
#include "quantize/quantize_report.h"

namespace edgeseek::cli {
namespace {

// Progress on stderr: a bar redrawn in place on a terminal (at most 10 times a second), a plain
// line every 10% otherwise. Per-tensor lines go to stdout above the bar.
class ProgressDisplay {
public:
    explicit ProgressDisplay(bool verbose) : tty_(::isatty(STDERR_FILENO) != 0), verbose_(verbose) {}

    void progress(const QuantizeProgress& p) {
        last_ = p;
        const bool finished = p.bytes_done == p.bytes_total;
        if (tty_) {
            if (!finished && drawn_ && p.seconds - last_draw_ < 0.1) return;
            draw();
        } else {
            const int decile = p.bytes_total ? static_cast<int>(10 * p.bytes_done / p.bytes_total) : 10;
            if (decile <= last_decile_) return;
            last_decile_ = decile;
            std::fprintf(stderr, "quantize: %s\n", format_progress(p, 0).c_str());
        }
    }

    void tensor_done(const TensorPlan& plan, size_t index) {
        if (!verbose_) return;
        if (tty_ && drawn_) std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        std::printf("%s\n", format_tensor_line(plan, index, last_.n_tensors).c_str());
        std::fflush(stdout);
        if (tty_ && drawn_) draw();
    }

    void finish() {
        if (tty_ && drawn_) std::fputc('\n', stderr);
        drawn_ = false;
    }

private:
    void draw() {
        std::fprintf(stderr, "\r%s\033[K", format_progress(last_, 24).c_str());
        std::fflush(stderr);
        drawn_ = true;
        last_draw_ = last_.seconds;
    }
    bool tty_;
    bool verbose_;
    bool drawn_ = false;
    double last_draw_ = 0.0;
    int last_decile_ = 0;  // the first line at 10%
    QuantizeProgress last_;
};

int env_int(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::atoi(v) : 0;
}

}  // namespace

CommandRun add_quantize_command(CLI::App& app) {
    struct Opts {
        std::string in, out, type;
        bool pure = false, verbose = false, force = false;
        int threads = 0;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("quantize", "Write a GGUF model with its weights in another type (llama-quantize's mixtures)");
    sub->add_option("input", o->in, "GGUF model to read (f32, f16, bf16 or any type edgeseek reads)")->required();
    sub->add_option("output", o->out, "GGUF file to write (refused when it exists, unless --force)")->required();
    sub->add_option("type", o->type, "one of: " + file_type_names())->required();
    sub->add_flag("--pure", o->pure, "every 2-D weight in TYPE (no mixture: output/attn_v/ffn_down not raised)");
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_flag("-v,--verbose", o->verbose, "print a line per tensor");
    sub->add_flag("--force", o->force, "replace OUT if it exists (only once the new file is complete)");
    sub->footer("TYPE is one of " + file_type_names() +
                ". The _s/_m/_l types are llama-quantize's mixtures. Rows that do not split into the type's blocks "
                "fall back to the nearest type that fits (listed in the summary). The file is written as OUT.partial "
                "and renamed when complete: an interrupted run never leaves OUT, and a stale OUT.partial (after "
                "kill -9) is removed by the next run.");
    return [o]() -> int {
        const auto ft = file_type_from_name(o->type);
        if (!ft) throw Error("unknown TYPE '" + o->type + "'", "command line", "choose one of: " + file_type_names());
        auto in = GgufFile::open(o->in, true);
        if (in->get_uint("split.count").value_or(1) > 1) {
            throw Error("this is one part of a split model", o->in, "merge the parts first (llama-gguf-split --merge)");
        }
        const ModelQuantizer quantizer(*in, *ft, o->pure);  // checks every type is available
        size_t requantized = 0;
        for (const auto& p : quantizer.plan()) requantized += p.convert && type_traits(p.in->type)->quantized ? 1 : 0;
        if (requantized > 0) {
            std::fprintf(stderr, "edgeseek: note: %zu tensor(s) are already quantized; requantizing loses more than "
                                 "quantizing from the f32/f16/bf16 original\n", requantized);
        }
        const OutputCheck check = prepare_output_path(o->in, o->out, o->force);
        if (check.removed_stale_partial) {
            std::fprintf(stderr, "edgeseek: removed %s left by an interrupted run\n", partial_path(o->out).c_str());
        }
        QuantizeWriteOptions wo;
        wo.n_threads = o->threads > 0 ? o->threads : default_threads();
        wo.delay_ms_per_tensor = env_int("EDGESEEK_TEST_SLOW_WRITE_MS");  // tests that interrupt a write
        std::printf("quantize: %s -> %s as %s (general.file_type %u%s), %zu tensors, %d threads\n", o->in.c_str(),
                    o->out.c_str(), ft->name, ft->llama_ftype, o->pure ? ", pure" : "", quantizer.plan().size(),
                    wo.n_threads);
        std::fflush(stdout);

        ProgressDisplay display(o->verbose);
        QuantizeObserver observer;
        observer.progress = [&display](const QuantizeProgress& p) { display.progress(p); };
        observer.tensor_done = [&display](const TensorPlan& p, size_t k) { display.tensor_done(p, k); };
        QuantizeStats stats;
        {
            PartialOutputGuard guard({partial_path(o->out)});
            try {
                stats = quantizer.write(o->out, wo, observer);
            } catch (...) {
                display.finish();
                throw;
            }
        }
        display.finish();
        std::printf("quantize: wrote %s in %.2f s (%.1f MB/s)%s\n", o->out.c_str(), stats.seconds,
                    stats.seconds > 0 ? static_cast<double>(stats.in_bytes) / stats.seconds / 1e6 : 0.0,
                    check.replaces_existing ? ", replacing the file that was there" : "");
        std::printf("%s", format_summary(quantizer.plan(), stats).c_str());
        return 0;
    };
}

}  // namespace edgeseek::cli
