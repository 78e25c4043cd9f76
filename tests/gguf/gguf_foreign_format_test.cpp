// Files that are not GGUF at all: the error must say what the file is and what to do.
#include <gtest/gtest.h>

#include "crafted_gguf.h"
#include "test_support.h"

namespace edgeseek::test {
namespace {

Bytes with_tail(const std::string& head, size_t total = 64) {
    Bytes b(head.begin(), head.end());
    b.resize(std::max(total, b.size()), 0x11);
    return b;
}

std::string open_error(const std::string& path, bool use_mmap = true) {
    try {
        GgufFile::open(path, use_mmap);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(GgufForeignFormat, EmptyFileFromDisk) {
    TempDir dir;
    const std::string path = dir.file("empty.gguf");
    write_file(path, {});
    for (bool use_mmap : {true, false}) {
        const std::string msg = open_error(path, use_mmap);
        EXPECT_TRUE(contains(msg, "empty"));
        EXPECT_TRUE(contains(msg, path));
        EXPECT_TRUE(contains(msg, "fetch the file again"));
    }
}

TEST(GgufForeignFormat, EmptyBuffer) {
    EXPECT_TRUE(contains(parse_error({}), "empty file (0 bytes)"));
}

TEST(GgufForeignFormat, FirstBytesOfGgufAreTruncation) {
    const std::string msg = parse_error({'G', 'G'});
    EXPECT_TRUE(contains(msg, "truncated"));
    EXPECT_TRUE(contains(msg, "only 2 bytes"));
}

TEST(GgufForeignFormat, OldGgmlGgmfGgjt) {
    // ggml wrote these magics as little-endian uint32, so the bytes read backwards.
    const std::pair<const char*, const char*> cases[] = {{"lmgg", "GGML"}, {"fmgg", "GGMF"}, {"tjgg", "GGJT"}};
    for (const auto& [magic, name] : cases) {
        SCOPED_TRACE(name);
        const std::string msg = parse_error(with_tail(std::string(magic)));
        EXPECT_TRUE(contains(msg, std::string("old ") + name + " file"));
        EXPECT_TRUE(contains(msg, "before August 2023"));
        EXPECT_TRUE(contains(msg, "re-convert"));
    }
}

TEST(GgufForeignFormat, Safetensors) {
    const std::string json = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    Bytes b(8);
    const uint64_t len = json.size();
    std::memcpy(b.data(), &len, 8);
    b.insert(b.end(), json.begin(), json.end());
    b.resize(b.size() + 8, 0);
    const std::string msg = parse_error(b);
    EXPECT_TRUE(contains(msg, "safetensors"));
    EXPECT_TRUE(contains(msg, "edgeseek convert"));
}

TEST(GgufForeignFormat, SafetensorsFixtures) {
    for (const char* rel : {"hf/tiny-llama/model.safetensors", "hf/broken-safetensors/model.safetensors"}) {
        const std::string path = fixture(rel);
        EDGESEEK_REQUIRE_FIXTURE(path);
        EXPECT_TRUE(contains(open_error(path), "safetensors")) << rel;
    }
}

TEST(GgufForeignFormat, PyTorchZipAndPickle) {
    EXPECT_TRUE(contains(parse_error(with_tail("PK\x03\x04")), "PyTorch"));
    EXPECT_TRUE(contains(parse_error(with_tail("\x80\x02\x8a\x0a")), "PyTorch"));
}

TEST(GgufForeignFormat, Llama2cCheckpoint) {
    const std::string path = fixture("llama2c/aidreams260K.bin");
    EDGESEEK_REQUIRE_FIXTURE(path);
    const std::string msg = open_error(path);
    EXPECT_TRUE(contains(msg, "llama2.c checkpoint"));
    EXPECT_TRUE(contains(msg, "--from llama2c"));
    // The newer llama2.c export has an 'ak42' magic.
    EXPECT_TRUE(contains(parse_error(with_tail("24ka")), "llama2.c checkpoint"));
}

TEST(GgufForeignFormat, WebPageGitLfsPointerAndJson) {
    EXPECT_TRUE(contains(parse_error(with_tail("\n<!DOCTYPE html><html>")), "HTML page"));
    EXPECT_TRUE(contains(parse_error(with_tail("version https://git-lfs.github.com/spec/v1\noid sha256:00\n")),
                         "git lfs pull"));
    EXPECT_TRUE(contains(parse_error(with_tail("{\"architectures\": []}")), "JSON"));
}

TEST(GgufForeignFormat, UnknownBytesShowWhatWasFound) {
    const std::string msg = parse_error(with_tail("\xde\xad\xbe\xef"));
    EXPECT_TRUE(contains(msg, "not a GGUF file"));
    EXPECT_TRUE(contains(msg, "de ad be ef"));
    EXPECT_TRUE(contains(msg, "at byte 0"));
}

TEST(GgufForeignFormat, IdentifyForeignFormatIsPublic) {
    const Bytes ggjt = with_tail("tjgg");
    EXPECT_TRUE(contains(identify_foreign_format(ggjt.data(), ggjt.size()), "GGJT"));
    const Bytes gguf = small_model_bytes();
    EXPECT_EQ(identify_foreign_format(gguf.data(), gguf.size()), "");
}

}  // namespace
}  // namespace edgeseek::test
