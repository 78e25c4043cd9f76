#include "quality/quant_report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "quality/evaluation.h"
#include "quality/kld_file.h"
#include "quantize/model_quantizer.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

namespace {

// mkdtemp'd directory, removed with everything in it when the report is done or fails.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& parent) {
        std::error_code ec;
        const std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(parent);
        std::string tmpl = (base / "edgeseek-quant-report-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) {
            throw Error("cannot create a temporary directory", tmpl, "pass --tmp-dir DIR with room for one quantized model");
        }
        path_ = tmpl;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

double bits_per_weight(const GgufFile& f) {
    double bytes = 0, values = 0;
    for (const auto& t : f.tensors()) {
        bytes += static_cast<double>(t.nbytes);
        values += static_cast<double>(t.n_elements());
    }
    return values > 0 ? 8.0 * bytes / values : 0.0;
}

std::string weight_type(const Model& m) { return type_name(m.weights().layers.at(0).w_gate.type); }

void measure_speed(const QuantReportOptions& o, const Model& m, QuantReportRow& row) {
    if (o.bench_prompt > 0) row.pp = measure_prompt_speed(m, o.bench_prompt, o.bench_reps, o.threads);
    if (o.bench_gen > 0) row.tg = measure_generation_speed(m, o.bench_gen, o.bench_reps, o.threads);
}

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

}  // namespace

std::vector<std::string> parse_report_types(const std::string& comma_list) {
    std::vector<std::string> out;
    std::stringstream ss(comma_list);
    std::string t;
    while (std::getline(ss, t, ',')) {
        if (t.empty()) continue;
        const auto ft = file_type_from_name(t);
        if (!ft) throw Error("unknown type '" + t + "'", "--types", "use some of: " + file_type_names());
        for (const auto& seen : out) {
            if (seen == ft->name) throw Error("type '" + t + "' is listed twice", "--types");
        }
        out.push_back(ft->name);
    }
    if (out.empty()) throw Error("no types given", "--types", "e.g. --types q8_0,q4_k_m,q2_k");
    return out;
}

QuantReport build_quant_report(const QuantReportOptions& o, const std::string& text, const std::string& text_name,
                               const std::function<void(const std::string&)>& log) {
    auto base_model = Model::load(o.model_path);
    const ModelConfig& cfg = base_model->config();
    const std::string base_type = weight_type(*base_model);
    if (type_traits(base_model->weights().layers.at(0).w_gate.type)->quantized) {
        throw Error("the model is already quantized (" + base_type + ")", o.model_path,
                    "pass the F16/F32/BF16 file: quantizing twice adds both errors");
    }
    auto tok = Tokenizer::from_gguf(base_model->file());
    const std::vector<int32_t> all_tokens = tok->encode(text, true, false);
    QuantReport r;
    r.model_path = o.model_path;
    r.model_shape = model_shape(cfg);
    r.text_name = text_name;
    r.n_text_tokens = all_tokens.size();
    r.plan = plan_chunks(all_tokens.size(), o.n_ctx, o.max_chunks);
    r.threads = o.threads;
    r.bench_prompt = o.bench_prompt;
    r.bench_gen = o.bench_gen;
    r.top_k = static_cast<int>(std::min<int64_t>(o.top_k, cfg.n_vocab));
    const std::vector<int32_t> tokens(all_tokens.begin(), all_tokens.begin() + r.plan.n_chunk * r.plan.n_ctx);

    ChunkRunOptions run;
    run.threads = o.threads;
    run.n_batch = o.n_batch;
    run.bos = tok->add_bos_default() && tok->bos() >= 0 ? tok->bos() : -1;

    log("base " + base_type + ": " + std::to_string(r.plan.n_chunk) + " chunks of " + std::to_string(r.plan.n_ctx) +
        " tokens, " + std::to_string(r.plan.scored_total()) + " scored");
    std::vector<BaseLogProbs> base;
    base.reserve(static_cast<size_t>(r.plan.scored_total()));
    const NllAccumulator base_ppl =
        evaluate_base(*base_model, tokens, r.plan, run, r.top_k, [&](BaseLogProbs&& b) { base.push_back(std::move(b)); }, {});
    QuantReportRow brow;
    brow.type = base_type + " (base)";
    brow.base = true;
    brow.file_bytes = base_model->file().file_size();
    brow.bpw = bits_per_weight(base_model->file());
    brow.ppl = base_ppl.ppl();
    brow.ppl_err = base_ppl.ppl_error();
    measure_speed(o, *base_model, brow);
    r.rows.push_back(brow);
    base_model.reset();

    auto in = GgufFile::open(o.model_path);
    ScratchDir scratch(o.tmp_parent);
    const auto per_chunk = static_cast<size_t>(r.plan.scored_per_chunk());
    for (const std::string& type : o.types) {
        const std::string out_path = scratch.path() + "/" + type + ".gguf";
        log(type + ": quantizing");
        ModelQuantizer q(*in, *file_type_from_name(type), false);
        QuantizeWriteOptions wo;
        wo.n_threads = o.threads;
        q.write(out_path, wo);
        QuantReportRow row;
        row.type = type;
        for (const auto& p : q.plan()) row.n_fallback += p.fallback.empty() ? 0 : 1;
        {
            auto model = Model::load(out_path);
            row.file_bytes = model->file().file_size();
            row.bpw = bits_per_weight(model->file());
            log(type + ": scoring");
            const KldAccumulator acc = evaluate_against_base(
                *model, tokens, r.plan, run,
                [&](int64_t c) {
                    const auto b = base.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(c) * per_chunk);
                    return std::vector<BaseLogProbs>(b, b + static_cast<std::ptrdiff_t>(per_chunk));
                },
                {});
            row.kld = acc.summary();
            row.ppl = row.kld.ppl;
            row.ppl_err = row.kld.ppl_err;
            log(type + ": PPL " + fmt("%.4f", row.ppl) + ", mean KLD " + fmt("%.6f", row.kld.kld.mean) + ", top-1 " +
                fmt("%.2f%%", 100.0 * row.kld.same_top.mean) + "; measuring speed");
            measure_speed(o, *model, row);
        }
        std::error_code ec;
        std::filesystem::remove(out_path, ec);
        r.rows.push_back(row);
    }
    return r;
}

