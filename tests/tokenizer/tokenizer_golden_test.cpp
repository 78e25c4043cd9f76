// Prompt token ids llama.cpp produced for the model fixtures (golden-llamacpp.json,
// golden-numpy.json, hf/golden-hf.json) must equal ours, BOS included.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "tokenizer/tokenizer_fixtures.h"

namespace edgeseek::test {
namespace {

using nlohmann::json;

// Checks every prompt of every entry of a golden file. vocab_for maps an entry's key to the
// GGUF whose vocabulary produced it ("" when that file is absent here).
template <typename VocabFor>
void expect_prompt_ids(const std::string& golden_path, VocabFor vocab_for) {
    const json golden = json::parse(read_file(golden_path));
    size_t checked = 0;
    for (const auto& [key, prompts] : golden.at("files").items()) {
        const std::string vocab = vocab_for(key);
        if (vocab.empty() || !std::filesystem::exists(vocab)) continue;
        auto tok = load_tokenizer(vocab);
        for (const json& p : prompts) {
            const std::string prompt = p.at("prompt");
            const bool add_bos = p.at("add_bos");
            const auto expected = p.at("prompt_ids").get<std::vector<TokenId>>();
            const std::vector<TokenId> got = tok->encode(prompt, add_bos, true);
            EXPECT_EQ(got, expected) << key << ": '" << escaped(prompt).substr(0, 120) << "'\n"
                                     << "  expected: " << describe(*tok, expected).substr(0, 600) << "\n"
                                     << "  got:      " << describe(*tok, got).substr(0, 600);
            ++checked;
        }
    }
    std::cout << "[ golden   ] " << golden_path << ": " << checked << " prompts checked\n";
    EXPECT_GT(checked, 0u) << "no model files of " << golden_path << " were found";
}

TEST(TokenizerGolden, LlamaCppPromptIds) {
    const std::string path = fixture("golden-llamacpp.json");
    EDGESEEK_REQUIRE_FIXTURE(path);
    EDGESEEK_REQUIRE_FIXTURE(fixture("models/aidreams260K-f32.gguf"));
    EDGESEEK_REQUIRE_FIXTURE(fixture("models/tiny-qwen2-f32.gguf"));
    expect_prompt_ids(path, [](const std::string& key) { return fixture("models/" + key); });
}

TEST(TokenizerGolden, NumpyPromptIds) {
    const std::string path = fixture("golden-numpy.json");
    EDGESEEK_REQUIRE_FIXTURE(path);
    EDGESEEK_REQUIRE_FIXTURE(fixture("models/tiny-qwen3-f32.gguf"));
    expect_prompt_ids(path, [](const std::string& key) { return fixture("models/" + key); });
}

// The converter's GGUFs carry the tokenizer of vocab-deepseek-r1-qwen.gguf; the R1 chat
// rendering starts with a literal BOS and is encoded without adding another.
TEST(TokenizerGolden, HfCheckpointPromptIds) {
    const std::string path = fixture("hf/golden-hf.json");
    const std::string vocab = fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    EDGESEEK_REQUIRE_FIXTURE(vocab);
    expect_prompt_ids(path, [&](const std::string&) { return vocab; });
}

}  // namespace
}  // namespace edgeseek::test
