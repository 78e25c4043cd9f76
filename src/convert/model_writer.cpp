#include "convert/model_writer.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>

#include "core/error.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "kernels/thread_pool.h"
#include "quant/f16.h"
#include "quantize/model_quantizer.h"

namespace edgeseek {
namespace {

constexpr uint32_t kQuantizationVersion = 2;             // ggml's GGML_QNT_VERSION
constexpr int64_t kValuesPerSlice = int64_t{4} << 20;    // rows handed to the pool at once
constexpr float kMaxF16 = 65504.0f;

bool is_float_type(GgmlType t) { return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16; }

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

[[noreturn]] void bad_value(const TensorSource& t, int64_t row, int64_t col, float x) {
    throw Error("value at row " + std::to_string(row) + ", column " + std::to_string(col) + " is " +
                    (std::isnan(x) ? "NaN" : "infinite"),
                t.origin, "the checkpoint's weights are corrupt; download it again");
}

void load_row(const TensorSource& t, int64_t src_row, float* out) {
    const int64_t n = t.shape[0];
    const uint8_t* p = t.data + static_cast<size_t>(src_row) * static_cast<size_t>(n) * safetensors_dtype_size(t.dtype);
    switch (t.dtype) {
        case SafetensorsDtype::F32: std::memcpy(out, p, static_cast<size_t>(n) * 4); break;
        case SafetensorsDtype::F16:
            for (int64_t k = 0; k < n; ++k) { uint16_t h; std::memcpy(&h, p + 2 * k, 2); out[k] = fp16_to_fp32(h); }
            break;
        case SafetensorsDtype::BF16:
            for (int64_t k = 0; k < n; ++k) { uint16_t h; std::memcpy(&h, p + 2 * k, 2); out[k] = bf16_to_fp32(h); }
            break;
        default: throw Error("cannot read dtype " + std::string(safetensors_dtype_name(t.dtype)), t.origin);
    }
    for (int64_t k = 0; k < n; ++k) {
        if (!std::isfinite(out[k])) bad_value(t, src_row, k, out[k]);
    }
}

void store_row(const TensorSource& t, int64_t row, const float* x, uint8_t* out) {
    const int64_t n = t.shape[0];
    if (t.type == GgmlType::F32) {
        std::memcpy(out, x, static_cast<size_t>(n) * 4);
        return;
    }
    for (int64_t k = 0; k < n; ++k) {
        uint16_t h;
        if (t.type == GgmlType::F16) {
            if (std::fabs(x[k]) > kMaxF16) {
                throw Error("value " + std::to_string(x[k]) + " at row " + std::to_string(row) + ", column " +
                                std::to_string(k) + " does not fit in f16 (largest 65504)",
                            t.origin, "convert with --outtype bf16 or f32");
            }
            h = fp32_to_fp16(x[k]);
        } else {
            h = fp32_to_bf16(x[k]);
        }
        std::memcpy(out + 2 * k, &h, 2);
    }
}

// Llama's Q/K rows: Hugging Face stores each head as [first halves of the rotated pairs; second
// halves]; GGUF's llama layout interleaves them (row 2i+j of a head = HF row j*d/2+i).
int64_t source_row(const TensorSource& t, int64_t row) {
    const int64_t d = t.permute_head_dim;
    if (d <= 0) return row;
    const int64_t head = row / d, within = row % d;
    return head * d + (within % 2) * (d / 2) + within / 2;
}

// A 1-D tensor (Llama's q/k bias) permuted element by element like the rows of its weight.
void fill_permuted_vector(const TensorSource& t, uint8_t* dst) {
    const auto n = static_cast<size_t>(t.shape[0]);
    std::vector<float> in(n), out(n);
    load_row(t, 0, in.data());
    for (size_t k = 0; k < n; ++k) out[k] = in[static_cast<size_t>(source_row(t, static_cast<int64_t>(k)))];
    store_row(t, 0, out.data(), dst);
}

struct Workspace {
    std::vector<std::vector<float>> rows;
    std::vector<std::exception_ptr> errors;
};

void rethrow_first(Workspace& ws) {
    std::exception_ptr first;
    for (auto& e : ws.errors) {
        if (e && !first) first = e;
        e = nullptr;
    }
    if (first) std::rethrow_exception(first);
}

class TensorFiller {
public:
    TensorFiller(const std::vector<TensorSource>& tensors, int n_threads, const ConvertProgressFn& progress)
        : tensors_(tensors), pool_(n_threads), progress_(progress), start_(std::chrono::steady_clock::now()) {
        int64_t max_row = 1;
        for (const auto& t : tensors) {
            max_row = std::max(max_row, t.shape[0]);
            state_.bytes_total += t.source_bytes();
        }
        state_.n_tensors = tensors.size();
        ws_.rows.assign(static_cast<size_t>(pool_.size()), std::vector<float>(static_cast<size_t>(max_row)));
        ws_.errors.resize(static_cast<size_t>(pool_.size()));
    }

