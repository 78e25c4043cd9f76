// Load-time repacking of the matrices matmul has packed kernels for (kernels/packed.h).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "kernels/packed.h"
#include "model/model.h"

namespace edgeseek {

namespace {

// MemAvailable from /proc/meminfo (free memory plus reclaimable page cache), 0 if unknown.
uint64_t available_memory_bytes() {
    std::FILE* f = std::fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[256];
    unsigned long long kb = 0;
    while (std::fgets(line, sizeof line, f)) {
        if (std::sscanf(line, "MemAvailable: %llu kB", &kb) == 1) break;
    }
    std::fclose(f);
    return static_cast<uint64_t>(kb) * 1024;
}

// The groups of a matrix that cache_matches packs again from the file.
std::array<int64_t, 3> sampled_groups(const TensorView& v) {
    const int64_t groups = (v.rows + kPackRows - 1) / kPackRows;
    return {0, groups / 2, groups - 1};
}

// The sampled groups of every matrix, packed again from the file and compared with the
// cache's bytes: a cache from a different packer or a damaged copy is not used.
bool cache_matches(const std::vector<TensorView*>& todo, const std::vector<size_t>& offset, const uint8_t* data,
                   std::string* why) {
    std::vector<uint8_t> buf;
    for (size_t i = 0; i < todo.size(); ++i) {
        const TensorView& v = *todo[i];
        const size_t group = packed_group_bytes(v.type, v.cols);
        buf.resize(group);
        for (int64_t g : sampled_groups(v)) {
            std::fill(buf.begin(), buf.end(), uint8_t{0});
            const auto* src = static_cast<const uint8_t*>(v.data) + static_cast<size_t>(g) * kPackRows * v.row_bytes();
            pack_groups(v.type, src, v.rows - g * kPackRows, v.cols, 0, 1, buf.data());
            if (std::memcmp(buf.data(), data + offset[i] + static_cast<size_t>(g) * group, group) != 0) {
                *why = "rows " + std::to_string(g * kPackRows) + ".. of tensor '" + v.name + "' differ from the model file's";
                return false;
            }
        }
    }
    return true;
}

}  // namespace

void Model::repack_weights(const LoadOptions& opts) {
    std::vector<TensorView*> todo;
    auto consider = [&](TensorView& v) {
        if (!v.empty() && !v.packed && packable(v.type) && v.cols % packed_col_multiple(v.type) == 0) todo.push_back(&v);
    };
    for (LayerWeights& L : weights_.layers) {
        for (TensorView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) consider(*v);
    }
    consider(weights_.output);
    if (todo.empty()) return;
    std::vector<size_t> offset(todo.size() + 1, 0);
    std::vector<PackedMatrixEntry> entries;
    for (size_t i = 0; i < todo.size(); ++i) {
        // Each matrix starts on a 64-byte boundary (the kernels use aligned loads).
        offset[i + 1] = offset[i] + (edgeseek::packed_bytes(todo[i]->type, todo[i]->rows, todo[i]->cols) + 63) / 64 * 64;
        entries.push_back({todo[i]->type, todo[i]->rows, todo[i]->cols, offset[i]});
    }
    const uint64_t total = offset.back();

    // The file's copy of a packed matrix is never read again (matmul reads the packed one),
    // except token_embd's when the output matrix shares it: its pages go back to the system.
    // With `evict` (a cache file being written, which later loads map instead) a mapped file's
    // pages leave the page cache too, all but the rows cache_matches reads at the next load (a
    // few per matrix, which would otherwise come back from the disk: ~1 s for the 7B): the
    // pages the cache file takes are then pages just freed, which a virtual machine has
    // already backed (docs/PERFORMANCE.md, "The load that writes the cache").
    const bool mapped = file_->is_mapped(), in_memory = file_->is_in_memory();
    const void* embd = weights_.token_embd.data;
    auto use = [&](size_t i, uint8_t* dst, bool evict) {
        TensorView& v = *todo[i];
        if (v.data != embd && (mapped || in_memory)) {
            const auto* src = static_cast<const uint8_t*>(v.data);
            const uint64_t all = v.rows * v.row_bytes();
            release_mapped_pages(src, all);
            if (evict && mapped) {
                const uint64_t group_bytes = uint64_t{kPackRows} * v.row_bytes();
                uint64_t from = 0;
                for (int64_t g : sampled_groups(v)) {
                    const uint64_t at = std::min(all, static_cast<uint64_t>(g) * group_bytes);
                    if (at > from) file_->evict(src + from, at - from);
                    from = std::max(from, std::min(all, at + group_bytes));
                }
                if (all > from) file_->evict(src + from, all - from);
            }
            // Released anonymous pages read back as zeros: nothing may use the old copy.
            if (in_memory) v.data = nullptr;
        }
        v.packed = dst;
    };
    auto pack_all = [&](uint8_t* base, bool evict) {
        std::atomic<size_t> next{0};
        auto work = [&] {
            for (size_t i = next.fetch_add(1); i < todo.size(); i = next.fetch_add(1)) {
                TensorView& v = *todo[i];
                pack_groups(v.type, static_cast<const uint8_t*>(v.data), v.rows, v.cols, 0,
                            (v.rows + kPackRows - 1) / kPackRows, base + offset[i]);
                use(i, base + offset[i], evict);
            }
        };
        const unsigned n = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
        std::vector<std::thread> threads;
        for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
        work();
        for (std::thread& t : threads) t.join();
    };

    SourceIdentity source;
    const std::string dir = !opts.repack_cache ? std::string() : opts.repack_cache_dir.empty() ? packed_cache_dir() : opts.repack_cache_dir;
    if (!dir.empty() && PackedCacheFile::identify(file_->path(), &source)) {
        const std::string path = PackedCacheFile::path_for(dir, source);
        std::string why;
        PackedCacheFile cache = PackedCacheFile::open(path, source, entries, total, &why);
        if (cache.valid() && cache_matches(todo, offset, cache.data(), &why)) {
            for (size_t i = 0; i < todo.size(); ++i) use(i, cache.data() + offset[i], false);
            packed_file_ = std::move(cache);
            packed_bytes_ = total;
            packed_from_ = PackedFrom::cache_mapped;
            return;
        }
        if (!why.empty()) std::fprintf(stderr, "edgeseek: note: not using the repacked-weight cache: %s; rebuilding it\n", why.c_str());
        cache = PackedCacheFile();  // unmapped before it is replaced
        cache = PackedCacheFile::create(path, source, entries, total,
                                        opts.repack_cache_keep_free.value_or(packed_cache_keep_free()), &why);
        if (cache.valid()) {
            pack_all(cache.data(), true);
            if (cache.publish(&why)) {
                std::fprintf(stderr,
                             "edgeseek: note: repacked weights (%llu MiB) cached in %s; later loads of this file map them "
                             "instead of repacking (--no-repack-cache keeps nothing on disk)\n",
                             static_cast<unsigned long long>(total >> 20), path.c_str());
            } else {
                std::fprintf(stderr, "edgeseek: note: repacked weights not cached: %s\n", why.c_str());
            }
            packed_file_ = std::move(cache);
            packed_bytes_ = total;
            packed_from_ = PackedFrom::cache_created;
            return;
        }
        std::fprintf(stderr, "edgeseek: note: repacked weights not cached (%s); repacking into memory\n", why.c_str());
    }

    // The packed copy is anonymous memory (no swap file behind it on phones and small
    // servers): a model that fits only as a mapped file, paged in and out by the kernel, keeps
    // its file layout rather than being killed for memory halfway through the load.
    const uint64_t available = available_memory_bytes();
    if (available > 0 && total > available / 10 * 9) {
        std::fprintf(stderr,
                     "edgeseek: note: not repacking the weights (%llu MiB) for the AVX-512 kernels: only %llu MiB of "
                     "memory available; computing from the mapped file instead (slower)\n",
                     static_cast<unsigned long long>(total >> 20), static_cast<unsigned long long>(available >> 20));
        return;
    }
    packed_ = AnonymousMemory(total, file_->path() + ": repacking weights");
    pack_all(packed_.data(), false);
    packed_bytes_ = total;
    packed_from_ = PackedFrom::memory;
}

}  // namespace edgeseek
