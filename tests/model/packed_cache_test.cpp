// The repacked-weight cache (model/packed_cache.h): a first load writes it, a later load maps
// it, and the logits are the same bits either way and agree with the file's own layout; a
// changed model file, a damaged or truncated cache and an unwritable cache directory are
// each detected and never used; the model file itself is never touched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "engine/session.h"
#include "gguf/gguf_file.h"
#include "kernels/packed.h"
#include "model/packed_cache.h"
#include "test_support.h"

namespace edgeseek {
namespace {

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<float> logits_of(const Model& m) {
    Session s(m, 64, 2);
    const std::vector<int32_t> prompt = {1, 45, 300, 7, 99, 12, 260, 3, 18, 501, 77};
    return s.eval(prompt);
}

struct Loaded {
    std::unique_ptr<Model> model;
    std::vector<float> logits;
};

Loaded load(const std::string& path, const std::string& cache_dir, bool repack = true, bool cache = true) {
    LoadOptions lo;
    lo.repack = repack;
    lo.repack_cache = cache;
    lo.repack_cache_dir = cache_dir;
    lo.repack_cache_keep_free = 0;  // whatever this machine's disk has left
    Loaded l;
    l.model = Model::load(path, lo);
    l.logits = logits_of(*l.model);
    return l;
}

TEST(PackedCache, WrittenOnceMappedLaterRebuiltWhenStaleOrDamaged) {
    const std::string fixture = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(fixture);
    const test::TempDir dir;
    const std::string model = dir.file("model.gguf"), cache_dir = dir.file("cache");
    const std::string original = read_bytes(fixture);
    write_bytes(model, original);
    SourceIdentity id;
    ASSERT_TRUE(PackedCacheFile::identify(model, &id));
    EXPECT_EQ(id.path, std::filesystem::absolute(model).lexically_normal().string());
    const std::string cache_file = PackedCacheFile::path_for(cache_dir, id);

    // The file's own layout with the per-row kernels: the reference every load must agree with.
    const Loaded plain = load(model, cache_dir, /*repack=*/false);
    EXPECT_EQ(plain.model->packed_from(), PackedFrom::none);
    if (!packable(GgmlType::Q8_0)) {
        // No packed kernels on this CPU path: nothing is repacked, nothing written.
        EXPECT_EQ(load(model, cache_dir).model->packed_from(), PackedFrom::none);
        EXPECT_FALSE(std::filesystem::exists(cache_dir));
        return;
    }
    const Loaded memory = load(model, cache_dir, true, /*cache=*/false);
    EXPECT_EQ(memory.model->packed_from(), PackedFrom::memory);
    EXPECT_FALSE(std::filesystem::exists(cache_file));
    ASSERT_EQ(memory.logits.size(), plain.logits.size());
    for (size_t i = 0; i < plain.logits.size(); ++i) {
        ASSERT_NEAR(memory.logits[i], plain.logits[i], 2e-3 + 2e-3 * std::fabs(plain.logits[i])) << i;
    }

    const Loaded created = load(model, cache_dir);
    EXPECT_EQ(created.model->packed_from(), PackedFrom::cache_created);
    EXPECT_GT(created.model->packed_bytes(), 0u);
    ASSERT_TRUE(std::filesystem::exists(cache_file));
    const uint64_t header = PackedCacheFile::header_bytes(2 * 7 + 1, id.path.size());  // 2 layers x 7 matrices + output
    EXPECT_EQ(std::filesystem::file_size(cache_file), header + created.model->packed_bytes());
    EXPECT_EQ(created.logits, memory.logits);  // same bytes, same kernels

    const Loaded mapped = load(model, cache_dir);
    EXPECT_EQ(mapped.model->packed_from(), PackedFrom::cache_mapped);
    EXPECT_EQ(mapped.logits, memory.logits);
    // Only the final file remains (the temporary one was renamed).
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(cache_dir), std::filesystem::directory_iterator()), 1);

