// What `edgeseek convert` says when the input is wrong: a clear message naming the file, tensor
// or key, a non-zero exit, and no output file (nor OUT.partial) left behind; an existing OUT is
// never replaced without --force.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "convert_testing.h"
#include "gguf/gguf_file.h"

namespace edgeseek {
namespace {

namespace fs = std::filesystem;

// Runs convert on dir; expects failure with every `needles` in the output and no files left.
void expect_failure(const std::string& dir, const std::string& extra, const std::vector<std::string>& needles) {
    test::TempDir tmp;
    const std::string out = tmp.file("out.gguf");
    std::string log;
    const int rc = test::run_convert(test::shell_quote(dir) + " -o " + test::shell_quote(out) + " " + extra, &log);
    EXPECT_NE(rc, 0) << log;
    for (const auto& n : needles) EXPECT_NE(log.find(n), std::string::npos) << "missing '" << n << "' in: " << log;
    size_t errors = 0;
    for (size_t at = log.find("error:"); at != std::string::npos; at = log.find("error:", at + 1)) ++errors;
    EXPECT_EQ(errors, 1u) << "one error line expected: " << log;
    for (const auto& e : fs::directory_iterator(tmp.path())) ADD_FAILURE() << "left behind: " << e.path();
}

// A copy of a fixture folder made of symbolic links, without `skip`.
void link_folder(const std::string& from, const std::string& to, const std::string& skip) {
    for (const auto& e : fs::directory_iterator(from)) {
        if (e.path().filename() != skip) fs::create_symlink(e.path(), to + "/" + e.path().filename().string());
    }
}

TEST(ConvertErrors, HeaderLengthPastEndOfFile) {
    const std::string dir = test::fixture("hf/broken-safetensors");
    EDGESEEK_REQUIRE_FIXTURE(dir);
    expect_failure(dir, "", {"model.safetensors", "header length", "runs past the end of the file"});
}

TEST(ConvertErrors, UnsupportedArchitectureIsNamed) {
    const std::string dir = test::fixture("hf/unsupported-arch");
    EDGESEEK_REQUIRE_FIXTURE(dir);
    expect_failure(dir, "", {"unsupported architecture 'MambaForCausalLM'", "LlamaForCausalLM", "Qwen2ForCausalLM",
                             "Qwen3ForCausalLM", "config.json"});
}

TEST(ConvertErrors, MissingShardIsNamed) {
    const std::string src = test::fixture("hf/tiny-qwen2");
    EDGESEEK_REQUIRE_FIXTURE(src);
    test::TempDir in;
    link_folder(src, in.path(), "model-00002-of-00002.safetensors");
    expect_failure(in.path(), "", {"shard model-00002-of-00002.safetensors named in model.safetensors.index.json is missing"});
}

TEST(ConvertErrors, MissingFilesAreNamed) {
    test::TempDir empty;
    expect_failure(empty.path(), "", {"config.json is missing"});
    const std::string src = test::fixture("hf/tiny-llama");
    EDGESEEK_REQUIRE_FIXTURE(src);
    test::TempDir no_tok;
    link_folder(src, no_tok.path(), "tokenizer.json");
    expect_failure(no_tok.path(), "", {"tokenizer.json is missing", "--vocab"});
    test::TempDir no_weights;
    link_folder(src, no_weights.path(), "model.safetensors");
    expect_failure(no_weights.path(), "", {"model.safetensors is missing"});
    expect_failure(src, "--outtype q9_9", {"unknown --outtype 'q9_9'", "q4_k_m"});
}

TEST(ConvertErrors, ExistingOutputIsKeptWithoutForce) {
    const std::string src = test::fixture("hf/tiny-llama");
    EDGESEEK_REQUIRE_FIXTURE(src);
    test::TempDir tmp;
    const std::string out = tmp.file("model.gguf");
    test::write_text(out, "precious");
    std::string log;
    EXPECT_NE(test::run_convert(test::shell_quote(src) + " -o " + test::shell_quote(out), &log), 0);
    EXPECT_NE(log.find("already exists"), std::string::npos) << log;
    EXPECT_EQ(test::read_text(out), "precious");
    ASSERT_EQ(test::run_convert(test::shell_quote(src) + " -o " + test::shell_quote(out) + " --force", &log), 0) << log;
    EXPECT_NO_THROW(GgufFile::open(out));
    EXPECT_FALSE(fs::exists(out + ".partial"));
}

TEST(ConvertErrors, ForceNeverReplacesAnInput) {
    test::TinyQwen2 m;
    test::TempDir in;
    m.write(in.path(), m.tensors());
    const std::string shard = in.path() + "/model.safetensors";
    const std::string before = test::read_text(shard);
    std::string log;
    EXPECT_NE(test::run_convert(test::shell_quote(in.path()) + " -o " + test::shell_quote(shard) + " --force", &log), 0);
    EXPECT_NE(log.find("the output is one of the input files"), std::string::npos) << log;
    EXPECT_EQ(test::read_text(shard), before);
}

TEST(ConvertErrors, ShapeMismatchNamesTensorExpectedAndActual) {
    test::TinyQwen2 m;
    auto ts = m.tensors();
    for (auto& t : ts) {
        if (t.name == "model.layers.0.self_attn.q_proj.weight") {
            t.shape = {8, 4};
            t.bytes.resize(8 * 4 * 2);
        }
    }
    test::TempDir in;
    m.write(in.path(), ts);
    expect_failure(in.path(), "", {"tensor 'model.layers.0.self_attn.q_proj.weight'", "shape [8, 4]", "[8, 8]"});
}

TEST(ConvertErrors, MissingAndUnknownTensorsAreNamed) {
    test::TinyQwen2 m;
    auto ts = m.tensors();
    test::TempDir missing;
    std::vector<test::StTensor> without = ts;
    without.erase(without.begin() + 3);                              // q_proj.bias
    m.write(missing.path(), without);
    expect_failure(missing.path(), "", {"tensor 'model.layers.0.self_attn.q_proj.bias' is missing"});
    test::TempDir extra;
    ts.push_back({"model.layers.0.mlp.extra.weight", "F32", {2}, std::vector<uint8_t>(8)});
    m.write(extra.path(), ts);
    expect_failure(extra.path(), "", {"tensor 'model.layers.0.mlp.extra.weight' is not part of a Qwen2ForCausalLM model"});
}

TEST(ConvertErrors, BadValuesAreRefusedMidWrite) {
    test::TinyQwen2 m;
    auto ts = m.tensors();
    const uint16_t big = fp32_to_bf16(1.0e6f), nan = 0x7fc0;
    std::memcpy(&ts[11].bytes[6], &big, 2);  // mlp.up_proj.weight, row 0, column 3
    test::TempDir in;
    m.write(in.path(), ts);
    expect_failure(in.path(), "--outtype f16", {"mlp.up_proj.weight", "does not fit in f16", "--outtype bf16"});
    std::memcpy(&ts[11].bytes[6], &nan, 2);
    m.write(in.path(), ts);
    expect_failure(in.path(), "", {"mlp.up_proj.weight", "row 0, column 3 is NaN"});
}

TEST(ConvertErrors, LyingSafetensorsHeadersAreNamed) {
    test::TinyQwen2 m;
    test::TempDir in;
    m.write_metadata(in.path());
    const std::string st = in.path() + "/model.safetensors";
    const std::vector<uint8_t> data(64);
    auto write_header = [&](const std::string& h) { test::write_bytes(st, test::safetensors_file_bytes(h, data)); };
    write_header(R"({"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]},"b":{"dtype":"F32","shape":[8],"data_offsets":[16,48]}})");
    expect_failure(in.path(), "", {"tensor 'b'", "overlaps tensor 'a'"});
    write_header(R"({"a":{"dtype":"F42","shape":[8],"data_offsets":[0,32]}})");
    expect_failure(in.path(), "", {"tensor 'a'", "unknown dtype 'F42'"});
    write_header(R"({"a":{"dtype":"F32","shape":[32],"data_offsets":[0,128]}})");
    expect_failure(in.path(), "", {"tensor 'a'", "runs past the end of the data (64 bytes)"});
    write_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}})");
    expect_failure(in.path(), "", {"tensor 'a'", "needs 16 bytes but data_offsets span 32"});
}

TEST(ConvertErrors, OptionMistakes) {
    test::TempDir tmp;
    std::string log;
    EXPECT_NE(test::run_convert(test::shell_quote(tmp.path()) + " -o " + test::shell_quote(tmp.file("x.gguf")) + " --from gguf", &log), 0);
    EXPECT_NE(log.find("unknown --from 'gguf'"), std::string::npos) << log;
    EXPECT_NE(test::run_convert(test::shell_quote(tmp.path()) + " -o " + test::shell_quote(tmp.file("x.gguf")) + " --tokenizer t.bin", &log), 0);
    EXPECT_NE(log.find("--tokenizer is for --from llama2c"), std::string::npos) << log;
    fs::create_directory(tmp.file("in"));
    EXPECT_NE(test::run_convert(test::shell_quote(tmp.file("in")) + " -o " + test::shell_quote(tmp.path()), &log), 0);
    EXPECT_NE(log.find("the output is a directory"), std::string::npos) << log;
}

}  // namespace
}  // namespace edgeseek
