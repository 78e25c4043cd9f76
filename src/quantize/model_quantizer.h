// Model-level quantization: reads a GGUF model tensor by tensor from the mapped input and
// writes every weight in the type its plan says, streaming. Only the tensor being written is
// held in memory (its output bytes, plus one row of floats per thread); the rows of a tensor
// are split over a thread pool. Metadata is carried over, with general.file_type and
// general.quantization_version set as llama-quantize sets them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "quantize/file_types.h"
#include "quantize/tensor_types.h"

namespace edgeseek {

struct QuantizeProgress {
    size_t tensor = 0;          // index of the tensor being written
    size_t n_tensors = 0;
    uint64_t bytes_done = 0;    // input bytes processed so far
    uint64_t bytes_total = 0;
    double seconds = 0.0;       // since writing began
};

struct QuantizeObserver {
    // Called from the writing thread after every slice of rows (often; throttle the display).
    std::function<void(const QuantizeProgress&)> progress;
    // Called when a tensor's bytes are complete, before they reach the file.
    std::function<void(const TensorPlan&, size_t index)> tensor_done;
};

struct QuantizeWriteOptions {
    int n_threads = 1;
    int delay_ms_per_tensor = 0;  // slows the write down, for tests that interrupt it
};

struct QuantizeStats {
    uint64_t in_bytes = 0;    // tensor data of the input
    uint64_t out_bytes = 0;   // tensor data of the output
    int64_t n_elements = 0;   // values in all tensors
    double seconds = 0.0;
};

class ModelQuantizer {
public:
    // Plans every tensor's type (see plan_tensor_types); `in` must outlive this object.
    ModelQuantizer(const GgufFile& in, const FileTypeInfo& ft, bool pure);

    const std::vector<TensorPlan>& plan() const { return plan_; }
    const FileTypeInfo& file_type() const { return ft_; }

    // Writes the output through GgufWriter (out_path.partial, renamed when complete). Throws
    // Error naming the tensor and value index when the input holds a NaN or infinity, and
    // the writer's errors (with the path) on I/O failure; no output file remains on error.
    QuantizeStats write(const std::string& out_path, const QuantizeWriteOptions& opts,
                        const QuantizeObserver& observer = {}) const;

private:
    const GgufFile& in_;
    FileTypeInfo ft_;
    std::vector<TensorPlan> plan_;
};

}  // namespace edgeseek