    // A damaged byte in the first packed group of the first matrix: found and rebuilt.
    {
        std::string bytes = read_bytes(cache_file);
        bytes[header + 100] ^= 0x5a;
        write_bytes(cache_file, bytes);
        const Loaded l = load(model, cache_dir);
        EXPECT_EQ(l.model->packed_from(), PackedFrom::cache_created);
        EXPECT_EQ(l.logits, memory.logits);
        EXPECT_EQ(load(model, cache_dir).model->packed_from(), PackedFrom::cache_mapped);
    }
    // A damaged header byte (the checksum covers it), then a truncated file.
    for (const bool truncate : {false, true}) {
        std::string bytes = read_bytes(cache_file);
        if (truncate) bytes.resize(bytes.size() - 4096);
        else bytes[20] ^= 1;
        write_bytes(cache_file, bytes);
        const Loaded l = load(model, cache_dir);
        EXPECT_EQ(l.model->packed_from(), PackedFrom::cache_created) << truncate;
        EXPECT_EQ(l.logits, memory.logits);
    }
    // The model file rewritten (a new modification time): the cache is rebuilt for it.
    std::filesystem::last_write_time(model, std::filesystem::last_write_time(model) + std::chrono::seconds(5));
    EXPECT_EQ(load(model, cache_dir).model->packed_from(), PackedFrom::cache_created);
    EXPECT_EQ(load(model, cache_dir).model->packed_from(), PackedFrom::cache_mapped);

