// Load-time repacking of the matrices matmul has packed kernels for (kernels/packed.h).
#include <algorithm>
#include <atomic>
#include <thread>

#include "kernels/packed.h"
#include "model/model.h"

namespace edgeseek {

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
