#include "quantize/model_quantizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <thread>

#include "core/error.h"
#include "gguf/gguf_writer.h"
#include "kernels/thread_pool.h"

namespace edgeseek {
namespace {

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION
constexpr int64_t kValuesPerSlice = int64_t{4} << 20;  // rows handed to the pool at once, for progress

// Scratch of one writing pass: a row of floats per thread and the first error each thread hit.
struct RowWorkspace {
    std::vector<std::vector<float>> rows;
    std::vector<std::exception_ptr> errors;
};

void check_row_finite(const float* x, int64_t n, int64_t row, const std::string& where) {
    for (int64_t c = 0; c < n; ++c) {
        if (!std::isfinite(x[c])) {
            throw Error("value at index " + std::to_string(row * n + c) + " (row " + std::to_string(row) + ", column " +
                            std::to_string(c) + ") is " + (std::isnan(x[c]) ? "NaN" : "infinite"),
                        where, "the source weights are corrupt; quantizing them would hide that");
        }
    }
}

// Converts (or copies) rows [begin, end) of one tensor into dst, checking every value is finite.
void process_rows(const TensorPlan& p, const std::string& where, uint8_t* dst, int64_t begin, int64_t end,
                  std::vector<float>& row) {
    const TypeTraits* src_t = type_traits(p.in->type);
    const TypeTraits* dst_t = type_traits(p.type);
    const int64_t n = p.in->shape[0];
    const size_t in_row = row_size(p.in->type, n);
    const size_t out_row = row_size(p.type, n);
    for (int64_t r = begin; r < end; ++r) {
        const uint8_t* src = p.in->data + static_cast<size_t>(r) * in_row;
        uint8_t* out = dst + static_cast<size_t>(r) * out_row;
        if (!p.convert) std::memcpy(out, src, in_row);
        if (!src_t->to_float) continue;  // copied as is; a type we cannot read cannot be checked
        src_t->to_float(src, row.data(), n);
        check_row_finite(row.data(), n, r, where);
        if (p.convert) dst_t->from_float(row.data(), out, n);
    }
}

// The tensor's pages are not needed again: drop them from this process so its resident memory
// stays about one tensor, whatever the model size (the page cache keeps them if memory allows).
void release_pages(const GgufFile& in, const TensorInfo& t) {
    if (in.is_mapped()) release_mapped_pages(t.data, t.nbytes);
}

}  // namespace

ModelQuantizer::ModelQuantizer(const GgufFile& in, const FileTypeInfo& ft, bool pure)
    : in_(in), ft_(ft), plan_(plan_tensor_types(in, ft, pure)) {}

QuantizeStats ModelQuantizer::write(const std::string& out_path, const QuantizeWriteOptions& opts,
                                    const QuantizeObserver& observer) const {
    GgufWriter w;
    w.copy_metadata_from(in_);
    w.remove("general.alignment");  // written with GGUF's default alignment, as llama-quantize does
    w.set_alignment(32);
    // Removed first so both land at the end, in llama-quantize's order.
    w.remove("general.quantization_version");
    w.remove("general.file_type");
    w.set_u32("general.quantization_version", kQuantizationVersion);
    w.set_u32("general.file_type", ft_.llama_ftype);

    QuantizeStats stats;
    int64_t max_row = 1;
    for (const auto& p : plan_) {
        stats.in_bytes += p.in->nbytes;
        stats.out_bytes += row_size(p.type, p.in->shape[0]) * static_cast<uint64_t>(p.in->n_rows());
        stats.n_elements += p.in->n_elements();
        max_row = std::max(max_row, p.in->shape[0]);
    }

    ThreadPool pool(opts.n_threads);
    RowWorkspace ws;
    ws.rows.assign(static_cast<size_t>(pool.size()), std::vector<float>(static_cast<size_t>(max_row)));
    ws.errors.resize(static_cast<size_t>(pool.size()));
    const auto start = std::chrono::steady_clock::now();
    QuantizeProgress progress;
    progress.n_tensors = plan_.size();
    progress.bytes_total = stats.in_bytes;
    auto report = [&] {
        progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (observer.progress) observer.progress(progress);
    };

    for (size_t k = 0; k < plan_.size(); ++k) {
        const TensorPlan& p = plan_[k];
        auto fill = [this, &p, k, &opts, &observer, &pool, &ws, &progress, &report](uint8_t* dst) {
            progress.tensor = k;
            report();
            if (opts.delay_ms_per_tensor > 0) std::this_thread::sleep_for(std::chrono::milliseconds(opts.delay_ms_per_tensor));
            const std::string where = in_.path() + ": tensor '" + p.in->name + "'";
            const int64_t rows = p.in->n_rows();
            const int64_t slice = std::max<int64_t>(pool.size(), kValuesPerSlice / p.in->shape[0]);
            const uint64_t row_bytes = p.in->nbytes / static_cast<uint64_t>(rows);
            for (int64_t r0 = 0; r0 < rows; r0 += slice) {
                const int64_t r1 = std::min(rows, r0 + slice);
                pool.parallel_for(r1 - r0, [&](int64_t b, int64_t e, int thread) {
                    try {
                        process_rows(p, where, dst, r0 + b, r0 + e, ws.rows[static_cast<size_t>(thread)]);
                    } catch (...) {
                        ws.errors[static_cast<size_t>(thread)] = std::current_exception();
                    }
                });
                // Chunks are contiguous by thread index: the first error found is the lowest row's.
                std::exception_ptr first;
                for (auto& err : ws.errors) {
                    if (err && !first) first = err;
                    err = nullptr;
                }
                if (first) std::rethrow_exception(first);
                progress.bytes_done += static_cast<uint64_t>(r1 - r0) * row_bytes;
                report();
            }
            release_pages(in_, *p.in);
            if (observer.tensor_done) observer.tensor_done(p, k);
        };
        w.add_tensor(p.in->name, p.in->shape, p.type, fill);
    }
    w.write(out_path);
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
}

}  // namespace edgeseek
