// `edgeseek quant-report`: how much each quantization of a model loses and gains, measured on a
// text, written as report.md (a table) and report.svg (a chart) in -o DIR.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "core/error.h"
#include "quality/quant_report.h"

namespace edgeseek::cli {

namespace {

struct QuantReportOpts {
    std::string model, file, out_dir = "quant-report", types = "q8_0,q6_k,q5_k_m,q4_k_m,q4_0,q3_k_m,q2_k", tmp_dir;
    int64_t ctx = 512, chunks = -1, batch = 512;
    int threads = 0, top_k = 256, bench_p = 512, bench_n = 128, reps = 3;
    bool force = false;
};

// Temp name + rename: a reader never sees half a report.
void write_file(const std::string& path, const std::string& data) {
    const std::string tmp = path + ".partial";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error("cannot create the file", tmp, "check that the directory is writable");
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out) {
            std::remove(tmp.c_str());
            throw Error("write failed", tmp, "check free disk space");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw Error("cannot rename to the final name: " + ec.message(), tmp);
    }
}

}  // namespace

CommandRun add_quant_report_command(CLI::App& app) {
    auto o = std::make_shared<QuantReportOpts>();
    CLI::App* sub = app.add_subcommand(
        "quant-report", "Quantize to several types and report size, PPL, KL divergence, top-1 agreement and speed");
    sub->add_option("-m,--model", o->model, "F32/F16/BF16 GGUF model")->required();
    sub->add_option("-f,--file", o->file, "text file to score")->required();
    sub->add_option("--types", o->types, "comma-separated quantize types")->capture_default_str();
    sub->add_option("-o,--output-dir", o->out_dir, "directory for report.md and report.svg")->capture_default_str();
    sub->add_option("-c,--ctx-size,--ctx_size", o->ctx, "tokens per perplexity chunk")->default_val(512);
    sub->add_option("--chunks", o->chunks, "score at most N chunks (default: all)")->default_val(-1);
    sub->add_option("-b,--batch-size,--batch_size", o->batch, "tokens per forward pass")
        ->default_val(512)
        ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_option("--kl-top", o->top_k, "base log-probs kept per position (exact when >= vocab)")
        ->default_val(256)
        ->check(CLI::Range(1, 1 << 24));
    sub->add_option("-p,--n-prompt", o->bench_p, "prompt tokens for the pp speed test (0: skip)")
        ->default_val(512)
        ->check(CLI::Range(0, 1 << 20));
    sub->add_option("-n,--n-gen", o->bench_n, "generated tokens for the tg speed test (0: skip)")
        ->default_val(128)
        ->check(CLI::Range(0, 1 << 20));
    sub->add_option("-r,--repetitions", o->reps, "speed test repetitions")->default_val(3)->check(CLI::Range(1, 100));
    sub->add_option("--tmp-dir", o->tmp_dir, "where the quantized files are written, one at a time (default: system temp)");
    sub->add_flag("--force", o->force, "replace report.md / report.svg in the output directory");
    return [o]() -> int {
        QuantReportOptions ro;
        ro.model_path = o->model;
        ro.types = parse_report_types(o->types);
        ro.n_ctx = o->ctx;
        ro.max_chunks = o->chunks;
        ro.n_batch = o->batch;
        ro.threads = o->threads > 0 ? o->threads : default_threads();
        ro.top_k = o->top_k;
        ro.bench_prompt = o->bench_p;
        ro.bench_gen = o->bench_n;
        ro.bench_reps = o->reps;
        ro.tmp_parent = o->tmp_dir;

        std::ifstream in(o->file, std::ios::binary);
        if (!in) throw Error("cannot read the text file", o->file, "check the path");
        std::ostringstream text;
        text << in.rdbuf();

        namespace fs = std::filesystem;
        std::error_code ec;
        if (fs::exists(o->out_dir, ec) && !fs::is_directory(o->out_dir, ec)) {
            throw Error("exists and is not a directory", o->out_dir, "pass -o DIR naming a directory");
        }
        const std::string md = (fs::path(o->out_dir) / "report.md").string();
        const std::string svg = (fs::path(o->out_dir) / "report.svg").string();
        for (const auto& p : {md, svg}) {
            if (fs::exists(p, ec) && !o->force) throw Error("the file exists", p, "pass --force to replace it, or another -o DIR");
        }
        fs::create_directories(o->out_dir, ec);
        if (ec) throw Error("cannot create the directory: " + ec.message(), o->out_dir);

        const auto t0 = std::chrono::steady_clock::now();
        const QuantReport r = build_quant_report(ro, text.str(), fs::path(o->file).filename().string(), [&](const std::string& line) {
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::fprintf(stderr, "quant-report [%6.1fs] %s\n", s, line.c_str());
        });
        write_file(svg, report_svg(r));
        write_file(md, report_markdown(r));
        std::printf("%s", report_markdown(r).c_str());
        std::printf("\nwrote %s and %s\n", md.c_str(), svg.c_str());
        return 0;
    };
}

}  // namespace edgeseek::cli
