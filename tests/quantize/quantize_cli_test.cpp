// `edgeseek quantize` end to end: the real model (whose ffn rows need fallbacks), mixtures
// versus --pure, the metadata written, and every way the command must refuse or fail cleanly.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "gguf/gguf_writer.h"
#include "quantize/quantize_testing.h"
#include "sampling/sampler.h"

namespace edgeseek {
namespace {

std::string aidreams() { return test::model_fixture("aidreams260K-f32.gguf"); }

std::vector<int32_t> greedy(const Model& model, const std::vector<int32_t>& prompt, int n) {
    Session s(model, static_cast<int64_t>(prompt.size()) + n + 1, 2);
    std::vector<float> logits = s.eval(prompt);
    const int64_t V = model.config().n_vocab;
    std::vector<int32_t> out;
    for (int k = 0; k < n; ++k) {
        out.push_back(Sampler::argmax(logits.data(), V));
        logits = s.eval({out.back()});
    }
    return out;
}

TEST(QuantizeCli, RealModelToQ8_0FallsBackOnFfnAndStaysClose) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    const std::string out = dir.file("aidreams-q8_0.gguf");
    std::string log;
    ASSERT_EQ(test::run_quantize(aidreams(), out, "q8_0", "", &log), 0) << log;
    EXPECT_NE(log.find("fallbacks: 4 tensor(s)"), std::string::npos) << log;
    for (int l = 0; l < 4; ++l) {
        const std::string name = "blk." + std::to_string(l) + ".ffn_down.weight [172, 64]: q8_0 -> f16";
        EXPECT_NE(log.find(name), std::string::npos) << "summary does not name " << name << ":\n" << log;
    }
    EXPECT_FALSE(test::file_exists(out + ".partial"));

    const auto types = test::tensor_types(out);
    EXPECT_EQ(types.at("blk.0.ffn_down.weight"), "f16");
    EXPECT_EQ(types.at("blk.0.ffn_up.weight"), "q8_0");
    EXPECT_EQ(types.at("output.weight"), "q8_0");
    EXPECT_EQ(types.at("blk.0.attn_norm.weight"), "f32");

    auto f32 = Model::load(aidreams());
    auto q8 = Model::load(out);
    const auto V = static_cast<size_t>(f32->config().n_vocab);
    double max_err = 0.0;
    for (const auto& e : test::golden_entries("aidreams260K-f32.gguf")) {
        const auto ids = e["prompt_ids"].get<std::vector<int32_t>>();
        const auto a = test::prompt_logits(*f32, ids);
        const auto b = test::prompt_logits(*q8, ids);
        ASSERT_EQ(a.size(), ids.size() * V);
        ASSERT_EQ(b.size(), a.size());
        for (size_t pos = 0; pos < ids.size(); ++pos) {
            for (size_t v = 0; v < V; ++v) {
                const double err = std::fabs(a[pos * V + v] - b[pos * V + v]);
                max_err = std::max(max_err, err);
                ASSERT_LE(err, 0.3) << "position " << pos << " token " << v << ": f32 " << a[pos * V + v] << ", q8_0 "
                                    << b[pos * V + v];
            }
        }
        const auto want = greedy(*f32, ids, 16);
        const auto got = greedy(*q8, ids, 16);
        EXPECT_EQ(got.size(), 16u);
        size_t same = 0;
        while (same < got.size() && got[same] == want[same]) ++same;
        std::printf("[ quantize ] aidreams q8_0, prompt '%s': greedy agrees with f32 for %zu/16 tokens\n",
                    e["prompt"].get<std::string>().c_str(), same);
    }
    std::printf("[ quantize ] aidreams q8_0 vs f32: max |logit difference| %.4f over all positions and tokens\n", max_err);
}

TEST(QuantizeCli, RealModelToQ4KMWorksWithFallbacks) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    EDGESEEK_REQUIRE_QUANTIZER(aidreams(), "q4_k_m", false);
    test::TempDir dir;
    const std::string out = dir.file("aidreams-q4_k_m.gguf");
    std::string log;
    ASSERT_EQ(test::run_quantize(aidreams(), out, "q4_k_m", "--verbose", &log), 0) << log;
    EXPECT_NE(log.find("blk.0.ffn_down.weight [172, 64]: q"), std::string::npos) << log;
    EXPECT_NE(log.find("row length 172 is not a multiple of 256"), std::string::npos) << log;
    EXPECT_NE(log.find("[ 1/39] token_embd.weight"), std::string::npos) << "per-tensor lines:\n" << log;
    const auto types = test::tensor_types(out);
    EXPECT_EQ(types.at("blk.0.ffn_down.weight"), "f16");
    EXPECT_EQ(types.at("blk.0.attn_q.weight"), "q5_0");   // q4_K does not fit 64-value rows
    EXPECT_EQ(types.at("blk.3.attn_v.weight"), "q8_0");   // q6_K (more bits) does not either
    EXPECT_EQ(types.at("output.weight"), "q8_0");
    auto model = Model::load(out);
    const auto e = test::golden_entries("aidreams260K-f32.gguf")[0];
    const auto got = greedy(*model, e["prompt_ids"].get<std::vector<int32_t>>(), 16);
    EXPECT_EQ(got.size(), 16u);
}

