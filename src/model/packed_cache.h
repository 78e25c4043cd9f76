// A model's repacked matrices (kernels/packed.h) kept in a file, so that a later load maps
// them from the page cache: no repacking and no fresh anonymous memory (which a virtual machine
// may have to back page by page: seconds for a 7B model), and every process running the model
// shares the same pages.
//
// One file per model path: <dir>/<64-bit hash of the absolute path>.packed, where dir is
// $EDGESEEK_REPACK_CACHE_DIR, else $XDG_CACHE_HOME/edgeseek/packed, else ~/.cache/edgeseek/packed
// (none without a home directory; none on tmpfs, where the file would only hold memory).
//   header, little-endian, padded with zeros to a multiple of 2 MiB (the data then lies on
//   the huge pages as the anonymous copy does): magic "EDGESEEK-PACKED\0", u32 layout version
//     (kPackedLayoutVersion), u32 matrix count, u64 source size, u64 source mtime (ns), u64
//     source inode, u64 source device, u64 data bytes; per matrix u32 type, u32 zero, i64
//     rows, i64 cols, u64 offset; u32 length and bytes of the source's absolute path; then
//     the FNV-1a 64 of the bytes before it.
//   then the packed matrices, each at its offset from the header's end.
// While a file is written, the model file's pages of the matrices it replaces leave the page
// cache (Model::repack_weights, MappedFile::evict), so the new pages are ones just freed.
// A file is written under a temporary name (space reserved first, so a full disk is an error
// at creation, not a crash while packing; skipped unless 1 GiB stays free, or
// $EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB) and renamed into
// place when complete; readers see the old file or the new one, never half of one. A writer
// holds a lock on its temporary file, so one left by a killed process is found and removed.
// Before a cache is written, caches in the directory whose model file is gone or has changed
// since are deleted (each is as large as its model); a model that comes back (say, on a disk
// mounted again) gets a new cache at its next load.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "quant/types.h"

namespace edgeseek {

struct PackedMatrixEntry {
    GgmlType type = GgmlType::F32;
    int64_t rows = 0, cols = 0;
    uint64_t offset = 0;  // within the data
};

// What identifies the file a cache was built from (a changed file gets a new cache).
struct SourceIdentity {
    std::string path;  // absolute, normalized
    uint64_t size = 0, mtime_ns = 0, inode = 0, device = 0;
    bool operator==(const SourceIdentity&) const = default;
};

// The directory the cache files go to (not created here); empty when there is none.
std::string packed_cache_dir();
// Disk space a cache write leaves free: $EDGESEEK_REPACK_CACHE_KEEP_FREE_MIB MiB, else 1 GiB.
uint64_t packed_cache_keep_free();

class PackedCacheFile {
public:
    PackedCacheFile() = default;
    ~PackedCacheFile();
    PackedCacheFile(PackedCacheFile&& o) noexcept;
    PackedCacheFile& operator=(PackedCacheFile&& o) noexcept;
    PackedCacheFile(const PackedCacheFile&) = delete;
    PackedCacheFile& operator=(const PackedCacheFile&) = delete;

    // The identity of source_path (false when it cannot be stat'ed: no cache then), and the
    // cache file for it in dir.
    static bool identify(const std::string& source_path, SourceIdentity* id);
    static std::string path_for(const std::string& dir, const SourceIdentity& source);

    // Maps the cache file at `path` read-only when its header says exactly this source, layout
    // and matrix list; otherwise returns an empty object and says why in *why ("" when the
    // file does not exist). The data itself is not checked here (see Model::repack_weights).
    static PackedCacheFile open(const std::string& path, const SourceIdentity& source,
                                const std::vector<PackedMatrixEntry>& matrices, uint64_t data_bytes, std::string* why);
    // Creates a file to pack into, mapped writable: a temporary name beside `path`, with the
    // header written and data_bytes reserved on disk. Empty object (and *why) on failure:
    // directory not writable, disk full.
    // Not written (empty object) when fewer than keep_free bytes would stay free beside it.
    static PackedCacheFile create(const std::string& path, const SourceIdentity& source,
                                  const std::vector<PackedMatrixEntry>& matrices, uint64_t data_bytes,
                                  uint64_t keep_free, std::string* why);
    // A created file, fully written: renamed to its final path (false and *why on failure,
    // the mapping stays usable either way).
    bool publish(std::string* why);

    // Bytes of the header of a file with n matrices (where the data starts).
    static uint64_t header_bytes(size_t n_matrices, size_t source_path_bytes);

    bool valid() const { return base_ != nullptr; }
    uint8_t* data() const { return base_ ? base_ + header_ : nullptr; }
    const std::string& path() const { return path_; }

private:
    void release();
    uint8_t* base_ = nullptr;  // whole-file mapping
    size_t len_ = 0;
    uint64_t header_ = 0;
    std::string path_;         // final path
    std::string temp_path_;    // set while a created file is not yet published,
    int temp_fd_ = -1;         // and its descriptor, holding an exclusive flock
};

}  // namespace edgeseek
