// `edgeseek convert DIR -o OUT.gguf [--outtype TYPE]`: a Hugging Face checkpoint (safetensors) to
// GGUF; `edgeseek convert --from llama2c MODEL.bin --tokenizer TOKENIZER.bin -o OUT.gguf`: a
// llama2.c checkpoint. --outtype auto (the default) keeps the weights' own precision, so a bf16
// checkpoint (as the R1 distills ship) converts losslessly; f32/f16/bf16 convert directly, the
// quantized types (q8_0, q4_k_m, ...) then quantize as `edgeseek quantize` does. Progress goes
// to stderr (a bar on a terminal, plain lines otherwise). OUT is written as OUT.partial and
// renamed when complete; an existing OUT is kept unless --force; SIGINT/SIGTERM/SIGHUP remove
// the partial files.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "cli_common.h"
#include "partial_output_guard.h"
#include "commands.h"
#include "convert/hf_converter.h"
#include "convert/llama2c.h"
#include "core/error.h"
#include "quantize/output_path.h"

namespace edgeseek::cli {
namespace {

// A bar redrawn in place on a terminal (at most 10 times a second), a line per 10% otherwise.
class ProgressDisplay {
public:
    ProgressDisplay() : tty_(::isatty(STDERR_FILENO) != 0) {}
    ~ProgressDisplay() { finish(); }

    void update(const ConvertProgress& p) {
        if (phase_ != p.phase) {
            finish();
            phase_ = p.phase;
            last_decile_ = -1;
        }
        const double frac = p.bytes_total ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total) : 1.0;
        const bool done = p.bytes_done >= p.bytes_total;
        if (tty_) {
            if (!done && drawn_ && p.seconds - last_draw_ < 0.1) return;
            const int width = 30, filled = static_cast<int>(frac * width);
            std::fprintf(stderr, "\r%-8s [%s%s] %5.1f%%  tensor %zu/%zu  %.1f s\033[K", p.phase,
                         std::string(static_cast<size_t>(filled), '#').c_str(),
                         std::string(static_cast<size_t>(width - filled), '.').c_str(), 100.0 * frac, p.tensor + 1,
                         p.n_tensors, p.seconds);
            std::fflush(stderr);
            drawn_ = true;
            last_draw_ = p.seconds;
            return;
        }
        const int decile = static_cast<int>(10 * frac);
        if (decile <= last_decile_) return;
        last_decile_ = decile;
        std::fprintf(stderr, "%s: %3d%% (tensor %zu/%zu, %.1f s)\n", p.phase, 10 * decile, p.tensor + 1, p.n_tensors,
                     p.seconds);
    }

