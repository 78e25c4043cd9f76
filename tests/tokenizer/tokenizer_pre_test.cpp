// The pre-tokenizer regexes, and how metadata problems are reported.
#include <gtest/gtest.h>

#include "core/error.h"
#include "test_support.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/synthetic_vocab.h"
#include "tokenizer/tokenizer_fixtures.h"
#include "tokenizer/unicode.h"

namespace edgeseek::test {
namespace {

std::vector<std::string> words(PreTokenizerKind kind, const std::string& text) {
    const std::vector<char32_t> cps = to_code_points(text);
    std::vector<std::string> out;
    size_t begin = 0;
    for (size_t len : pre_tokenize(kind, cps)) {
        std::string w;
        for (size_t i = begin; i < begin + len; ++i) append_utf8(w, cps[i]);
        out.push_back(w);
        begin += len;
    }
    return out;
}

using Words = std::vector<std::string>;

TEST(TokenizerPreTokenizer, Qwen2SplitsDigitsAndKeepsLastSpace) {
    EXPECT_EQ(words(PreTokenizerKind::Qwen2, "Hello, world!  123\n\n  x"),
              (Words{"Hello", ",", " world", "!", " ", " ", "1", "2", "3", "\n\n", " ", " x"}));
    EXPECT_EQ(words(PreTokenizerKind::Qwen2, "DON'T (go)\r\n"), (Words{"DON", "'T", " (", "go", ")\r\n"}));
    EXPECT_EQ(words(PreTokenizerKind::Qwen2, "我想在apple工作1314天～"),
              (Words{"我想在apple工作", "1", "3", "1", "4", "天", "～"}));
}

TEST(TokenizerPreTokenizer, Llama3GroupsThreeDigits) {
    EXPECT_EQ(words(PreTokenizerKind::Llama3, "1234567 ok"), (Words{"123", "456", "7", " ok"}));
    EXPECT_EQ(words(PreTokenizerKind::Llama3, "\t\tx"), (Words{"\t", "\tx"}));
}

TEST(TokenizerPreTokenizer, Gpt2) {
    EXPECT_EQ(words(PreTokenizerKind::Gpt2, "I'm 2024 ok!!  "), (Words{"I", "'m", " 2024", " ok", "!!", "  "}));
    EXPECT_EQ(words(PreTokenizerKind::Gpt2, "DON'T"), (Words{"DON", "'", "T"}));  // contractions are case-sensitive
    EXPECT_EQ(words(PreTokenizerKind::Gpt2, "a\n\nb"), (Words{"a", "\n", "\n", "b"}));
}

TEST(TokenizerPreTokenizer, DefaultChainsFourRegexes) {
    EXPECT_EQ(words(PreTokenizerKind::Default, "Hello, world 12345!"),
              (Words{"Hello", ",", " world", " ", "123", "45", "!"}));
}

TEST(TokenizerPreTokenizer, UnicodeWhitespaceAndClasses) {
    // U+3000 IDEOGRAPHIC SPACE and U+00A0 are \s; U+001C is not (Python's isspace says it is).
    EXPECT_EQ(words(PreTokenizerKind::Qwen2, "a\u3000\u3000b"), (Words{"a", "\u3000", "\u3000b"}));
    EXPECT_EQ(words(PreTokenizerKind::Qwen2, "a\xC2\xA0"), (Words{"a", "\xC2\xA0"}));
    EXPECT_FALSE(unicode::is_whitespace(0x1C));
    EXPECT_EQ(unicode::classify(U'é'), unicode::CpClass::Letter);
    EXPECT_EQ(unicode::classify(U'٣'), unicode::CpClass::Number);  // ARABIC-INDIC DIGIT THREE
    EXPECT_EQ(unicode::classify(U'¿'), unicode::CpClass::Punct);
    EXPECT_EQ(unicode::classify(U'€'), unicode::CpClass::Other);
    EXPECT_EQ(unicode::classify(0x10FFFF), unicode::CpClass::Other);
}

TEST(TokenizerPreTokenizer, MalformedUtf8BecomesReplacementCharacter) {
    EXPECT_EQ(to_code_points("a\xFF\xC3"), (std::vector<char32_t>{'a', 0xFFFD, 0xFFFD}));
    EXPECT_EQ(to_code_points("\xF0\x9F\xA6\x99"), (std::vector<char32_t>{0x1F999}));
}

TEST(TokenizerMetadata, UnknownPreTokenizerFallsBackWithWarning) {
    auto w = bpe_vocab_writer({}, {}, {});
    w.set_string("tokenizer.ggml.pre", "no-such-pre");
    const MemoryGguf g = to_gguf(w);
    ::testing::internal::CaptureStderr();
    auto tok = Tokenizer::from_gguf(*g.file);
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("no-such-pre"), std::string::npos) << err;
    EXPECT_EQ(tok->pre_name(), "default");
    EXPECT_EQ(tok->encode("ab", false, false), (std::vector<TokenId>{'a', 'b'}));

    w.remove("tokenizer.ggml.pre");
    const MemoryGguf g2 = to_gguf(w);
    ::testing::internal::CaptureStderr();
    auto tok2 = Tokenizer::from_gguf(*g2.file);
    EXPECT_NE(::testing::internal::GetCapturedStderr().find("tokenizer.ggml.pre"), std::string::npos);
    EXPECT_EQ(tok2->pre_name(), "default");
}

void expect_error_naming(const MemoryGguf& g, const std::string& needle) {
    try {
        Tokenizer::from_gguf(*g.file);
        ADD_FAILURE() << "no error; expected one naming " << needle;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST(TokenizerMetadata, ErrorsNameTheKey) {
    auto w = bpe_vocab_writer({}, {}, {});
    w.set_string("tokenizer.ggml.model", "bert");
    expect_error_naming(to_gguf(w), "tokenizer.ggml.model");

    w = bpe_vocab_writer({}, {}, {});
    w.remove("tokenizer.ggml.merges");
    expect_error_naming(to_gguf(w), "tokenizer.ggml.merges");

    w = bpe_vocab_writer({}, {}, {});
    w.remove("tokenizer.ggml.tokens");
    expect_error_naming(to_gguf(w), "tokenizer.ggml.tokens");

    w = bpe_vocab_writer({}, {}, {});
    w.set_i32_array("tokenizer.ggml.token_type", {1, 1});
    expect_error_naming(to_gguf(w), "tokenizer.ggml.token_type");

    w = bpe_vocab_writer({}, {}, {});
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    expect_error_naming(to_gguf(w), "tokenizer.ggml.bos_token_id");

    w = bpe_vocab_writer({}, {}, {});
    w.remove("tokenizer.ggml.model");
    expect_error_naming(to_gguf(w), "tokenizer.ggml.model");
}

TEST(TokenizerMetadata, OutOfRangeSpecialIdIsIgnored) {
    auto w = bpe_vocab_writer({}, {}, {});
    w.set_u32("tokenizer.ggml.eos_token_id", 4294967295u);
    const MemoryGguf g = to_gguf(w);
    ::testing::internal::CaptureStderr();
    auto tok = Tokenizer::from_gguf(*g.file);
    EXPECT_NE(::testing::internal::GetCapturedStderr().find("eos_token_id"), std::string::npos);
    EXPECT_EQ(tok->eos(), -1);
}

}  // namespace
}  // namespace edgeseek::test
