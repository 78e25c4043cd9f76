// Peak memory of a conversion stays far below the model size: a ~150 MB bf16 checkpoint is
// generated (streamed to disk), converted by the real binary, and the growth of its peak RSS over
// converting a tiny checkpoint (the program itself, and sanitizer overhead in ASan builds) is
// compared with the size of the weights. Measured on a 500 MB checkpoint (2 cores, Release):
// auto 84 MB, f32 150 MB, q4_k_m 105 MB.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "convert_testing.h"

namespace edgeseek {
namespace {

// model.safetensors written tensor by tensor, in chunks: the test never holds the model either.
uint64_t write_large_checkpoint(const test::TinyQwen2& m, const std::string& dir) {
    m.write_metadata(dir);
    nlohmann::json h = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& [name, shape] : m.shapes()) {
        uint64_t n = 2;
        for (int64_t d : shape) n *= static_cast<uint64_t>(d);
        h[name] = {{"dtype", "BF16"}, {"shape", shape}, {"data_offsets", {offset, offset + n}}};
        offset += n;
    }
    std::string header = h.dump();
    header.resize((header.size() + 7) / 8 * 8, ' ');
    std::FILE* f = std::fopen((dir + "/model.safetensors").c_str(), "wb");
    const auto head = test::safetensors_file_bytes(header, {});
    std::fwrite(head.data(), 1, head.size(), f);
    std::vector<uint16_t> chunk(1 << 20);
    uint32_t state = 1;
    for (uint64_t left = offset / 2; left > 0;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
        for (size_t k = 0; k < n; ++k) {
            state = state * 1664525u + 1013904223u;
            chunk[k] = fp32_to_bf16(static_cast<float>(static_cast<int32_t>(state >> 8) % 2001 - 1000) / 40000.0f);
        }
        std::fwrite(chunk.data(), 2, n, f);
        left -= n;
    }
    std::fclose(f);
    return offset;
}

// Peak resident memory (bytes) of `edgeseek convert IN -o OUT --outtype TYPE`, from wait4().
uint64_t peak_rss(const std::string& in, const std::string& out, const std::string& type) {
    const std::string bin = test::edgeseek_binary();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) {
            ::dup2(null, 1);
            ::dup2(null, 2);
        }
        // ASan's quarantine keeps freed memory resident; it would measure the sanitizer, not us.
        ::setenv("ASAN_OPTIONS", "quarantine_size_mb=0:detect_leaks=0", 1);
        ::execl(bin.c_str(), bin.c_str(), "convert", in.c_str(), "-o", out.c_str(), "--outtype", type.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    struct rusage ru {};
    EXPECT_EQ(::wait4(pid, &status, 0, &ru), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "convert --outtype " << type << " failed";
    return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

TEST(ConvertMemory, PeakRssStaysFarBelowModelSize) {
    test::TinyQwen2 small;
    test::TinyQwen2 m;
    m.hidden = 512;
    m.ffn = 2048;
    m.heads = 8;
    m.kv_heads = 2;
    m.layers = 16;
    m.vocab = 16000;
    test::TempDir small_in, in, out;
    write_large_checkpoint(small, small_in.path());
    const uint64_t model_bytes = write_large_checkpoint(m, in.path());
    for (const char* type : {"auto", "f32", "q8_0"}) {
        const std::string path = out.file(std::string(type) + ".gguf");
        const uint64_t base = peak_rss(small_in.path(), out.file("small.gguf"), type);
        std::filesystem::remove(out.file("small.gguf"));
        const uint64_t rss = peak_rss(in.path(), path, type);
        ASSERT_TRUE(std::filesystem::exists(path));
        std::printf("[ convert ] %.0f MB bf16 checkpoint -> --outtype %-4s (%.0f MB): peak RSS %.1f MB (tiny model: %.1f MB)\n",
                    static_cast<double>(model_bytes) / 1e6, type, static_cast<double>(std::filesystem::file_size(path)) / 1e6,
                    static_cast<double>(rss) / 1e6, static_cast<double>(base) / 1e6);
        // One output tensor (the 16000 x 512 embedding: 16 MB in bf16, 33 MB in f32) plus a slice of
        // input: far below the weights, and independent of the layer count.
        EXPECT_LT(rss, base + model_bytes / 3) << "--outtype " << type;
        std::filesystem::remove(path);
    }
}

}  // namespace
}  // namespace edgeseek
