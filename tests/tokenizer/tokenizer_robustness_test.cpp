// Arbitrary input: random text must round-trip, random bytes must not break anything.
#include <gtest/gtest.h>

#include <random>

#include "test_support.h"
#include "tokenizer/synthetic_vocab.h"
#include "tokenizer/tokenizer_fixtures.h"
#include "tokenizer/unicode.h"

namespace edgeseek::test {
namespace {

// Valid UTF-8 drawn from ASCII, Latin/Cyrillic, CJK, emoji and the odd rare plane; skips
// surrogates and U+2581 (SentencePiece's space mark, which decodes to a space by design).
std::string random_text(std::mt19937& rng, size_t n_chars) {
    static constexpr char32_t kRanges[][2] = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x4FF}, {0x3000, 0x30FF},
                                              {0x4E00, 0x9FFF}, {0x1F300, 0x1FAFF}, {0x10000, 0x10FFFF}};
    std::string s;
    for (size_t i = 0; i < n_chars; ++i) {
        const auto& r = kRanges[rng() % std::size(kRanges)];
        char32_t cp = r[0] + static_cast<char32_t>(rng() % (r[1] - r[0] + 1));
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2581) cp = 'x';
        append_utf8(s, cp);
    }
    return s;
}

void expect_random_round_trips(const std::string& vocab) {
    auto tok = load_tokenizer(vocab);
    std::mt19937 rng(1234);
    for (int i = 0; i < 300; ++i) {
        const std::string text = random_text(rng, 1 + rng() % 40);
        const auto ids = tok->encode(text, false, false);
        for (TokenId id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab());
        ASSERT_EQ(tok->decode(ids), text) << "'" << escaped(text) << "' -> " << describe(*tok, ids);
    }
}

TEST(TokenizerRobustness, RandomTextRoundTripsR1) {
    const std::string path = fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    expect_random_round_trips(path);
}

TEST(TokenizerRobustness, RandomTextRoundTripsSpm) {
    const std::string path = fixture("tokenizer/vocab-llama-spm.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    expect_random_round_trips(path);
}

// Malformed UTF-8 is tokenized (as U+FFFD by BPE, as raw bytes by SentencePiece) without error.
TEST(TokenizerRobustness, RandomBytes) {
    for (const char* vocab : {"tokenizer/vocab-deepseek-r1-qwen.gguf", "tokenizer/vocab-llama-spm.gguf"}) {
        const std::string path = fixture(vocab);
        EDGESEEK_REQUIRE_FIXTURE(path);
        auto tok = load_tokenizer(path);
        std::mt19937 rng(99);
        for (int i = 0; i < 300; ++i) {
            std::string bytes(rng() % 64, '\0');
            for (char& c : bytes) c = static_cast<char>(rng());
            const auto ids = tok->encode(bytes, true, true);
            for (TokenId id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab());
            Utf8StreamDecoder d;
            std::string out;
            for (TokenId id : ids) out += d.push(tok->token_to_piece(id));
            out += d.flush();
            Utf8StreamDecoder check;  // what the stream emits is valid UTF-8: it passes unchanged
            EXPECT_EQ(check.push(out) + check.flush(), out);
        }
    }
}

// llama-bpe vocabularies take a word that is already a token whole (ignore_merges), add a BOS
// by default and clean up spaces on decode, as llama.cpp does for them.
TEST(TokenizerRobustness, Llama3FamilyFlags) {
    auto w = bpe_vocab_writer({"hello", "<|begin_of_text|>"}, {}, {});
    w.set_string("tokenizer.ggml.pre", "llama-bpe");
    w.set_u32("tokenizer.ggml.bos_token_id", 257);
    const MemoryGguf g = to_gguf(w);
    auto tok = Tokenizer::from_gguf(*g.file);
    EXPECT_EQ(tok->pre_name(), "llama-bpe");
    EXPECT_TRUE(tok->add_bos_default());
    EXPECT_EQ(tok->encode("hello", true, false), (std::vector<TokenId>{257, 256}));
    EXPECT_EQ(tok->decode(tok->encode("a , b ' c 's 't", false, false)), "a, b'c's 't");
}

}  // namespace
}  // namespace edgeseek::test
