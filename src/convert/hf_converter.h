// `edgeseek convert DIR -o OUT.gguf`: a Hugging Face checkpoint folder (safetensors weights,
// config.json, tokenizer files) to a GGUF with llama.cpp's metadata keys and tensor names.
// Everything is read and validated before the output is created; tensors then stream from the
// mapped shards to the file one at a time.
#pragma once
#include <memory>
#include <string>

#include "convert/hf_checkpoint.h"
#include "convert/hf_config.h"
#include "convert/hf_tensors.h"
#include "convert/model_writer.h"
#include "gguf/gguf_writer.h"

namespace edgeseek {

struct ConvertOptions {
    std::string out_type = "auto";   // see resolve_output_type
    std::string name;                // general.name; "" = the folder's name (as llama.cpp falls back to)
    std::string vocab_gguf;          // take every tokenizer.* key from this GGUF instead of tokenizer.json
    ModelWriteOptions write;
};

class HfConversion {
public:
    // Reads and checks everything: config, weights, tokenizer. Throws Error on any problem.
    HfConversion(const std::string& dir, const ConvertOptions& opts);

    const HfConfig& config() const { return cfg_; }
    const OutputType& output_type() const { return type_; }
    const HfTensorPlan& plan() const { return *plan_; }
    const GgufWriter& metadata() const { return writer_; }
    const std::string& pre_tokenizer() const { return pre_; }
    int64_t n_vocab() const { return n_vocab_; }

    // Streams the tensors to out_path (through out_path.partial); no file remains on error.
    void write(const std::string& out_path);

private:
    void write_model_metadata(const std::string& name);
    void write_tokenizer_metadata();
    std::unique_ptr<HfCheckpoint> ckpt_;
    ConvertOptions opts_;
    HfConfig cfg_;
    int64_t n_vocab_ = 0;
    OutputType type_{};
    std::unique_ptr<HfTensorPlan> plan_;
    GgufWriter writer_;
    std::string pre_;
};

}  // namespace edgeseek
