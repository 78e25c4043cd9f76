// Load-time repacking of the matrices matmul has packed kernels for (kernels/packed.h).
#include <algorithm>
#include <atomic>
#include <cstdio>
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

}  // namespace

void Model::repack_weights() {
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
    for (size_t i = 0; i < todo.size(); ++i) {
        // Each matrix starts on a 64-byte boundary (the kernels use aligned loads).
        offset[i + 1] = offset[i] + (edgeseek::packed_bytes(todo[i]->type, todo[i]->rows, todo[i]->cols) + 63) / 64 * 64;
    }
    // The packed copy is anonymous memory (no swap file behind it on phones and small
    // servers): a model that fits only as a mapped file, paged in and out by the kernel, keeps
    // its file layout rather than being killed for memory halfway through the load.
    const uint64_t available = available_memory_bytes();
    if (available > 0 && offset.back() > available / 10 * 9) {
        std::fprintf(stderr,
                     "edgeseek: note: not repacking the weights (%llu MiB) for the AVX-512 kernels: only %llu MiB of "
                     "memory available; computing from the mapped file instead (slower)\n",
                     static_cast<unsigned long long>(offset.back() >> 20), static_cast<unsigned long long>(available >> 20));
        return;
    }
    packed_ = AnonymousMemory(offset.back(), file_->path() + ": repacking weights");
    // The file's copy of a packed matrix is never read again (matmul reads the packed one),
    // except token_embd's when the output matrix shares it: its pages go back to the system.
    const bool mapped = file_->is_mapped(), in_memory = file_->is_in_memory();
    const void* embd = weights_.token_embd.data;
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next.fetch_add(1); i < todo.size(); i = next.fetch_add(1)) {
            TensorView& v = *todo[i];
            uint8_t* dst = packed_.data() + offset[i];
            pack_groups(v.type, static_cast<const uint8_t*>(v.data), v.rows, v.cols, 0,
                        (v.rows + kPackRows - 1) / kPackRows, dst);
            if (v.data != embd && (mapped || in_memory)) {
                release_mapped_pages(static_cast<const uint8_t*>(v.data), v.rows * v.row_bytes());
                // Released anonymous pages read back as zeros: nothing may use the old copy.
                if (in_memory) v.data = nullptr;
            }
            v.packed = dst;
        }
    };
    const unsigned n = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
    work();
    for (std::thread& t : threads) t.join();
}

}  // namespace edgeseek
