// Special tokens in text, BOS handling, end-of-generation ids and piece rendering.
#include <gtest/gtest.h>

#include "test_support.h"
#include "tokenizer/synthetic_vocab.h"
#include "tokenizer/tokenizer_fixtures.h"

namespace edgeseek::test {
namespace {

constexpr TokenId kR1Bos = 151646, kR1Eos = 151643, kR1User = 151644, kR1Assistant = 151645, kR1Think = 151648;
const std::string kR1UserText = "<\xEF\xBD\x9CUser\xEF\xBD\x9C>";
const std::string kR1BosText = "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";

class TokenizerR1 : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::string path = fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
        if (std::filesystem::exists(path)) tok_ = load_tokenizer(path).release();
    }
    static void TearDownTestSuite() {
        delete tok_;
        tok_ = nullptr;
    }
    void SetUp() override { EDGESEEK_REQUIRE_FIXTURE(fixture("tokenizer/vocab-deepseek-r1-qwen.gguf")); }
    static const Tokenizer* tok_;
};
const Tokenizer* TokenizerR1::tok_ = nullptr;

TEST_F(TokenizerR1, Metadata) {
    EXPECT_EQ(tok_->model_name(), "gpt2");
    EXPECT_EQ(tok_->pre_name(), "deepseek-r1-qwen");
    EXPECT_EQ(tok_->n_vocab(), 151936);
    EXPECT_EQ(tok_->bos(), kR1Bos);
    EXPECT_EQ(tok_->eos(), kR1Eos);
    EXPECT_TRUE(tok_->add_bos_default());
    EXPECT_FALSE(tok_->add_eos_default());
    EXPECT_EQ(tok_->token_text(kR1User), kR1UserText);
}

TEST_F(TokenizerR1, EndOfGeneration) {
    EXPECT_TRUE(tok_->is_end_of_generation(kR1Eos));
    EXPECT_FALSE(tok_->is_end_of_generation(kR1Bos));
    EXPECT_FALSE(tok_->is_end_of_generation(kR1User));
    EXPECT_FALSE(tok_->is_end_of_generation(9707));  // "Hello"
    EXPECT_TRUE(tok_->is_special(kR1User));
    EXPECT_TRUE(tok_->is_special(kR1Think));
    EXPECT_FALSE(tok_->is_special(9707));
}

TEST_F(TokenizerR1, SpecialTokensParsedOnlyWhenAsked) {
    const std::string text = kR1UserText + "Hello<think>";
    const auto parsed = tok_->encode(text, false, true);
    EXPECT_EQ(parsed, (std::vector<TokenId>{kR1User, 9707, kR1Think})) << describe(*tok_, parsed);
    // Without special parsing control tokens are plain text, but user-defined ones such as
    // <think> are still matched, as llama.cpp's tokenizer does.
    const auto plain = tok_->encode(text, false, false);
    ASSERT_GT(plain.size(), 5u);
    EXPECT_EQ(plain.back(), kR1Think) << describe(*tok_, plain);
    for (size_t i = 0; i + 1 < plain.size(); ++i) EXPECT_FALSE(tok_->is_special(plain[i])) << describe(*tok_, plain);
    EXPECT_EQ(tok_->decode(plain), text);
    EXPECT_EQ(tok_->decode(parsed), text);
}

TEST_F(TokenizerR1, NoDoubleBos) {
    const auto with_literal = tok_->encode(kR1BosText + "Hello", true, true);
    EXPECT_EQ(with_literal, (std::vector<TokenId>{kR1Bos, 9707})) << describe(*tok_, with_literal);
    EXPECT_EQ(tok_->encode("Hello", true, true), (std::vector<TokenId>{kR1Bos, 9707}));
    EXPECT_EQ(tok_->encode("Hello", false, true), (std::vector<TokenId>{9707}));
    EXPECT_EQ(tok_->encode("", true, true), (std::vector<TokenId>{kR1Bos}));
    EXPECT_TRUE(tok_->encode("", false, true).empty());
    // Not parsed, the literal is text, so the BOS is still added in front of it.
    const auto unparsed = tok_->encode(kR1BosText + "Hello", true, false);
    ASSERT_GT(unparsed.size(), 2u);
    EXPECT_EQ(unparsed[0], kR1Bos);
    EXPECT_NE(unparsed[1], kR1Bos);
}

TEST_F(TokenizerR1, PiecesAndRendering) {
    EXPECT_EQ(tok_->token_to_piece(9707), "Hello");
    EXPECT_EQ(tok_->token_to_piece(1879), " world");  // "Ġworld"
    EXPECT_EQ(tok_->token_to_piece(198), "\n");       // "Ċ"
    EXPECT_EQ(tok_->token_to_piece(kR1User, true), kR1UserText);
    EXPECT_EQ(tok_->token_to_piece(kR1User, false), "");
    // User-defined tokens render either way (llama.cpp shows <think> to the user).
    EXPECT_EQ(tok_->token_to_piece(kR1Think, false), "<think>");
    EXPECT_EQ(tok_->decode({kR1Bos, kR1User, 9707, kR1Assistant}, false), "Hello");
    EXPECT_EQ(tok_->token_to_piece(-1), "");
    EXPECT_EQ(tok_->token_to_piece(tok_->n_vocab()), "");
}