TEST(QuantizeCli, MixtureVersusPureAndMetadata) {
    EDGESEEK_REQUIRE_FIXTURE(test::tiny_qwen2());
    EDGESEEK_REQUIRE_QUANTIZER(test::tiny_qwen2(), "q4_k_m", false);
    test::TempDir dir;
    std::string log;
    const std::string mix = dir.file("mix.gguf"), pure = dir.file("pure.gguf");
    ASSERT_EQ(test::run_quantize(test::tiny_qwen2(), mix, "q4_k_m", "", &log), 0) << log;
    ASSERT_EQ(test::run_quantize(test::tiny_qwen2(), pure, "q4_k_m", "--pure", &log), 0) << log;

    // The mixture is the one llama.cpp wrote for its own q4_k_m fixture, tensor for tensor.
    const auto m = test::tensor_types(mix);
    EXPECT_EQ(m.at("output.weight"), "q6_K");
    EXPECT_EQ(m.at("blk.1.attn_v.weight"), "q6_K");
    EXPECT_EQ(m.at("blk.1.ffn_down.weight"), "q6_K");
    EXPECT_EQ(m.at("blk.0.attn_v.weight"), "q4_K");
    EXPECT_EQ(m.at("blk.0.ffn_down.weight"), "q4_K");
    const std::string llama_q4km = test::model_fixture("tiny-qwen2-q4_k_m.gguf");
    if (test::file_exists(llama_q4km)) {
        EXPECT_EQ(m, test::tensor_types(llama_q4km));
    }

    auto in = GgufFile::open(test::tiny_qwen2());
    auto p = GgufFile::open(pure);
    for (const auto& t : p->tensors()) {
        size_t dims = t.shape.size();
        while (dims > 1 && t.shape[dims - 1] == 1) --dims;
        EXPECT_EQ(type_name(t.type), dims >= 2 ? "q4_K" : "f32") << t.name;
    }
    // Tensor order, metadata and alignment as llama.cpp expects.
    ASSERT_EQ(p->tensors().size(), in->tensors().size());
    for (size_t k = 0; k < in->tensors().size(); ++k) EXPECT_EQ(p->tensors()[k].name, in->tensors()[k].name);
    EXPECT_EQ(p->alignment(), 32u);
    for (const auto& key : in->keys()) {
        if (key == "general.file_type") continue;
        ASSERT_TRUE(p->has(key)) << key;
        EXPECT_EQ(p->find(key)->to_display(), in->find(key)->to_display()) << key;
    }
    for (const std::string& path : {pure, mix}) {
        auto f = GgufFile::open(path);
        EXPECT_EQ(f->find("general.file_type")->type, GgufType::U32) << path;
        EXPECT_EQ(f->get_uint("general.file_type"), 15u) << path;
        EXPECT_EQ(f->find("general.quantization_version")->type, GgufType::U32) << path;
        EXPECT_EQ(f->get_uint("general.quantization_version"), 2u) << path;
    }
}

TEST(QuantizeCli, FileTypeNumbersOfLegacyTypes) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    std::string log;
    for (const auto& [type, ftype] : std::vector<std::pair<std::string, uint64_t>>{{"q4_0", 2}, {"f16", 1}, {"q8_0", 7}}) {
        const std::string out = dir.file(type + ".gguf");
        ASSERT_EQ(test::run_quantize(aidreams(), out, type, "--pure", &log), 0) << log;
        EXPECT_EQ(GgufFile::open(out)->get_uint("general.file_type"), ftype) << type;
    }
}

TEST(QuantizeCli, RefusesToOverwriteTheInput) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    const std::string in = dir.file("in.gguf");
    std::filesystem::copy_file(aidreams(), in);
    const auto before = std::filesystem::file_size(in);
    std::string log;
    EXPECT_EQ(test::run_quantize(in, in, "q8_0", "--force", &log), 1) << log;
    EXPECT_NE(log.find("the output is the input file"), std::string::npos) << log;
    // The same file under another name: a hard link and a symbolic link.
    ASSERT_EQ(::link(in.c_str(), dir.file("hard.gguf").c_str()), 0);
    EXPECT_EQ(test::run_quantize(in, dir.file("hard.gguf"), "q8_0", "--force", &log), 1) << log;
    EXPECT_NE(log.find("same file"), std::string::npos) << log;
    std::filesystem::create_symlink(in, dir.file("sym.gguf"));
    EXPECT_EQ(test::run_quantize(in, dir.file("sym.gguf"), "q8_0", "--force", &log), 1) << log;
    EXPECT_NE(log.find("same file"), std::string::npos) << log;
    EXPECT_EQ(std::filesystem::file_size(in), before);
    // OUT.partial being the input would truncate it while it is read.
    const std::string tricky = dir.file("x.gguf");
    std::filesystem::copy_file(aidreams(), tricky + ".partial");
    EXPECT_EQ(test::run_quantize(tricky + ".partial", tricky, "q8_0", "", &log), 1) << log;
    EXPECT_NE(log.find("is the input file"), std::string::npos) << log;
    EXPECT_EQ(std::filesystem::file_size(tricky + ".partial"), before);
    EXPECT_FALSE(test::file_exists(tricky));
}

