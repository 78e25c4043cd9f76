#include "model/packed_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/hash.h"
#include "kernels/packed.h"

namespace edgeseek {

namespace {

constexpr char kMagic[16] = "EDGESEEK-PACKED";  // and the terminating zero: 16 bytes

// Where header_image puts its fixed fields (remove_stale_caches reads them back): the magic,
// u32 version, u32 matrix count, then source size, mtime, inode, device and data bytes.
constexpr size_t kCountAt = sizeof kMagic + 4;
constexpr size_t kSourceAt = sizeof kMagic + 8;
constexpr size_t kFixedFields = kSourceAt + 5 * 8;  // up to the matrix list
constexpr size_t fields_bytes(size_t n_matrices, size_t path_bytes) {
    return kFixedFields + n_matrices * 32 + 4 + path_bytes;
}

// The header this load writes, and expects to find: the fields, then their FNV-1a 64.
std::vector<uint8_t> header_image(const SourceIdentity& src, const std::vector<PackedMatrixEntry>& m, uint64_t data_bytes) {
    std::vector<uint8_t> h(fields_bytes(m.size(), src.path.size()) + 8);
    std::memcpy(h.data(), kMagic, sizeof kMagic);
    size_t at = sizeof kMagic;
    auto put = [&h, &at](auto v) {
        std::memcpy(h.data() + at, &v, sizeof v);  // little-endian hosts only (x86-64, AArch64)
        at += sizeof v;
    };
    put(kPackedLayoutVersion);
    put(static_cast<uint32_t>(m.size()));  // at kCountAt
    for (uint64_t v : {src.size, src.mtime_ns, src.inode, src.device, data_bytes}) put(v);  // from kSourceAt
    for (const PackedMatrixEntry& e : m) {
        put(static_cast<uint32_t>(e.type));
        put(uint32_t{0});
        put(e.rows);
        put(e.cols);
        put(e.offset);
    }
    put(static_cast<uint32_t>(src.path.size()));
    std::memcpy(h.data() + at, src.path.data(), src.path.size());
    at += src.path.size();
    const uint64_t sum = fnv1a64(h.data(), at);
    std::memcpy(h.data() + at, &sum, 8);
    return h;
}

std::string errno_text() { return std::strerror(errno); }

// Asks for the file's pages in 2 MiB folios, mapped as huge pages (kernels with large folios
// for the file system: far fewer TLB misses when the kernels stream the weights). Advisory.
void advise_huge(void* p, size_t len) {
#if defined(MADV_HUGEPAGE)
    ::madvise(p, len, MADV_HUGEPAGE);
#endif
    (void)p, (void)len;
}

// Temporary files of `path` left by a writer that died (killed while packing): nobody holds
// their lock. Each may be as large as the model, so they are not left to accumulate.
void remove_abandoned_temps(const std::string& path) {
    const std::filesystem::path p(path);
    const std::string prefix = p.filename().string() + ".tmp-";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(p.parent_path(), ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(e.path().c_str());
        ::close(fd);
    }
}

// The cache files in dir whose model file no longer exists or has changed since (read from
// their headers); files this version cannot read are left alone.
void remove_stale_caches(const std::string& dir) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().extension() != ".packed") continue;
        const int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        uint8_t fixed[kFixedFields];
        uint32_t count = 0, len = 0;
        std::string path;
        bool ok = ::pread(fd, fixed, sizeof fixed, 0) == static_cast<ssize_t>(sizeof fixed) &&
                  std::memcmp(fixed, kMagic, sizeof kMagic) == 0;
        if (ok) {
            std::memcpy(&count, fixed + kCountAt, 4);
            const auto at = static_cast<off_t>(kFixedFields + uint64_t{count} * 32);
            ok = count < (1u << 20) && ::pread(fd, &len, 4, at) == 4 && len > 0 && len <= 4096;
            if (ok) {
                path.resize(len);
                ok = ::pread(fd, path.data(), len, at + 4) == static_cast<ssize_t>(len);
            }
        }
        ::close(fd);
        if (!ok) continue;
        SourceIdentity now;
        uint64_t then[4];
        std::memcpy(then, fixed + kSourceAt, sizeof then);  // size, mtime, inode, device
        struct stat st {};
        const bool gone = ::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
        const bool changed = !gone && PackedCacheFile::identify(path, &now) &&
                             (now.size != then[0] || now.mtime_ns != then[1] || now.inode != then[2] || now.device != then[3]);
        if (gone || changed) ::unlink(e.path().c_str());
    }
}

}  // namespace

