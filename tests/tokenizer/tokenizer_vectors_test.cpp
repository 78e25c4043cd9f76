// llama.cpp's tokenizer test vectors (tests/test-tokenizer-0.cpp): every input must give the
// expected ids, with no BOS and parse_special off, as that test tokenizes them.
#include <gtest/gtest.h>

#include <iostream>

#include "test_support.h"
#include "tokenizer/tokenizer_fixtures.h"

namespace edgeseek::test {
namespace {

struct VectorSet {
    const char* vocab;
    const char* stem;  // <stem>.inp / <stem>.out
};

void expect_all_vectors(const VectorSet& set) {
    const std::string vocab = fixture(std::string("tokenizer/") + set.vocab);
    const std::string inp = fixture(std::string("tokenizer/") + set.stem + ".inp");
    const std::string out = fixture(std::string("tokenizer/") + set.stem + ".out");
    auto tok = load_tokenizer(vocab);
    const std::vector<VocabVector> cases = read_vocab_vectors(inp, out);
    ASSERT_FALSE(cases.empty()) << "no test vectors read from " << inp;
    size_t passed = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        const std::vector<TokenId> got = tok->encode(cases[i].text, false, false);
        if (got == cases[i].ids) {
            ++passed;
            continue;
        }
        ADD_FAILURE() << set.stem << " vector " << i << ": '" << escaped(cases[i].text) << "'\n"
                      << "  expected: " << describe(*tok, cases[i].ids) << "\n"
                      << "  got:      " << describe(*tok, got);
    }
    std::cout << "[ vectors  ] " << set.stem << ": " << passed << "/" << cases.size() << " passed\n";
    EXPECT_EQ(passed, cases.size());
}

// decode(encode(s)) == s. llama.cpp's test-tokenizer-0 only prints the detokenized text; this
// is stricter, and holds for every vector of both vocabularies: SentencePiece drops the space
// prefix it added, and deepseek-r1-qwen does not clean up spaces on decode.
void expect_round_trip(const VectorSet& set) {
    auto tok = load_tokenizer(fixture(std::string("tokenizer/") + set.vocab));
    const auto cases = read_vocab_vectors(fixture(std::string("tokenizer/") + set.stem + ".inp"),
                                          fixture(std::string("tokenizer/") + set.stem + ".out"));
    ASSERT_FALSE(cases.empty());
    size_t passed = 0;
    for (const VocabVector& c : cases) {
        const std::string back = tok->decode(tok->encode(c.text, false, false));
        if (back == c.text) ++passed;
        else ADD_FAILURE() << set.stem << ": '" << escaped(c.text) << "' came back as '" << escaped(back) << "'";
    }
    std::cout << "[ vectors  ] " << set.stem << " round trip: " << passed << "/" << cases.size() << "\n";
}

constexpr VectorSet kR1{"vocab-deepseek-r1-qwen.gguf", "deepseek-r1-qwen"};
constexpr VectorSet kSpm{"vocab-llama-spm.gguf", "llama-spm"};

TEST(TokenizerVectors, DeepSeekR1QwenMatchesLlamaCpp) {
    EDGESEEK_REQUIRE_FIXTURE(fixture("tokenizer/vocab-deepseek-r1-qwen.gguf"));
    expect_all_vectors(kR1);
}

TEST(TokenizerVectors, LlamaSpmMatchesLlamaCpp) {
    EDGESEEK_REQUIRE_FIXTURE(fixture("tokenizer/vocab-llama-spm.gguf"));
    expect_all_vectors(kSpm);
}

TEST(TokenizerVectors, DeepSeekR1QwenRoundTrips) {
    EDGESEEK_REQUIRE_FIXTURE(fixture("tokenizer/vocab-deepseek-r1-qwen.gguf"));
    expect_round_trip(kR1);
}

TEST(TokenizerVectors, LlamaSpmRoundTrips) {
    EDGESEEK_REQUIRE_FIXTURE(fixture("tokenizer/vocab-llama-spm.gguf"));
    expect_round_trip(kSpm);
}

}  // namespace
}  // namespace edgeseek::test
