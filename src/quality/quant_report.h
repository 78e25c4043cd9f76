// `edgeseek quant-report`: quantizes a full-precision model to each requested type (in a
// temporary directory, removed afterwards), and measures what each costs and keeps: file
// size, bits per weight, perplexity, KL divergence and top-1 agreement against the base
// model, prompt and generation speed. Renders the result as a Markdown table and an SVG chart.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "bench/speed_bench.h"
#include "quality/kl_divergence.h"
#include "quality/perplexity.h"

namespace edgeseek {

struct QuantReportOptions {
    std::string model_path;               // F32/F16/BF16 GGUF
    std::vector<std::string> types;       // file type names (quantize's TYPE)
    int64_t n_ctx = 512, max_chunks = 0, n_batch = 512;
    int threads = 1;
    int top_k = 256;                      // base log-probs kept per position
    int bench_prompt = 512, bench_gen = 128, bench_reps = 3;  // 0 tokens: skip that test
    std::string tmp_parent;               // where the temporary directory goes ("" = system's)
};

struct QuantReportRow {
    std::string type;                     // "f32 (base)" for the base row
    bool base = false;
    uint64_t file_bytes = 0;
    double bpw = 0.0;                     // tensor bits / tensor values
    size_t n_fallback = 0;                // tensors that could not take the mixture's type
    double ppl = 0.0, ppl_err = 0.0;
    KldSummary kld;                       // empty for the base row
    SpeedStat pp, tg;
};

struct QuantReport {
    std::string model_path, model_shape, text_name;
    ChunkPlan plan;
    size_t n_text_tokens = 0;
    int threads = 1, bench_prompt = 0, bench_gen = 0, top_k = 0;
    std::vector<QuantReportRow> rows;     // the base first, then the types in the order asked
};

// Validates the type names (and that the model is not already quantized) before any work.
std::vector<std::string> parse_report_types(const std::string& comma_list);

QuantReport build_quant_report(const QuantReportOptions& opts, const std::string& text, const std::string& text_name,
                               const std::function<void(const std::string&)>& log);

std::string report_markdown(const QuantReport& r);
// Two panels sharing the x axis (file size): mean KL divergence (log scale) and generation
// speed; each type one labelled point (<g class="point" data-type="...">) in each panel.
std::string report_svg(const QuantReport& r);

}  // namespace edgeseek