    void fill(size_t index, uint8_t* dst) {
        const TensorSource& t = tensors_[index];
        state_.tensor = index;
        report();
        if (t.permute_head_dim > 0 && t.shape.size() == 1) {
            fill_permuted_vector(t, dst);
            state_.bytes_done += t.source_bytes();
            release(t, 0, 1);
            return;
        }
        const int64_t rows = t.n_rows();
        const size_t out_row = row_size(t.type, t.shape[0]);
        const int64_t slice = std::max<int64_t>(pool_.size(), kValuesPerSlice / t.shape[0]);
        for (int64_t r0 = 0; r0 < rows; r0 += slice) {
            const int64_t r1 = std::min(rows, r0 + slice);
            pool_.parallel_for(r1 - r0, [&](int64_t b, int64_t e, int thread) {
                try {
                    float* buf = ws_.rows[static_cast<size_t>(thread)].data();
                    for (int64_t r = r0 + b; r < r0 + e; ++r) {
                        const int64_t src = source_row(t, r);  // errors name the source's row
                        load_row(t, src, buf);
                        store_row(t, src, buf, dst + static_cast<size_t>(r) * out_row);
                    }
                } catch (...) {
                    ws_.errors[static_cast<size_t>(thread)] = std::current_exception();
                }
            });
            rethrow_first(ws_);
            state_.bytes_done += t.source_bytes() / static_cast<uint64_t>(rows) * static_cast<uint64_t>(r1 - r0);
            // Rows in the order they were read; permuted rows come from anywhere in their head.
            if (t.permute_head_dim == 0) release(t, r0, r1);
            report();
        }
        if (t.permute_head_dim != 0) release(t, 0, rows);
    }

private:
    // The source rows [r0, r1) are not needed again: drop their pages from this process, so
    // resident memory holds the output tensor and one slice of input, whatever the model size.
    static void release(const TensorSource& t, int64_t r0, int64_t r1) {
        if (!t.mapped) return;
        const uint64_t row = t.source_bytes() / static_cast<uint64_t>(t.n_rows());
        release_mapped_pages(t.data + static_cast<uint64_t>(r0) * row, static_cast<uint64_t>(r1 - r0) * row);
    }

    void report() {
        state_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        if (progress_) progress_(state_);
    }
    const std::vector<TensorSource>& tensors_;
    ThreadPool pool_;
    Workspace ws_;
    const ConvertProgressFn& progress_;
    ConvertProgress state_;
    std::chrono::steady_clock::time_point start_;
};

void write_float_file(GgufWriter& w, const std::vector<TensorSource>& tensors, const FileTypeInfo& ft,
                      const std::string& path, const ModelWriteOptions& opts) {
    w.set_u32("general.file_type", ft.llama_ftype);
    w.set_u32("general.quantization_version", kQuantizationVersion);
    TensorFiller filler(tensors, opts.n_threads, opts.progress);
    for (size_t k = 0; k < tensors.size(); ++k) {
        const TensorSource& t = tensors[k];
        w.add_tensor(t.name, t.shape, t.type, [&filler, k](uint8_t* dst) { filler.fill(k, dst); });
    }
    w.write(path);
}

FileTypeInfo float_file_type(GgmlType t) {
    return *file_type_from_name(t == GgmlType::F32 ? "f32" : t == GgmlType::F16 ? "f16" : "bf16");
}

}  // namespace

int64_t TensorSource::n_rows() const {
    int64_t n = 1;
    for (size_t k = 1; k < shape.size(); ++k) n *= shape[k];
    return n;
}

uint64_t TensorSource::source_bytes() const {
    return static_cast<uint64_t>(n_rows()) * static_cast<uint64_t>(shape[0]) * safetensors_dtype_size(dtype);
}

std::string output_type_names() {
    std::string s = "auto";
    for (const auto& ft : all_file_types()) s += std::string(", ") + ft.name;
    return s;
}

OutputType resolve_output_type(const std::string& name, GgmlType source_type) {
    const std::string n = lower(name);
    if (!is_float_type(source_type)) source_type = GgmlType::F32;
    if (n == "auto") return {float_file_type(source_type), source_type};
    const auto ft = file_type_from_name(n);
    if (!ft) {
        throw Error("unknown --outtype '" + name + "'", "command line", "choose one of: " + output_type_names());
    }
    return {*ft, is_float_type(ft->base) ? ft->base : source_type};
}

GgmlType tensor_output_type(const std::string& gguf_name, size_t n_dims, GgmlType float_type) {
    const std::string norm = "_norm.weight";
    const bool is_norm = gguf_name.size() >= norm.size() && gguf_name.compare(gguf_name.size() - norm.size(), norm.size(), norm) == 0;
    return n_dims <= 1 || is_norm ? GgmlType::F32 : float_type;
}

void write_converted_model(GgufWriter& w, const std::vector<TensorSource>& tensors, const OutputType& type,
                           const std::string& out_path, const ModelWriteOptions& opts) {
    if (!type.quantized()) {
        write_float_file(w, tensors, type.file_type, out_path, opts);
        return;
    }
    const std::string tmp = unquantized_path(out_path);
    try {
        write_float_file(w, tensors, float_file_type(type.float_type), tmp, opts);
        const auto in = GgufFile::open(tmp, true);
        const ModelQuantizer quantizer(*in, type.file_type, false);
        QuantizeWriteOptions qo;
        qo.n_threads = opts.n_threads;
        QuantizeObserver observer;
        if (opts.progress) {
            observer.progress = [&opts](const QuantizeProgress& p) {
                opts.progress(ConvertProgress{"quantize", p.tensor, p.n_tensors, p.bytes_done, p.bytes_total, p.seconds});
            };
        }
        quantizer.write(out_path, qo, observer);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    ::unlink(tmp.c_str());
}

}  // namespace edgeseek