std::string report_markdown(const QuantReport& r) {
    std::ostringstream s;
    const QuantReportRow& b = r.rows.front();
    s << "# Quantization report: " << std::filesystem::path(r.model_path).filename().string() << "\n\n";
    s << "Model: " << r.model_shape << ". Text: " << r.text_name << " (" << r.n_text_tokens << " tokens); "
      << r.plan.n_chunk << " chunks of " << r.plan.n_ctx << " tokens, " << r.plan.scored_total()
      << " positions scored (llama.cpp's perplexity definition). KL divergence against the base's top-" << r.top_k
      << " log-probs per position. Speed: " << r.threads << " threads, pp" << r.bench_prompt << " / tg" << r.bench_gen
      << " as `edgeseek bench` measures them.\n\n";
    s << "![size vs KL divergence and speed](report.svg)\n\n";
    s << "| type | size | bits/weight | size vs base | PPL | PPL(Q)/PPL(base) | mean KLD | median KLD | 99% KLD | "
         "top-1 agreement | pp t/s | tg t/s |\n";
    s << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& row : r.rows) {
        const double mib = static_cast<double>(row.file_bytes) / 1048576.0;
        s << "| " << row.type << (row.n_fallback ? " ¹" : "") << " | " << fmt("%.2f MiB", mib) << " | "
          << fmt("%.2f", row.bpw) << " | "
          << fmt("%.1f%%", 100.0 * static_cast<double>(row.file_bytes) / static_cast<double>(b.file_bytes)) << " | "
          << fmt("%.4f", row.ppl) << " ± " << fmt("%.4f", row.ppl_err) << " | ";
        if (row.base) {
            s << "1 | 0 | 0 | 0 | 100% | ";
        } else {
            s << fmt("%.4f", row.kld.ppl_ratio) << " ± " << fmt("%.4f", row.kld.ppl_ratio_err) << " | "
              << fmt("%.6f", row.kld.kld.mean) << " ± " << fmt("%.6f", row.kld.kld.err) << " | "
              << fmt("%.6f", row.kld.kld_median) << " | " << fmt("%.6f", row.kld.kld_p99) << " | "
              << fmt("%.2f%%", 100.0 * row.kld.same_top.mean) << " ± " << fmt("%.2f", 100.0 * row.kld.same_top.err)
              << " | ";
        }
        s << (r.bench_prompt > 0 ? fmt("%.1f", row.pp.mean) : std::string("-")) << " | "
          << (r.bench_gen > 0 ? fmt("%.1f", row.tg.mean) : std::string("-")) << " |\n";
    }
    bool any_fallback = false;
    for (const auto& row : r.rows) any_fallback |= row.n_fallback > 0;
    if (any_fallback) {
        s << "\n¹ some tensors have rows that do not split into the type's blocks and were written in a type "
             "that fits (as llama.cpp falls back): ";
        bool first = true;
        for (const auto& row : r.rows) {
            if (!row.n_fallback) continue;
            s << (first ? "" : ", ") << row.type << " " << row.n_fallback;
            first = false;
        }
        s << " tensors.\n";
    }
    s << "\nKLD is in nats per token. PPL(Q)/PPL(base) and its error come from the mean and the covariance of the "
         "per-token log-likelihoods; top-1 agreement is the share of positions where both models rank the same "
         "token first.\n";
    return s.str();
}

}  // namespace edgeseek
