// Read-only bytes of a file: memory-mapped (default) or read into memory (--no-mmap).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace edgeseek {

class MappedFile {
public:
    MappedFile() = default;
    // Throws Error when the file cannot be opened or read.
    MappedFile(const std::string& path, bool use_mmap);
    ~MappedFile();
    MappedFile(MappedFile&& o) noexcept;
    MappedFile& operator=(MappedFile&& o) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // Wraps caller-owned bytes (tests, fuzzing); nothing is copied.
    static MappedFile from_memory(const uint8_t* data, size_t size);

    const uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    const std::string& path() const { return path_; }
    bool is_mapped() const { return mapped_; }
    // The file was read into an anonymous buffer of this object's (--no-mmap).
    bool is_in_memory() const { return anon_; }
    // For bytes [data, data + nbytes) of a mapped file that a copy elsewhere replaces for good
    // (the repacked-weight cache file): their whole pages are dropped from this process and
    // from the page cache (pages another process maps stay), so the memory goes back to the
    // system while the copy is written, instead of holding both. Advisory; bytes read again
    // come back from the file. Nothing for a file read into memory.
    void evict(const uint8_t* data, uint64_t nbytes) const;

private:
    void release();
    std::string path_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    bool mapped_ = false;
    // Bytes to munmap: the file mapping, or (--no-mmap) the anonymous buffer it was read into,
    // rounded up to 2 MiB and advised for transparent huge pages (fewer TLB misses in decode).
    size_t map_len_ = 0;
    bool anon_ = false;  // data_ is that anonymous buffer (is_mapped() stays false: not file pages)
    int fd_ = -1;        // kept open while mapped (evict)
};

// Drops the whole pages inside [data, data + nbytes) of a file mapping from this process
// (advisory; the page cache keeps them and they fault back in from the file if read again).
void release_mapped_pages(const uint8_t* data, uint64_t nbytes);

// Zero-filled anonymous memory, page aligned, advised for transparent huge pages; freed with
// the object. Throws Error (naming `what`) when the system refuses the allocation.
class AnonymousMemory {
public:
    AnonymousMemory() = default;
    AnonymousMemory(size_t bytes, const std::string& what);
    ~AnonymousMemory();
    AnonymousMemory(AnonymousMemory&& o) noexcept;
    AnonymousMemory& operator=(AnonymousMemory&& o) noexcept;
    AnonymousMemory(const AnonymousMemory&) = delete;
    AnonymousMemory& operator=(const AnonymousMemory&) = delete;

    uint8_t* data() const { return data_; }
    size_t size() const { return size_; }

private:
    uint8_t* data_ = nullptr;
    size_t size_ = 0, len_ = 0;
};

}  // namespace edgeseek