std::string packed_cache_dir() {
    if (const char* d = std::getenv("EDGESEEK_REPACK_CACHE_DIR"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/edgeseek/packed";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/edgeseek/packed";
    return {};  // no home (a service account): no cache rather than one in a shared /tmp
}

uint64_t packed_cache_keep_free() {
    constexpr uint64_t kDefault = uint64_t{1} << 30;
    const char* v = std::getenv("EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB");
    if (!v || !*v) return kDefault;
    char* end = nullptr;
    errno = 0;
    const unsigned long long mib = std::strtoull(v, &end, 10);
    if (*v == '-' || *end != '\0' || errno == ERANGE || mib > (uint64_t{1} << 43)) {
        std::fprintf(stderr,
                     "edgeseek: note: ignoring EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB=%s (want a whole number of MiB, "
                     "e.g. 1024); keeping 1 GiB free\n",
                     v);
        return kDefault;
    }
    return static_cast<uint64_t>(mib) << 20;
}

uint64_t PackedCacheFile::header_bytes(size_t n_matrices, size_t source_path_bytes) {
    constexpr uint64_t kHuge = uint64_t{2} << 20;
    return (fields_bytes(n_matrices, source_path_bytes) + 8 + kHuge - 1) / kHuge * kHuge;  // + the checksum
}

std::string PackedCacheFile::path_for(const std::string& dir, const SourceIdentity& source) {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx.packed",
                  static_cast<unsigned long long>(fnv1a64(source.path.data(), source.path.size())));
    return dir + "/" + name;
}

bool PackedCacheFile::identify(const std::string& source_path, SourceIdentity* id) {
    struct stat st {};
    if (source_path.empty() || ::stat(source_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    std::error_code ec;
    id->path = std::filesystem::absolute(source_path, ec).lexically_normal().string();
    if (ec) return false;
    id->size = static_cast<uint64_t>(st.st_size);
    id->mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + static_cast<uint64_t>(st.st_mtim.tv_nsec);
    id->inode = static_cast<uint64_t>(st.st_ino);
    id->device = static_cast<uint64_t>(st.st_dev);
    return true;
}

PackedCacheFile PackedCacheFile::open(const std::string& path, const SourceIdentity& source,
                                      const std::vector<PackedMatrixEntry>& matrices, uint64_t data_bytes,
                                      std::string* why) {
    why->clear();
    PackedCacheFile f;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR) *why = "cannot open " + path + ": " + errno_text();
        return f;
    }
    const std::vector<uint8_t> want = header_image(source, matrices, data_bytes);
    const uint64_t header = header_bytes(matrices.size(), source.path.size()), want_size = header + data_bytes;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != want_size) {
        *why = path + " has " + std::to_string(st.st_size) + " bytes, expected " + std::to_string(want_size);
    } else {
        std::vector<uint8_t> got(want.size());
        if (::pread(fd, got.data(), got.size(), 0) != static_cast<ssize_t>(got.size()) || got != want) {
            *why = path + " was written for another file, version or layout";
        } else {
            void* p = ::mmap(nullptr, want_size, PROT_READ, MAP_SHARED, fd, 0);
            if (p == MAP_FAILED) {
                *why = "cannot map " + path + ": " + errno_text();
            } else {
                advise_huge(p, want_size);
                f.base_ = static_cast<uint8_t*>(p);
                f.len_ = want_size;
                f.header_ = header;
                f.path_ = path;
            }
        }
    }
    ::close(fd);
    return f;
}

