// The real binary converts the tiny Hugging Face checkpoints (hf/tiny-qwen2: sharded bf16 with
// biases; hf/tiny-llama: llama3 rope scaling, permuted Q/K, tied embeddings) with --outtype f32;
// the result must reproduce llama.cpp's logits on the GGUF its own converter made
// (hf/golden-hf.json) and carry llama.cpp's metadata keys and tensor names.
//
// The golden GGUFs took their tokenizer metadata from tokenizer/vocab-deepseek-r1-qwen.gguf (the
// R1 tokenizer), while the checkpoints' tokenizer.json is the Qwen one (its 26 added tokens are
// Qwen's, without <｜User｜> etc.; its regular vocabulary and merges are the same). So:
//   - a plain conversion must give the golden prompt ids for every prompt without R1 markers;
//   - with --vocab vocab-deepseek-r1-qwen.gguf, the prompt ids of all four prompts.
// Logits are compared for all prompts in both cases (feeding the golden prompt ids).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "convert_testing.h"
#include "engine/session.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {
namespace {

constexpr double kTolerance = 1e-2;
constexpr size_t kChunk = 64;  // positions evaluated at once: the logits of 1500 positions x 151936 would be 900 MB

// Max |ours - llama.cpp| over the top-8 logits of every position, evaluated chunk by chunk.
double max_logit_error(const Model& model, const nlohmann::json& e, std::string* where) {
    const auto ids = e["prompt_ids"].get<std::vector<int32_t>>();
    const int64_t V = model.config().n_vocab;
    Session s(model, static_cast<int64_t>(ids.size()) + 1, 2);
    double worst = 0.0;
    for (size_t p0 = 0; p0 < ids.size(); p0 += kChunk) {
        const std::vector<int32_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(p0),
                                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), p0 + kChunk)));
        const std::vector<float>& lg = s.eval(chunk, true);
        for (size_t k = 0; k < chunk.size(); ++k) {
            const auto& pos = e["positions"][p0 + k];
            const auto top_ids = pos["top_ids"].get<std::vector<int32_t>>();
            const auto top = pos["top_logits"].get<std::vector<double>>();
            for (size_t j = 0; j < top_ids.size(); ++j) {
                const double err = std::fabs(lg[k * static_cast<size_t>(V) + static_cast<size_t>(top_ids[j])] - top[j]);
                if (err > worst) {
                    worst = err;
                    *where = "position " + std::to_string(p0 + k) + ", token " + std::to_string(top_ids[j]) +
                             ": expected " + std::to_string(top[j]);
                }
            }
        }
    }
    return worst;
}

