// How much a file we quantize moves the logits, against what llama.cpp's own quantizer loses:
// tiny-qwen2-f32 quantized by `edgeseek quantize` to every TYPE, the mean |logit error| over
// the golden top-8 ids of llama.cpp's f32 run, next to the same measurement (our engine) on
// llama.cpp's fixture file of that type. Ours must be at most 1.1x theirs. The fixtures are
// "pure" (except q4_k_m), so those types are quantized with --pure here too.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "quantize/quantize_testing.h"

namespace edgeseek {
namespace {

struct Row {
    std::string type, mode, note;
    double ours = -1.0, theirs = -1.0;
    uint64_t our_size = 0, their_size = 0;
    std::string identical = "-";  // tensor data byte for byte equal to llama.cpp's file
};

std::string cell(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.5f", v);
    return v < 0 ? "-" : buf;
}

std::string size_cell(uint64_t b) { return b ? std::to_string(b) : "-"; }

TEST(QuantizeQuality, LogitErrorWithinLlamaCppsForEveryType) {
    const std::string src = test::model_fixture("tiny-qwen2-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(src);
    EDGESEEK_REQUIRE_FIXTURE(test::fixture("golden-llamacpp.json"));
    const auto golden = test::golden_entries("tiny-qwen2-f32.gguf");
    ASSERT_TRUE(golden.is_array());
    test::TempDir dir;
    std::vector<Row> rows;
    for (const auto& ft : all_file_types()) {
        Row r;
        r.type = ft.name;
        const std::string theirs = test::model_fixture(std::string("tiny-qwen2-") + ft.name + ".gguf");
        const bool has_fixture = test::file_exists(theirs) && r.type != "f32";
        const bool pure = has_fixture && r.type != "q4_k_m";
        r.mode = pure ? "pure" : "mixture";
        r.note = test::unavailable_reason(src, r.type, pure);
        if (!r.note.empty()) {
            rows.push_back(r);
            continue;
        }
        const std::string out = dir.file(r.type + ".gguf");
        std::string log;
        ASSERT_EQ(test::run_quantize(src, out, r.type, pure ? "--pure" : "", &log), 0) << log;
        r.ours = test::mean_logit_error(out, golden);
        r.our_size = std::filesystem::file_size(out);
        if (has_fixture) {
            r.theirs = test::mean_logit_error(theirs, golden);
            r.their_size = std::filesystem::file_size(theirs);
            const size_t differ = test::differing_tensors(out, theirs);
            r.identical = differ == 0 ? "yes" : std::to_string(differ) + " differ";
            EXPECT_LE(r.ours, 1.1 * r.theirs + 1e-6)
                << r.type << ": mean |logit error| " << r.ours << " vs llama.cpp's " << r.theirs;
        }
        rows.push_back(r);
        std::filesystem::remove(out);
    }
    std::printf("\n[ quantize ] tiny-qwen2-f32 -> TYPE: mean |logit - llama.cpp f32 golden| over top-8 ids, 3 prompts\n");
    std::printf("  %-8s %-8s %12s %12s %7s %10s %11s  %s\n", "type", "mode", "ours", "llama.cpp", "ratio", "our bytes",
                "their bytes", "same tensors as llama.cpp's file");
    for (const auto& r : rows) {
        if (!r.note.empty()) {
            std::printf("  %-8s %-8s skipped: %s\n", r.type.c_str(), r.mode.c_str(), r.note.c_str());
            continue;
        }
        char ratio[16] = "-";
        if (r.theirs > 0) std::snprintf(ratio, sizeof ratio, "%.3f", r.ours / r.theirs);
        std::printf("  %-8s %-8s %12s %12s %7s %10s %11s  %s\n", r.type.c_str(), r.mode.c_str(), cell(r.ours).c_str(),
                    cell(r.theirs).c_str(), ratio, size_cell(r.our_size).c_str(), size_cell(r.their_size).c_str(),
                    r.identical.c_str());
    }
}

}  // namespace
}  // namespace edgeseek
