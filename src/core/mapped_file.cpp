#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace edgeseek {

MappedFile::MappedFile(const std::string& path, bool use_mmap) : path_(path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw Error(std::string("cannot open file: ") + std::strerror(errno), path,
                    "check the path and the file's permissions");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const bool dir = S_ISDIR(st.st_mode);
        ::close(fd);
        throw Error(dir ? "is a directory, not a file" : "not a regular file", path,
                    dir ? "pass the model file inside it" : "pass the path of a model file");
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) {
        ::close(fd);
        data_ = nullptr;
        return;
    }
    if (use_mmap) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            fd_ = fd;
            data_ = static_cast<const uint8_t*>(p);
            mapped_ = true;
            map_len_ = size_;
            return;
        }
        // Fall through to reading when the filesystem cannot map.
    }
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t len = (size_ + kHuge - 1) / kHuge * kHuge;
    void* buf = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        throw Error(std::string("cannot allocate memory for the file: ") + std::strerror(e), path,
                    "free memory, or drop --no-mmap to map the file instead");
    }
#if defined(MADV_HUGEPAGE)
    ::madvise(buf, len, MADV_HUGEPAGE);  // advisory: ignored where THP is off
#endif
    uint8_t* dst = static_cast<uint8_t*>(buf);
    size_t done = 0;
    while (done < size_) {
        ssize_t n = ::pread(fd, dst + done, size_ - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            ::munmap(buf, len);
            throw Error(std::string("read failed: ") + (n == 0 ? "unexpected end of file" : std::strerror(e)),
                        path + " at byte " + std::to_string(done), "check the disk and the file");
        }
        done += static_cast<size_t>(n);
    }
    ::close(fd);
    data_ = dst;
    anon_ = true;
    map_len_ = len;
}

MappedFile MappedFile::from_memory(const uint8_t* data, size_t size) {
    MappedFile m;
    m.path_ = "<memory>";
    m.data_ = data;
    m.size_ = size;
    return m;
}

void MappedFile::evict(const uint8_t* data, uint64_t nbytes) const {
    if (!mapped_ || nbytes == 0 || data < data_ || data + nbytes > data_ + size_) return;
    release_mapped_pages(data, nbytes);
    // The kernel drops only the pages wholly inside the range, and none that are mapped.
    ::posix_fadvise(fd_, static_cast<off_t>(data - data_), static_cast<off_t>(nbytes), POSIX_FADV_DONTNEED);
}

void MappedFile::release() {
    if ((mapped_ || anon_) && data_) ::munmap(const_cast<uint8_t*>(data_), map_len_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    mapped_ = false;
    anon_ = false;
    data_ = nullptr;
    size_ = 0;
    map_len_ = 0;
}

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& o) noexcept { *this = std::move(o); }

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
    if (this != &o) {
        release();
        path_ = std::move(o.path_);
        mapped_ = o.mapped_;
        size_ = o.size_;
        map_len_ = o.map_len_;
        anon_ = o.anon_;
        fd_ = o.fd_;
        o.fd_ = -1;
        data_ = o.data_;
        o.data_ = nullptr;
        o.size_ = 0;
        o.map_len_ = 0;
        o.mapped_ = false;
        o.anon_ = false;
    }
    return *this;
}

void release_mapped_pages(const uint8_t* data, uint64_t nbytes) {
    if (nbytes == 0) return;
    const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto first = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
    const auto last = (reinterpret_cast<uintptr_t>(data) + nbytes) / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

AnonymousMemory::AnonymousMemory(size_t bytes, const std::string& what) {
    if (bytes == 0) return;
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t len = (bytes + kHuge - 1) / kHuge * kHuge;
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        throw Error("cannot allocate " + std::to_string(bytes >> 20) + " MiB: " + std::strerror(errno), what,
                    "free memory or use a smaller model");
    }
#if defined(MADV_HUGEPAGE)
    ::madvise(p, len, MADV_HUGEPAGE);  // advisory: ignored where THP is off
#endif
    data_ = static_cast<uint8_t*>(p);
    size_ = bytes;
    len_ = len;
}

AnonymousMemory::~AnonymousMemory() {
    if (data_) ::munmap(data_, len_);
}

AnonymousMemory::AnonymousMemory(AnonymousMemory&& o) noexcept { *this = std::move(o); }

AnonymousMemory& AnonymousMemory::operator=(AnonymousMemory&& o) noexcept {
    if (this != &o) {
        if (data_) ::munmap(data_, len_);
        data_ = o.data_;
        size_ = o.size_;
        len_ = o.len_;
        o.data_ = nullptr;
        o.size_ = o.len_ = 0;
    }
    return *this;
}

}  // namespace edgeseek