// The first `n` bytes of s, cut at a UTF-8 character boundary (for log lines).
std::string head(const std::string& s, size_t n) {
    if (s.size() <= n) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

bool has_r1_markers(const std::string& prompt) { return prompt.find("<｜") != std::string::npos; }

void expect_metadata(const GgufFile& g, const std::string& arch) {
    std::vector<std::string> keys = {"general.architecture", "general.name", "general.file_type"};
    for (const char* k : {"context_length", "embedding_length", "block_count", "feed_forward_length",
                          "attention.head_count", "attention.head_count_kv", "rope.freq_base",
                          "attention.layer_norm_rms_epsilon"}) {
        keys.push_back(arch + "." + k);
    }
    if (arch == "llama") keys.insert(keys.end(), {"llama.rope.dimension_count", "llama.vocab_size"});
    for (const char* k : {"model", "pre", "tokens", "token_type", "merges", "bos_token_id", "eos_token_id",
                          "add_bos_token", "add_eos_token"}) {
        keys.push_back(std::string("tokenizer.ggml.") + k);
    }
    keys.push_back("tokenizer.chat_template");
    for (const auto& k : keys) EXPECT_TRUE(g.has(k)) << "missing metadata key " << k;
    EXPECT_EQ(g.get_string("general.architecture").value_or(""), arch);
    EXPECT_EQ(g.get_string("tokenizer.ggml.model").value_or(""), "gpt2");
    EXPECT_EQ(g.get_string("tokenizer.ggml.pre").value_or(""), "deepseek-r1-qwen");
    EXPECT_EQ(g.get_uint("tokenizer.ggml.bos_token_id").value_or(0), 151646u);
    EXPECT_EQ(g.get_uint("tokenizer.ggml.eos_token_id").value_or(0), 151643u);
    EXPECT_EQ(g.get_uint("general.file_type").value_or(99), 0u);  // ALL_F32
}

void expect_tensors(const GgufFile& g, bool qwen2, bool tied, bool rope_freqs) {
    std::set<std::string> want = {"token_embd.weight", "output_norm.weight"};
    if (!tied) want.insert("output.weight");
    if (rope_freqs) want.insert("rope_freqs.weight");
    for (int l = 0; l < 2; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        for (const char* t : {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up",
                              "ffn_down"}) {
            want.insert(b + t + ".weight");
        }
        if (qwen2) {
            for (const char* t : {"attn_q", "attn_k", "attn_v"}) want.insert(b + t + ".bias");
        }
    }
    std::set<std::string> got;
    for (const auto& t : g.tensors()) {
        got.insert(t.name);
        EXPECT_EQ(t.type, GgmlType::F32) << t.name;
    }
    EXPECT_EQ(got, want);
}

struct HfCase {
    const char* name;   // folder under hf/ and key in golden-hf.json
    const char* arch;
    bool qwen2, tied, rope_freqs;
};

class ConvertHfGolden : public ::testing::TestWithParam<HfCase> {
protected:
    // Converts with --outtype f32 (and extra args), checks keys and tensors, compares every prompt.
    void convert_and_compare(const std::string& extra, bool r1_vocab) {
        const HfCase c = GetParam();
        const std::string dir = test::fixture(std::string("hf/") + c.name);
        const std::string golden = test::fixture("hf/golden-hf.json");
        EDGESEEK_REQUIRE_FIXTURE(dir);
        EDGESEEK_REQUIRE_FIXTURE(golden);
        test::TempDir tmp;
        const std::string out = tmp.file("out.gguf");
        std::string log;
        ASSERT_EQ(test::run_convert(test::shell_quote(dir) + " -o " + test::shell_quote(out) + " --outtype f32 " + extra, &log), 0) << log;
        auto model = Model::load(out);
        expect_metadata(model->file(), c.arch);
        expect_tensors(model->file(), c.qwen2, c.tied, c.rope_freqs);
        auto tok = Tokenizer::from_gguf(model->file());
        const auto entries = test::read_json(golden)["files"][c.name];
        ASSERT_EQ(entries.size(), 4u);
        for (const auto& e : entries) {
            const std::string prompt = e["prompt"];
            const auto want = e["prompt_ids"].get<std::vector<int32_t>>();
            if (r1_vocab || !has_r1_markers(prompt)) {
                EXPECT_EQ(tok->encode(prompt, e["add_bos"].get<bool>(), true), want) << c.name << " '" << head(prompt, 60) << "'";
            }
            std::string where;
            const double err = max_logit_error(*model, e, &where);
            EXPECT_LE(err, kTolerance) << c.name << " '" << head(prompt, 60) << "' " << where;
            std::printf("[ convert ] %-10s %-42s %4zu positions, max |error| over top-8 = %.5f\n", c.name,
                        test::shell_quote(head(prompt, 30)).c_str(), want.size(), err);
        }
    }
};

TEST_P(ConvertHfGolden, MatchesLlamaCppLogits) { convert_and_compare("", false); }

TEST_P(ConvertHfGolden, WithR1VocabularyMatchesEveryPrompt) {
    const std::string vocab = test::fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(vocab);
    convert_and_compare("--vocab " + test::shell_quote(vocab), true);
}

INSTANTIATE_TEST_SUITE_P(ConvertHf, ConvertHfGolden,
                         ::testing::Values(HfCase{"tiny-qwen2", "qwen2", true, false, false},
                                           HfCase{"tiny-llama", "llama", false, true, true}),
                         [](const auto& info) { return info.param.qwen2 ? std::string("TinyQwen2") : std::string("TinyLlama"); });

// The checkpoint's own tokenizer.json, converted: the vocabulary, merges and types llama.cpp's
// converter writes (the regular part equals the R1 vocabulary GGUF; the added tokens are Qwen's).
TEST(ConvertHfVocabulary, MatchesTokenizerJson) {
    const std::string dir = test::fixture("hf/tiny-qwen2");
    const std::string vocab = test::fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(dir);
    EDGESEEK_REQUIRE_FIXTURE(vocab);
    test::TempDir tmp;
    const std::string out = tmp.file("out.gguf");
    std::string log;
    ASSERT_EQ(test::run_convert(test::shell_quote(dir) + " -o " + test::shell_quote(out), &log), 0) << log;
    const auto g = GgufFile::open(out);
    const auto r1 = GgufFile::open(vocab);
    const GgufValue& tokens = g->require_array("tokenizer.ggml.tokens", GgufType::STRING);
    const GgufValue& r1_tokens = r1->require_array("tokenizer.ggml.tokens", GgufType::STRING);
    ASSERT_EQ(tokens.count, 151936u);
    for (size_t k = 0; k < 151643; ++k) ASSERT_EQ(tokens.strings[k], r1_tokens.strings[k]) << "token " << k;
    EXPECT_EQ(g->require_array("tokenizer.ggml.merges", GgufType::STRING).strings,
              r1->require_array("tokenizer.ggml.merges", GgufType::STRING).strings);
    const GgufValue& types = g->require_array("tokenizer.ggml.token_type", GgufType::I32);
    EXPECT_EQ(tokens.strings[151643], "<|endoftext|>");
    EXPECT_EQ(types.integer_at(151643), 3);        // special added token: control
    EXPECT_EQ(tokens.strings[151667], "<think>");
    EXPECT_EQ(types.integer_at(151667), 4);        // non-special added token: user-defined
    EXPECT_EQ(tokens.strings[151700], "[PAD151700]");
    EXPECT_EQ(types.integer_at(151700), 5);        // padding: unused
    EXPECT_EQ(types.integer_at(100), 1);
    EXPECT_TRUE(g->get_bool("tokenizer.ggml.add_bos_token").value_or(false));
    EXPECT_FALSE(g->get_bool("tokenizer.ggml.add_eos_token").value_or(true));
    EXPECT_EQ(g->get_string("tokenizer.chat_template"), r1->get_string("tokenizer.chat_template"));
    // The default --outtype keeps the checkpoint's bf16.
    EXPECT_EQ(g->find_tensor("blk.0.attn_q.weight")->type, GgmlType::BF16);
    EXPECT_EQ(g->find_tensor("blk.0.attn_norm.weight")->type, GgmlType::F32);
    EXPECT_EQ(g->get_uint("general.file_type").value_or(0), 32u);  // MOSTLY_BF16
}

}  // namespace
}  // namespace edgeseek