    // A temporary file left by a killed writer goes when the cache is next written; one whose
    // writer still holds its lock stays.
    {
        const std::string dead = cache_file + ".tmp-dead01", live = cache_file + ".tmp-live01";
        write_bytes(dead, "partial");
        write_bytes(live, "partial");
        const int fd = ::open(live.c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
        std::filesystem::last_write_time(model, std::filesystem::last_write_time(model) + std::chrono::seconds(5));
        EXPECT_EQ(load(model, cache_dir).model->packed_from(), PackedFrom::cache_created);
        EXPECT_FALSE(std::filesystem::exists(dead));
        EXPECT_TRUE(std::filesystem::exists(live));
        ::close(fd);
        std::filesystem::remove(live);
    }

    // A cache directory that cannot be created (a file is in its way): repacked in memory.
    const std::string blocked = dir.file("blocked");
    write_bytes(blocked, "not a directory");
    const Loaded fallback = load(model, blocked + "/cache");
    EXPECT_EQ(fallback.model->packed_from(), PackedFrom::memory);
    EXPECT_EQ(fallback.logits, memory.logits);
    EXPECT_EQ(read_bytes(blocked), "not a directory");

    // A disk that would be left with less free space than asked for: repacked in memory, and
    // a cache there already is not touched.
    {
        LoadOptions lo;
        lo.repack_cache_dir = dir.file("full");
        lo.repack_cache_keep_free = uint64_t{1} << 60;
        const std::unique_ptr<Model> m = Model::load(model, lo);
        EXPECT_EQ(m->packed_from(), PackedFrom::memory);
        EXPECT_EQ(logits_of(*m), memory.logits);
        EXPECT_TRUE(!std::filesystem::exists(lo.repack_cache_dir) || std::filesystem::is_empty(lo.repack_cache_dir));
        lo.repack_cache_dir = cache_dir;
        EXPECT_EQ(Model::load(model, lo)->packed_from(), PackedFrom::cache_mapped);
    }

    // A cache directory in memory (tmpfs, as /dev/shm is on Linux) is not used.
    struct statfs fs {};
    if (::statfs("/dev/shm", &fs) == 0 && static_cast<unsigned long>(fs.f_type) == TMPFS_MAGIC) {
        const std::string shm = "/dev/shm/edgeseek-packed-cache-test-" + std::to_string(::getpid());
        EXPECT_EQ(load(model, shm).model->packed_from(), PackedFrom::memory);
        EXPECT_FALSE(std::filesystem::exists(shm + "/" + std::filesystem::path(cache_file).filename().string()));
        std::filesystem::remove_all(shm);
    }

    EXPECT_EQ(read_bytes(model), original);  // the model file is never written
}

// Before a cache is written, the directory loses the caches whose model file is gone or has
// changed since; other files, and .packed files it cannot read, stay.
TEST(PackedCache, CachesOfDeletedOrChangedModelsAreRemovedWhenACacheIsWritten) {
    const std::string fixture = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(fixture);
    if (!packable(GgmlType::Q8_0)) GTEST_SKIP() << "nothing is repacked on this CPU path";
    const test::TempDir dir;
    const std::string cache_dir = dir.file("cache");
    const std::string bytes = read_bytes(fixture);
    std::map<std::string, std::string> cache_of;
    for (const char* name : {"a.gguf", "b.gguf", "c.gguf", "d.gguf"}) {
        const std::string model = dir.file(name);
        write_bytes(model, bytes);
        LoadOptions lo;
        lo.repack_cache_dir = cache_dir;
        lo.repack_cache_keep_free = 0;
        ASSERT_EQ(Model::load(model, lo)->packed_from(), PackedFrom::cache_created);
        SourceIdentity id;
        ASSERT_TRUE(PackedCacheFile::identify(model, &id));
        cache_of[name] = PackedCacheFile::path_for(cache_dir, id);
        ASSERT_TRUE(std::filesystem::exists(cache_of[name]));
    }
    write_bytes(cache_dir + "/notes.txt", "mine");
    write_bytes(cache_dir + "/0123456789abcdef.packed", "not a cache this version wrote");
    std::filesystem::remove(dir.file("b.gguf"));  // deleted
    const std::string c = dir.file("c.gguf");
    std::filesystem::last_write_time(c, std::filesystem::last_write_time(c) + std::chrono::seconds(5));  // changed
    // d's cache is written again (its model changed too): the scan runs first.
    const std::string d = dir.file("d.gguf");
    std::filesystem::last_write_time(d, std::filesystem::last_write_time(d) + std::chrono::seconds(5));
    LoadOptions lo;
    lo.repack_cache_dir = cache_dir;
    lo.repack_cache_keep_free = 0;
    EXPECT_EQ(Model::load(d, lo)->packed_from(), PackedFrom::cache_created);
    EXPECT_TRUE(std::filesystem::exists(cache_of["a.gguf"]));
    EXPECT_FALSE(std::filesystem::exists(cache_of["b.gguf"]));
    EXPECT_FALSE(std::filesystem::exists(cache_of["c.gguf"]));
    EXPECT_TRUE(std::filesystem::exists(cache_of["d.gguf"]));
    EXPECT_EQ(read_bytes(cache_dir + "/notes.txt"), "mine");
    EXPECT_TRUE(std::filesystem::exists(cache_dir + "/0123456789abcdef.packed"));
    // a's cache is still the one mapped.
    EXPECT_EQ(Model::load(dir.file("a.gguf"), lo)->packed_from(), PackedFrom::cache_mapped);
}

// Which pages of the file at path are in the page cache.
std::vector<bool> resident_pages(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    const auto size = static_cast<size_t>(std::filesystem::file_size(path));
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    EXPECT_NE(p, MAP_FAILED);
    std::vector<unsigned char> vec((size + page - 1) / page);
    EXPECT_EQ(::mincore(p, size, vec.data()), 0);
    ::munmap(p, size);
    std::vector<bool> in(vec.size());
    for (size_t i = 0; i < vec.size(); ++i) in[i] = (vec[i] & 1) != 0;
    return in;
}

// Writing a cache gives back the model file's pages of the matrices it replaces: they leave
// the page cache, where the cache file's pages take their place (on a virtual machine those
// are then pages already backed, not fresh ones), except the rows a later load compares with
// the cache (the first, middle and last 16 of each matrix), which stay for that load to read.
TEST(PackedCache, WritingACacheTakesTheRepackedMatricesOutOfThePageCache) {
    const std::string fixture = test::fixture("models/tiny-llama-q8_0.gguf");
    EDGESEEK_REQUIRE_FIXTURE(fixture);
    if (!packable(GgmlType::Q8_0)) GTEST_SKIP() << "nothing is repacked on this CPU path";
    const test::TempDir dir;
    const std::string model = dir.file("model.gguf"), cache_dir = dir.file("cache");
    const std::string original = read_bytes(fixture);
    write_bytes(model, original);
    {
        // Written back (so that its pages can leave the page cache), dropped, and read in again
        // page by page: pages in folios of one page each, so that the kernel can drop any of
        // them alone (it drops only whole folios, and a file read in sequence, or just written,
        // sits in folios of up to 2 MiB, as large as this whole file).
        const int fd = ::open(model.c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::fsync(fd), 0);
        ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
        ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM), 0);
        const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
        std::string back(original.size(), '\0');
        for (size_t at = 0; at < back.size(); at += page) {
            const size_t n = std::min(page, back.size() - at);
            ASSERT_EQ(::pread(fd, back.data() + at, n, static_cast<off_t>(at)), static_cast<ssize_t>(n));
        }
        ::close(fd);
        ASSERT_EQ(back, original);
    }
    const std::vector<bool> before = resident_pages(model);
    ASSERT_EQ(std::count(before.begin(), before.end(), false), 0);

    const Loaded created = load(model, cache_dir);
    ASSERT_EQ(created.model->packed_from(), PackedFrom::cache_created);
    const std::vector<bool> after = resident_pages(model);

    // Per page: 0 = no byte of a repacked matrix, 1 = inside one and clear of its compared
    // rows (to be evicted), 2 = holding compared rows (to stay).
    const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    std::vector<int> want(after.size(), 0);
    const std::unique_ptr<GgufFile> file = GgufFile::open(model);
    size_t matrices = 0;
    for (const TensorInfo& t : file->tensors()) {
        const bool repacked = t.name == "output.weight" || (t.name.rfind("blk.", 0) == 0 && t.shape.size() == 2);
        if (!repacked) continue;
        ++matrices;
        const uint64_t begin = file->data_offset() + t.offset, end = begin + t.nbytes;
        for (uint64_t p = (begin + page - 1) / page; (p + 1) * page <= end; ++p) want[p] = std::max(want[p], 1);
        const int64_t rows = t.n_rows(), groups = (rows + 15) / 16;
        const uint64_t row_bytes = t.nbytes / static_cast<uint64_t>(rows);
        for (const int64_t g : {int64_t{0}, groups / 2, groups - 1}) {
            const uint64_t g0 = begin + static_cast<uint64_t>(g) * 16 * row_bytes;
            const uint64_t g1 = std::min(end, g0 + 16 * row_bytes);
            for (uint64_t p = g0 / page; p * page < g1; ++p) want[p] = 2;
        }
    }
    EXPECT_EQ(matrices, 2u * 7 + 1);
    size_t evicted = 0, to_evict = 0, kept = 0, to_keep = 0;
    for (size_t p = 0; p < want.size(); ++p) {
        if (want[p] == 1) {
            ++to_evict;
            evicted += !after[p];
        } else {
            ++to_keep;
            kept += after[p];
        }
    }
    EXPECT_GT(to_evict, want.size() / 2);
    EXPECT_EQ(evicted, to_evict) << "pages of the repacked matrices still in the page cache";
    EXPECT_EQ(kept, to_keep) << "pages of compared rows or of other tensors dropped";

    // The next load maps the cache (reading the kept rows) and computes the same logits.
    const Loaded mapped = load(model, cache_dir);
    EXPECT_EQ(mapped.model->packed_from(), PackedFrom::cache_mapped);
    EXPECT_EQ(mapped.logits, created.logits);
    EXPECT_EQ(read_bytes(model), original);
}

}  // namespace
}  // namespace edgeseek