PackedCacheFile PackedCacheFile::create(const std::string& path, const SourceIdentity& source,
                                        const std::vector<PackedMatrixEntry>& matrices, uint64_t data_bytes,
                                        uint64_t keep_free, std::string* why) {
    why->clear();
    PackedCacheFile f;
    const std::vector<uint8_t> header = header_image(source, matrices, data_bytes);
    const uint64_t header_len = header_bytes(matrices.size(), source.path.size());

    std::error_code ec;
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        *why = "cannot create " + dir.string() + ": " + ec.message();
        return f;
    }
    remove_abandoned_temps(path);
    remove_stale_caches(dir.string());
    const uint64_t size = header_len + data_bytes;
    // A file in memory (tmpfs) would hold RAM after the process ends and save nothing.
    struct statfs fs {};
    if (::statfs(dir.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == TMPFS_MAGIC) {
        *why = dir.string() + " is in memory (tmpfs)";
        return f;
    }
    // A cache must not fill the disk: it is skipped unless keep_free bytes stay free beside it.
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) == 0) {
        const uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        if (avail < size || avail - size < keep_free) {
            *why = "only " + std::to_string(avail >> 20) + " MiB free in " + dir.string() + " (the cache needs " +
                   std::to_string(size >> 20) + " MiB and leaves " + std::to_string(keep_free >> 20) +
                   " MiB free; EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB sets that)";
            return f;
        }
    }
    std::string temp = path + ".tmp-XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) {
        *why = "cannot create a file in " + dir.string() + ": " + errno_text();
        return f;
    }
    // Held until the file is published or dropped: another process finding the temporary
    // file unlocked knows its writer died (remove_abandoned_temps).
    ::flock(fd, LOCK_EX);
    // Reserve the blocks now: a write through the mapping into a full disk would be a SIGBUS.
    const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
    void* p = MAP_FAILED;
    if (rc != 0) {
        *why = "cannot reserve " + std::to_string(size >> 20) + " MiB in " + dir.string() + ": " + std::strerror(rc);
    } else if (::pwrite(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size())) {
        *why = "cannot write " + temp + ": " + errno_text();
    } else if ((p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        *why = "cannot map " + temp + ": " + errno_text();
    }
    if (p == MAP_FAILED) {
        ::unlink(temp.c_str());
        ::close(fd);
        return f;
    }
    f.temp_fd_ = fd;
    advise_huge(p, size);
    f.base_ = static_cast<uint8_t*>(p);
    f.len_ = size;
    f.header_ = header_len;
    f.path_ = path;
    f.temp_path_ = temp;
    return f;
}

bool PackedCacheFile::publish(std::string* why) {
    if (temp_path_.empty()) return true;
    // Read-only from here on, as an opened cache is.
    ::mprotect(base_, len_, PROT_READ);
    const bool ok = ::rename(temp_path_.c_str(), path_.c_str()) == 0;
    if (!ok) {
        *why = "cannot rename " + temp_path_ + " to " + path_ + ": " + errno_text();
        ::unlink(temp_path_.c_str());
    }
    temp_path_.clear();
    ::close(temp_fd_);  // and its lock
    temp_fd_ = -1;
    return ok;
}

void PackedCacheFile::release() {
    if (base_) ::munmap(base_, len_);
    if (!temp_path_.empty()) ::unlink(temp_path_.c_str());  // never completed
    if (temp_fd_ >= 0) ::close(temp_fd_);
    temp_fd_ = -1;
    base_ = nullptr;
    len_ = 0;
    header_ = 0;
    path_.clear();
    temp_path_.clear();
}

PackedCacheFile::~PackedCacheFile() { release(); }

PackedCacheFile::PackedCacheFile(PackedCacheFile&& o) noexcept { *this = std::move(o); }

PackedCacheFile& PackedCacheFile::operator=(PackedCacheFile&& o) noexcept {
    if (this != &o) {
        release();
        base_ = o.base_;
        len_ = o.len_;
        header_ = o.header_;
        path_ = std::move(o.path_);
        temp_path_ = std::move(o.temp_path_);
        temp_fd_ = o.temp_fd_;
        o.temp_fd_ = -1;
        o.base_ = nullptr;
        o.len_ = 0;
        o.temp_path_.clear();
    }
    return *this;
}

}  // namespace edgeseek
