// The writing half of `edgeseek convert`, shared by the Hugging Face and llama2.c importers:
// tensors are read from their mapped source and converted row by row straight into the GGUF
// writer's buffer, one tensor at a time, so memory holds one output tensor, not the model.
// Quantized outputs (q8_0, q4_k_m, ...) go through edgeseek quantize's ModelQuantizer: the model
// is first written in its source precision to OUT.unquantized.tmp (removed afterwards), then
// quantized with llama-quantize's per-tensor type choices.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "convert/safetensors.h"
#include "quant/types.h"
#include "quantize/file_types.h"

namespace edgeseek {

class GgufWriter;

// What --outtype asks for. "auto" keeps the source precision (lossless): bf16 for bf16
// weights, f16 for f16 weights, f32 for f32 weights.
struct OutputType {
    FileTypeInfo file_type;          // general.file_type and, when quantized, the mixture
    GgmlType float_type;             // 2-D weights of the (first-pass) float file
    bool quantized() const { return file_type.base != GgmlType::F32 && file_type.base != GgmlType::F16 &&
                                    file_type.base != GgmlType::BF16; }
};
// Throws Error listing the accepted names when `name` is not one of them.
OutputType resolve_output_type(const std::string& name, GgmlType source_type);
std::string output_type_names();  // "auto, f32, f16, bf16, q8_0, ..."

// One GGUF tensor and where its rows come from.
struct TensorSource {
    std::string name;                // GGUF name
    std::vector<int64_t> shape;      // GGUF order: shape[0] is the row length
    GgmlType type = GgmlType::F32;   // written as (F32, F16 or BF16)
    SafetensorsDtype dtype = SafetensorsDtype::F32;  // of the source rows (F32, F16 or BF16)
    const uint8_t* data = nullptr;   // source rows, row-major
    int64_t permute_head_dim = 0;    // >0: rows regrouped per head (Llama Q/K, see hf_tensors.h)
    std::string origin;              // for errors: "<file>: tensor '<name>'"
    bool mapped = false;             // data is a read-only file mapping: its pages are dropped once read

    int64_t n_rows() const;
    uint64_t source_bytes() const;
};

// GGUF type of a 2-D weight or of a norm / 1-D tensor (always F32, as llama.cpp writes them).
GgmlType tensor_output_type(const std::string& gguf_name, size_t n_dims, GgmlType float_type);

struct ConvertProgress {
    const char* phase = "convert";   // "convert", then "quantize" for quantized outputs
    size_t tensor = 0, n_tensors = 0;
    uint64_t bytes_done = 0, bytes_total = 0;
    double seconds = 0.0;
};
using ConvertProgressFn = std::function<void(const ConvertProgress&)>;

struct ModelWriteOptions {
    int n_threads = 1;
    ConvertProgressFn progress;
};

// Path of the float file written before quantization.
inline std::string unquantized_path(const std::string& out_path) { return out_path + ".unquantized.tmp"; }

// Writes `w` (metadata already set) with `tensors` to out_path (through out_path.partial, renamed
// when complete). For a quantized `type` the float file goes to unquantized_path(out_path) first.
// Throws Error naming the tensor (and value) on NaN/infinite weights or f16 overflow; no output
// file remains on error.
void write_converted_model(GgufWriter& w, const std::vector<TensorSource>& tensors, const OutputType& type,
                           const std::string& out_path, const ModelWriteOptions& opts);

}  // namespace edgeseek