TEST_F(TokenizerR1, ChatPrompt) {
    const std::string prompt = kR1BosText + kR1UserText + "What is 17 * 23?<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C><think>\n";
    const auto ids = tok_->encode(prompt, true, true);
    const std::vector<TokenId> expected = {kR1Bos, kR1User, 3838, 374, 220, 16, 22, 353, 220, 17, 18, 30,
                                           kR1Assistant, kR1Think, 198};
    EXPECT_EQ(ids, expected) << describe(*tok_, ids);
}

TEST(TokenizerSpm, SpacePrefixBosAndPieces) {
    const std::string path = fixture("tokenizer/vocab-llama-spm.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    auto tok = load_tokenizer(path);
    EXPECT_EQ(tok->model_name(), "llama");
    EXPECT_EQ(tok->bos(), 1);
    EXPECT_EQ(tok->eos(), 2);
    EXPECT_TRUE(tok->is_end_of_generation(2));
    EXPECT_TRUE(tok->add_bos_default());
    const auto hello = tok->encode("Hello", true, true);
    ASSERT_EQ(hello.size(), 2u);
    EXPECT_EQ(hello[0], 1);
    EXPECT_EQ(tok->token_to_piece(hello[1]), " Hello");
    // A literal <s> is the BOS; the text after a special token gets the space prefix again.
    EXPECT_EQ(tok->encode("<s>Hello", true, true), hello);
    EXPECT_NE(tok->encode("<s>Hello", true, false), hello);
    // Byte fallback for a character the vocabulary lacks, and its pieces.
    const auto llama = tok->encode("\xF0\x9F\xA6\x99", false, false);  // U+1F999
    ASSERT_EQ(llama.size(), 5u) << describe(*tok, llama);                 // "▁" + 4 byte tokens
    EXPECT_EQ(tok->token_to_piece(llama[1]), "\xF0");
    EXPECT_EQ(tok->decode(llama), "\xF0\x9F\xA6\x99");
    EXPECT_EQ(tok->token_to_piece(1, false), "");
    EXPECT_EQ(tok->token_to_piece(1, true), "<s>");
    // As llama.cpp's detokenizer: only the first piece loses its leading space.
    EXPECT_EQ(tok->decode(tok->encode("Hello world", false, false)), "Hello world");
    EXPECT_EQ(tok->decode(hello, true), "<s> Hello");
}

TEST(TokenizerSynthetic, LongestSpecialTokenFirst) {
    auto w = bpe_vocab_writer({}, {}, {"<|a|>", "<|b|>", "<|a|><|b|>"});
    const MemoryGguf g = to_gguf(w);
    auto tok = Tokenizer::from_gguf(*g.file);
    const TokenId a = 256, b = 257, ab = 258;
    EXPECT_EQ(tok->encode("<|a|><|b|>", false, true), (std::vector<TokenId>{ab}));
    EXPECT_EQ(tok->encode("<|b|><|a|>x<|a|>", false, true), (std::vector<TokenId>{b, a, 'x', a}));
    EXPECT_EQ(tok->encode("<|b|>", false, false).size(), 5u);
    // No bos_token_id and add_bos_token absent: qwen2 vocabularies add no BOS by default.
    EXPECT_EQ(tok->bos(), -1);
    EXPECT_EQ(tok->encode("x", true, true), (std::vector<TokenId>{'x'}));
}

TEST(TokenizerSynthetic, MergesApplyLowestRankFirst) {
    // "h e" outranks "e l": "hel" -> "he" "l", never "h" "el".
    auto w = bpe_vocab_writer({"he", "el", "hel", "ll", "hell", "hello"}, {"h e", "e l", "l l", "he ll", "hell o"}, {});
    const MemoryGguf g = to_gguf(w);
    auto tok = Tokenizer::from_gguf(*g.file);
    EXPECT_EQ(tok->encode("hello", false, false), (std::vector<TokenId>{261}));
    EXPECT_EQ(tok->encode("hel", false, false), (std::vector<TokenId>{256, 'l'}));
    EXPECT_EQ(tok->decode(tok->encode("hello hel", false, false)), "hello hel");
}

TEST(TokenizerSynthetic, AddBosFollowsMetadata) {
    auto w = bpe_vocab_writer({}, {}, {"<s>"});
    w.set_u32("tokenizer.ggml.bos_token_id", 256);
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    {
        const MemoryGguf g = to_gguf(w);
        auto tok = Tokenizer::from_gguf(*g.file);
        EXPECT_EQ(tok->encode("x", true, true), (std::vector<TokenId>{256, 'x'}));
        EXPECT_EQ(tok->encode("<s>x", true, true), (std::vector<TokenId>{256, 'x'}));
    }
    w.set_bool("tokenizer.ggml.add_bos_token", false);
    const MemoryGguf g = to_gguf(w);
    auto tok = Tokenizer::from_gguf(*g.file);
    EXPECT_FALSE(tok->add_bos_default());
    EXPECT_EQ(tok->encode("x", true, true), (std::vector<TokenId>{'x'}));
}

TEST(TokenizerSynthetic, EndOfGenerationByText) {
    auto w = bpe_vocab_writer({"<|im_end|>"}, {}, {"<|im_start|>"});
    const MemoryGguf g = to_gguf(w);
    auto tok = Tokenizer::from_gguf(*g.file);
    EXPECT_TRUE(tok->is_end_of_generation(256));   // typed normal, still ends a turn
    EXPECT_TRUE(tok->is_special(256));              // and is treated as control, as llama.cpp does
    EXPECT_FALSE(tok->is_end_of_generation(257));
    EXPECT_EQ(tok->encode("<|im_end|>", false, true), (std::vector<TokenId>{256}));
}

}  // namespace
}  // namespace edgeseek::test