TEST(QuantizeCli, ExistingOutputNeedsForce) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    const std::string out = dir.file("out.gguf");
    { std::ofstream(out) << "precious"; }
    std::string log;
    EXPECT_EQ(test::run_quantize(aidreams(), out, "q8_0", "", &log), 1) << log;
    EXPECT_NE(log.find("already exists"), std::string::npos) << log;
    EXPECT_NE(log.find("--force"), std::string::npos) << log;
    EXPECT_EQ(std::filesystem::file_size(out), 8u);
    ASSERT_EQ(test::run_quantize(aidreams(), out, "q8_0", "--force", &log), 0) << log;
    EXPECT_NO_THROW(GgufFile::open(out));
}

TEST(QuantizeCli, UnwritableOrMissingDirectoryIsAClearError) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    std::string log;
    const std::string missing = dir.file("no/such/dir/out.gguf");
    EXPECT_EQ(test::run_quantize(aidreams(), missing, "q8_0", "", &log), 1) << log;
    EXPECT_NE(log.find(dir.file("no/such/dir") + ": the output directory does not exist"), std::string::npos) << log;

    // A read-only directory; root writes anywhere on a normal file system, so use /proc there.
    std::string ro = dir.file("ro");
    std::filesystem::create_directory(ro);
    ::chmod(ro.c_str(), 0555);
    if (::access(ro.c_str(), W_OK) == 0) ro = "/proc";
    EXPECT_EQ(test::run_quantize(aidreams(), ro + "/out.gguf", "q8_0", "", &log), 1) << log;
    EXPECT_NE(log.find(ro + ": cannot create files in the output directory"), std::string::npos) << log;
    EXPECT_FALSE(test::file_exists(ro + "/out.gguf"));
    EXPECT_FALSE(test::file_exists(ro + "/out.gguf.partial"));
    ::chmod(dir.file("ro").c_str(), 0755);
}

TEST(QuantizeCli, WriteErrorLeavesNoFile) {
    EDGESEEK_REQUIRE_FIXTURE(test::tiny_qwen2());
    test::TempDir dir;
    const std::string out = dir.file("out.gguf");
    std::string log;
    // A 256 KiB file-size limit makes the write fail part way, as a full disk does.
    const int rc = test::run_command("ulimit -f 256; " + test::edgeseek_binary() + " quantize " + test::tiny_qwen2() + " " +
                                         out + " f16 --threads 2",
                                     &log);
    EXPECT_EQ(rc, 1) << log;
    EXPECT_NE(log.find("write failed"), std::string::npos) << log;
    EXPECT_NE(log.find(out), std::string::npos) << log;
    EXPECT_FALSE(test::file_exists(out));
    EXPECT_FALSE(test::file_exists(out + ".partial"));
}

TEST(QuantizeCli, NaNInputNamesTheTensor) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    auto src = GgufFile::open(aidreams());
    GgufWriter w;
    w.copy_metadata_from(*src);
    std::vector<float> poisoned;
    for (const auto& t : src->tensors()) {
        if (t.name == "blk.2.ffn_up.weight") {
            poisoned.assign(reinterpret_cast<const float*>(t.data), reinterpret_cast<const float*>(t.data) + t.n_elements());
            poisoned[64 * 5 + 7] = std::numeric_limits<float>::quiet_NaN();
            w.add_tensor(t.name, t.shape, t.type, poisoned.data());
        } else {
            w.add_tensor(t.name, t.shape, t.type, t.data);
        }
    }
    const std::string in = dir.file("nan.gguf"), out = dir.file("out.gguf");
    w.write(in);
    std::string log;
    EXPECT_EQ(test::run_quantize(in, out, "q8_0", "", &log), 1) << log;
    EXPECT_NE(log.find("tensor 'blk.2.ffn_up.weight': value at index 327 (row 5, column 7) is NaN"), std::string::npos)
        << log;
    EXPECT_FALSE(test::file_exists(out));
    EXPECT_FALSE(test::file_exists(out + ".partial"));
}

TEST(QuantizeCli, UnknownTypeListsTheKnownOnes) {
    EDGESEEK_REQUIRE_FIXTURE(aidreams());
    test::TempDir dir;
    std::string log;
    EXPECT_EQ(test::run_quantize(aidreams(), dir.file("o.gguf"), "q4_k_x", "", &log), 1) << log;
    EXPECT_NE(log.find("unknown TYPE 'q4_k_x'"), std::string::npos) << log;
    EXPECT_NE(log.find("q4_k_m"), std::string::npos) << log;
    EXPECT_FALSE(test::file_exists(dir.file("o.gguf")));
    ASSERT_EQ(test::run_command(test::edgeseek_binary() + " --help", &log), 0) << log;
    EXPECT_NE(log.find("quantize"), std::string::npos) << log;
}

}  // namespace
}  // namespace edgeseek
