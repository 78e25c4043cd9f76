// Every GGUF file llama.cpp's tools wrote for the fixtures parses, mmap and read-into-memory
// see the same bytes, and GgufWriter reproduces a real file.
#include <gtest/gtest.h>

#include <filesystem>

#include "crafted_gguf.h"
#include "test_support.h"

namespace edgeseek::test {
namespace {

std::vector<std::string> gguf_fixtures(const std::string& sub) {
    std::vector<std::string> out;
    const std::string dir = fixture(sub);
    if (!std::filesystem::is_directory(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() == ".gguf") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Same metadata and same tensor bytes, compared field by field.
void expect_same(const GgufFile& a, const GgufFile& b) {
    ASSERT_EQ(a.keys(), b.keys());
    for (const auto& k : a.keys()) EXPECT_EQ(a.find(k)->to_display(1u << 20), b.find(k)->to_display(1u << 20)) << k;
    ASSERT_EQ(a.tensors().size(), b.tensors().size());
    for (size_t k = 0; k < a.tensors().size(); ++k) {
        const TensorInfo& x = a.tensors()[k];
        const TensorInfo& y = b.tensors()[k];
        ASSERT_EQ(x.name, y.name);
        EXPECT_EQ(x.shape, y.shape) << x.name;
        EXPECT_EQ(x.type, y.type) << x.name;
        ASSERT_EQ(x.nbytes, y.nbytes) << x.name;
        EXPECT_EQ(std::memcmp(x.data, y.data, x.nbytes), 0) << x.name;
    }
}

TEST(GgufFixtures, EveryModelParsesWithAndWithoutMmap) {
    const auto files = gguf_fixtures("models");
    if (files.empty()) GTEST_SKIP() << "no fixtures in " << fixture("models");
    EXPECT_GE(files.size(), 20u);
    for (const auto& path : files) {
        SCOPED_TRACE(path);
        auto mapped = GgufFile::open(path, true);
        auto read = GgufFile::open(path, false);
        EXPECT_TRUE(mapped->is_mapped());
        EXPECT_FALSE(read->is_mapped());
        EXPECT_EQ(mapped->version(), 3u);
        const std::string arch = mapped->require_string("general.architecture");
        EXPECT_TRUE(arch == "llama" || arch == "qwen2" || arch == "qwen3") << arch;
        EXPECT_GT(mapped->require_uint(arch + ".block_count"), 0u);
        EXPECT_FALSE(mapped->tensors().empty());
        EXPECT_NE(mapped->find_tensor("token_embd.weight"), nullptr);
        uint64_t end = 0;
        for (const auto& t : mapped->tensors()) end = std::max(end, mapped->data_offset() + t.offset + t.nbytes);
        EXPECT_LE(end, mapped->file_size());
        expect_same(*mapped, *read);
    }
}

TEST(GgufFixtures, EveryVocabFileParses) {
    const auto files = gguf_fixtures("tokenizer");
    if (files.empty()) GTEST_SKIP() << "no fixtures in " << fixture("tokenizer");
    for (const auto& path : files) {
        SCOPED_TRACE(path);
        auto mapped = GgufFile::open(path, true);
        auto read = GgufFile::open(path, false);
        EXPECT_TRUE(mapped->tensors().empty());
        EXPECT_GT(mapped->require_array("tokenizer.ggml.tokens", GgufType::STRING).count, 1000u);
        expect_same(*mapped, *read);
    }
}

TEST(GgufFixtures, KnownValuesOfTheRealModel) {
    const std::string path = fixture("models/aidreams260K-f32.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    auto g = GgufFile::open(path);
    EXPECT_EQ(g->require_string("general.architecture"), "llama");
    EXPECT_EQ(g->require_uint("llama.block_count"), 4u);
    EXPECT_EQ(g->require_uint("llama.embedding_length"), 64u);
    EXPECT_EQ(g->require_uint("llama.feed_forward_length"), 172u);
    EXPECT_EQ(g->require_uint("llama.context_length"), 128u);
    EXPECT_EQ(g->require_array("tokenizer.ggml.tokens", GgufType::STRING).count, 512u);
    const TensorInfo* emb = g->find_tensor("token_embd.weight");
    ASSERT_NE(emb, nullptr);
    EXPECT_EQ(emb->shape, (std::vector<int64_t>{64, 512}));
    EXPECT_EQ(emb->type, GgmlType::F32);
}

TEST(GgufFixtures, DeepSeekVocab) {
    const std::string path = fixture("tokenizer/vocab-deepseek-r1-qwen.gguf");
    EDGESEEK_REQUIRE_FIXTURE(path);
    auto g = GgufFile::open(path);
    const GgufValue& tokens = g->require_array("tokenizer.ggml.tokens", GgufType::STRING);
    ASSERT_EQ(tokens.count, 151936u);
    EXPECT_EQ(tokens.strings[151648], "<think>");
    EXPECT_EQ(g->require_string("tokenizer.ggml.pre"), "deepseek-r1-qwen");
    EXPECT_EQ(g->require_uint("tokenizer.ggml.bos_token_id"), 151646u);
}

TEST(GgufFixtures, WriterReproducesRealFiles) {
    for (const char* rel : {"models/aidreams260K-f32.gguf", "models/tiny-qwen2-q4_k_m.gguf"}) {
        const std::string path = fixture(rel);
        EDGESEEK_REQUIRE_FIXTURE(path);
        SCOPED_TRACE(rel);
        auto src = GgufFile::open(path);
        GgufWriter w;
        w.copy_metadata_from(*src);
        for (const auto& t : src->tensors()) w.add_tensor(t.name, t.shape, t.type, t.data);
        const Bytes b = w.to_bytes();
        auto copy = GgufFile::parse(MappedFile::from_memory(b.data(), b.size()));
        expect_same(*src, *copy);
        // llama.cpp lays files out the same way: the bytes are identical.
        MappedFile original(path, false);
        ASSERT_EQ(b.size(), original.size());
        EXPECT_EQ(std::memcmp(b.data(), original.data(), b.size()), 0);
    }
}

}  // namespace
}  // namespace edgeseek::test
