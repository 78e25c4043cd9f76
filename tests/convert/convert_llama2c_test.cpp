// llama2.c import: aidreams260K.bin + tok512.bin through the real binary must give the model
// llama.cpp's importer made (models/aidreams260K-f32.gguf): the same tensor bytes, the same
// vocabulary, and llama.cpp's greedy tokens for every golden prompt.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "convert_testing.h"
#include "engine/session.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {
namespace {

struct Llama2cFixture {
    std::string model = test::fixture("llama2c/aidreams260K.bin");
    std::string tokenizer = test::fixture("llama2c/tok512.bin");
    std::string reference = test::fixture("models/aidreams260K-f32.gguf");
    std::string golden = test::fixture("golden-llamacpp.json");
};

std::string convert_args(const Llama2cFixture& f, const std::string& out) {
    return "--from llama2c " + test::shell_quote(f.model) + " --tokenizer " + test::shell_quote(f.tokenizer) + " -o " + test::shell_quote(out);
}

TEST(ConvertLlama2c, GreedyTokensMatchLlamaCpp) {
    const Llama2cFixture f;
    for (const auto& p : {f.model, f.tokenizer, f.golden}) EDGESEEK_REQUIRE_FIXTURE(p);
    test::TempDir tmp;
    const std::string out = tmp.file("aidreams.gguf");
    std::string log;
    ASSERT_EQ(test::run_convert(convert_args(f, out) + " --outtype f32", &log), 0) << log;
    auto model = Model::load(out);
    auto tok = Tokenizer::from_gguf(model->file());
    const auto entries = test::read_json(f.golden)["files"]["aidreams260K-f32.gguf"];
    ASSERT_EQ(entries.size(), 3u);
    const int64_t V = model->config().n_vocab;
    for (const auto& e : entries) {
        const std::string prompt = e["prompt"];
        const auto ids = tok->encode(prompt, e["add_bos"].get<bool>(), true);
        ASSERT_EQ(ids, e["prompt_ids"].get<std::vector<int32_t>>()) << "prompt '" << prompt << "'";
        const auto want = e["greedy_ids"].get<std::vector<int32_t>>();
        Session s(*model, static_cast<int64_t>(ids.size() + want.size()) + 1, 2);
        std::vector<float> last = s.eval(ids);
        std::vector<int32_t> got;
        for (size_t g = 0; g < want.size(); ++g) {
            got.push_back(Sampler::argmax(last.data(), V));
            if (g + 1 < want.size()) last = s.eval({got.back()});
        }
        EXPECT_EQ(got, want) << "greedy continuation of '" << prompt << "'";
    }
}

// Byte for byte what llama.cpp's convert-llama2c-to-ggml wrote: weights (no Q/K permutation),
// tokens ("▁" restored, <unk>/<s>/</s>, byte tokens), scores, types, hyperparameters.
TEST(ConvertLlama2c, EqualsLlamaCppImport) {
    const Llama2cFixture f;
    for (const auto& p : {f.model, f.tokenizer, f.reference}) EDGESEEK_REQUIRE_FIXTURE(p);
    test::TempDir tmp;
    const std::string out = tmp.file("aidreams.gguf");
    std::string log;
    ASSERT_EQ(test::run_convert(convert_args(f, out), &log), 0) << log;  // auto: f32 stays f32
    const auto got = GgufFile::open(out);
    const auto ref = GgufFile::open(f.reference);
    ASSERT_EQ(got->tensors().size(), ref->tensors().size());
    for (const auto& r : ref->tensors()) {
        const TensorInfo* t = got->find_tensor(r.name);
        ASSERT_NE(t, nullptr) << r.name;
        EXPECT_EQ(t->shape, r.shape) << r.name;
        ASSERT_EQ(t->type, r.type) << r.name;
        EXPECT_EQ(std::memcmp(t->data, r.data, r.nbytes), 0) << r.name << " differs";
    }
    for (const char* k : {"tokenizer.ggml.tokens"}) {
        EXPECT_EQ(got->require_array(k, GgufType::STRING).strings, ref->require_array(k, GgufType::STRING).strings);
    }
    EXPECT_EQ(got->require_array("tokenizer.ggml.scores", GgufType::F32).packed,
              ref->require_array("tokenizer.ggml.scores", GgufType::F32).packed);
    EXPECT_EQ(got->require_array("tokenizer.ggml.token_type", GgufType::I32).packed,
              ref->require_array("tokenizer.ggml.token_type", GgufType::I32).packed);
    for (const char* k : {"llama.context_length", "llama.embedding_length", "llama.feed_forward_length",
                          "llama.attention.head_count", "llama.attention.head_count_kv", "llama.block_count",
                          "llama.rope.dimension_count", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.bos_token_id",
                          "tokenizer.ggml.eos_token_id"}) {
        EXPECT_EQ(got->get_uint(k), ref->get_uint(k)) << k;
    }
    EXPECT_EQ(got->get_float("llama.attention.layer_norm_rms_epsilon"), ref->get_float("llama.attention.layer_norm_rms_epsilon"));
    EXPECT_EQ(got->get_string("tokenizer.ggml.model").value_or(""), "llama");
}

TEST(ConvertLlama2c, RejectsMismatchedFiles) {
    const Llama2cFixture f;
    for (const auto& p : {f.model, f.tokenizer}) EDGESEEK_REQUIRE_FIXTURE(p);
    test::TempDir tmp;
    const std::string out = tmp.file("out.gguf");
    std::string log;

    // A truncated checkpoint: the size the header implies is named.
    const std::string cut = tmp.file("cut.bin");
    std::filesystem::copy_file(f.model, cut);
    std::filesystem::resize_file(cut, std::filesystem::file_size(f.model) - 4);
    EXPECT_NE(test::run_convert("--from llama2c " + test::shell_quote(cut) + " --tokenizer " + test::shell_quote(f.tokenizer) +
                                    " -o " + test::shell_quote(out), &log), 0);
    EXPECT_NE(log.find("a llama2.c model with this header has 932124"), std::string::npos) << log;

    // A tokenizer with more tokens than the model.
    const std::string tok = tmp.file("tok.bin");
    std::string bytes = test::read_text(f.tokenizer);
    bytes += std::string("\0\0\0\0\1\0\0\0x", 9);
    test::write_text(tok, bytes);
    EXPECT_NE(test::run_convert("--from llama2c " + test::shell_quote(f.model) + " --tokenizer " + test::shell_quote(tok) + " -o " +
                                    test::shell_quote(out), &log), 0);
    EXPECT_NE(log.find("9 bytes follow the model's 512 tokens"), std::string::npos) << log;

    // --tokenizer is required.
    EXPECT_NE(test::run_convert("--from llama2c " + test::shell_quote(f.model) + " -o " + test::shell_quote(out), &log), 0);
    EXPECT_NE(log.find("--tokenizer"), std::string::npos) << log;
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
}

}  // namespace
}  // namespace edgeseek