    void finish() {
        if (tty_ && drawn_) std::fputc('\n', stderr);
        drawn_ = false;
    }

private:
    bool tty_;
    bool drawn_ = false;
    double last_draw_ = 0.0;
    int last_decile_ = -1;
    std::string phase_;
};

struct ConvertOpts {
    std::string input, out, outtype = "auto", from = "hf", tokenizer, vocab, name;
    bool force = false;
    int threads = 0;
};

void check_options(const ConvertOpts& o) {
    if (o.from != "hf" && o.from != "llama2c") {
        throw Error("unknown --from '" + o.from + "'", "command line", "use hf (the default) or llama2c");
    }
    if (o.from == "llama2c" && o.tokenizer.empty()) {
        throw Error("--from llama2c needs --tokenizer TOKENIZER.bin", "command line", "give llama2.c's tokenizer.bin");
    }
    if (o.from == "hf" && !o.tokenizer.empty()) {
        throw Error("--tokenizer is for --from llama2c", "command line", "a Hugging Face folder has its own tokenizer.json");
    }
    if (o.from == "llama2c" && !o.vocab.empty()) throw Error("--vocab is for Hugging Face checkpoints", "command line");
}

// --force must not replace a file the conversion reads (a shard, tokenizer.json, MODEL.bin ...).
void refuse_overwriting_inputs(const ConvertOpts& o) {
    struct stat out{};
    if (::stat(o.out.c_str(), &out) != 0) return;
    std::vector<std::string> inputs = {o.input, o.tokenizer, o.vocab};
    std::error_code ec;
    if (std::filesystem::is_directory(o.input, ec)) {
        for (const auto& e : std::filesystem::directory_iterator(o.input, ec)) inputs.push_back(e.path().string());
    }
    for (const auto& in : inputs) {
        struct stat st{};
        if (!in.empty() && ::stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
            throw Error("the output is one of the input files (" + in + ")", o.out, "write to another file; the input stays as it is");
        }
    }
}

// Files a run killed by SIGKILL may have left; prepare_output_path handles OUT.partial.
void remove_stale_temporaries(const std::string& out) {
    for (const std::string& p : {unquantized_path(out), partial_path(unquantized_path(out))}) {
        if (::unlink(p.c_str()) == 0) std::fprintf(stderr, "edgeseek: removed %s left by an interrupted run\n", p.c_str());
    }
}

int run_convert(const ConvertOpts& o) {
    check_options(o);
    refuse_overwriting_inputs(o);
    const OutputCheck check = prepare_output_path(o.input, o.out, o.force);
    remove_stale_temporaries(o.out);
    ModelWriteOptions wo;
    wo.n_threads = o.threads > 0 ? o.threads : default_threads();
    auto display = std::make_shared<ProgressDisplay>();
    wo.progress = [display](const ConvertProgress& p) { display->update(p); };
    PartialOutputGuard guard({partial_path(o.out), unquantized_path(o.out), partial_path(unquantized_path(o.out))});
    if (o.from == "llama2c") {
        Llama2cOptions lo{o.tokenizer, o.outtype, o.name, wo};
        Llama2cConversion conv(o.input, lo);
        const Llama2cConfig& c = conv.config();
        std::printf("convert: %s (llama2.c: dim %lld, %lld layers, %lld heads, vocab %lld) -> %s as %s, %zu tensors\n",
                    o.input.c_str(), static_cast<long long>(c.dim), static_cast<long long>(c.n_layers),
                    static_cast<long long>(c.n_heads), static_cast<long long>(c.vocab_size), o.out.c_str(),
                    conv.output_type().file_type.name, conv.n_tensors());
        std::fflush(stdout);
        conv.write(o.out);
    } else {
        ConvertOptions co{o.outtype, o.name, o.vocab, wo};
        HfConversion conv(o.input, co);
        const HfConfig& c = conv.config();
        std::printf("convert: %s (%s: %lld layers, n_embd %lld, vocab %lld, pre-tokenizer %s%s) -> %s as %s, %zu tensors\n",
                    o.input.c_str(), c.hf_arch.c_str(), static_cast<long long>(c.n_layer),
                    static_cast<long long>(c.n_embd), static_cast<long long>(conv.n_vocab()),
                    conv.pre_tokenizer().c_str(), conv.plan().tied ? ", tied embeddings" : "", o.out.c_str(),
                    conv.output_type().file_type.name, conv.plan().tensors.size());
        std::fflush(stdout);
        conv.write(o.out);
    }
    display->finish();
    std::printf("convert: wrote %s%s\n", o.out.c_str(), check.replaces_existing ? ", replacing the file that was there" : "");
    return 0;
}

}  // namespace

CommandRun add_convert_command(CLI::App& app) {
    auto o = std::make_shared<ConvertOpts>();
    CLI::App* sub = app.add_subcommand("convert", "Convert a Hugging Face checkpoint (or a llama2.c model) to GGUF");
    sub->add_option("input", o->input, "checkpoint folder (config.json, tokenizer.json, *.safetensors), or MODEL.bin with --from llama2c")
        ->required();
    sub->add_option("-o,--outfile", o->out, "GGUF file to write (refused when it exists, unless --force)")->required();
    sub->add_option("--outtype", o->outtype,
                    "auto (default: the weights' own precision, lossless), f32, f16, bf16, or a quantized type: " +
                        output_type_names().substr(std::string("auto, f32, f16, bf16, ").size()));
    sub->add_option("--from", o->from, "hf (default) or llama2c");
    sub->add_option("--tokenizer", o->tokenizer, "llama2.c tokenizer.bin (with --from llama2c)");
    sub->add_option("--vocab", o->vocab, "take the tokenizer (every tokenizer.* key) from this GGUF instead of tokenizer.json");
    sub->add_option("--name", o->name, "general.name (default: the folder or file name)");
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_flag("--force", o->force, "replace OUT if it exists (only once the new file is complete)");
    return [o]() -> int { return run_convert(*o); };
}

}  // namespace edgeseek::cli
