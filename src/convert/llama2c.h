// `edgeseek convert --from llama2c MODEL.bin --tokenizer TOKENIZER.bin`: Karpathy's llama2.c
// checkpoints (https://github.com/karpathy/llama2.c, export version 0 "legacy" layout) to a
// llama-architecture GGUF with a SentencePiece ("llama") vocabulary.
//   MODEL.bin      7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
//                  a negative vocab_size means the classifier is stored separately), then float32
//                  weights in run.c's order: token embedding, rms_att, wq, wk, wv, wo, rms_ffn,
//                  w1, w2, w3, rms_final, the RoPE tables (skipped), and the classifier if unshared
//   TOKENIZER.bin  int32 max_token_length, then per token: float score, int32 length, bytes
// Q and K are copied as they are: llama2.c rotates adjacent pairs (2i, 2i+1) as GGUF's llama
// RoPE does. As llama.cpp's convert-llama2c-to-ggml: rms epsilon 1e-5, token 0 "<unk>"
// (unknown), 1 "<s>" and 2 "</s>" (control), "<0xXX>" byte tokens, spaces written as "▁".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "convert/model_writer.h"
#include "core/mapped_file.h"
#include "gguf/gguf_writer.h"

namespace edgeseek {

struct Llama2cConfig {
    int64_t dim = 0, hidden_dim = 0, n_layers = 0, n_heads = 0, n_kv_heads = 0, vocab_size = 0, seq_len = 0;
    bool shared_classifier = true;
    int64_t head_size() const { return dim / n_heads; }
    int64_t kv_dim() const { return dim * n_kv_heads / n_heads; }
};

struct Llama2cVocabulary {
    std::vector<std::string> tokens;
    std::vector<float> scores;
    std::vector<int32_t> types;
};

// Throws Error naming the file and what does not hold up (too short, trailing bytes, a length
// that runs past the end, a header that is not version 0).
Llama2cConfig read_llama2c_config(const MappedFile& file);
Llama2cVocabulary read_llama2c_vocabulary(const MappedFile& file, int64_t n_vocab);

struct Llama2cOptions {
    std::string tokenizer_path;
    std::string out_type = "auto";
    std::string name;                // general.name; "" = the checkpoint's file name without .bin
    ModelWriteOptions write;
};

class Llama2cConversion {
public:
    Llama2cConversion(const std::string& model_path, const Llama2cOptions& opts);
    const Llama2cConfig& config() const { return cfg_; }
    const OutputType& output_type() const { return type_; }
    size_t n_tensors() const { return tensors_.size(); }
    void write(const std::string& out_path);

private:
    void plan_tensors();
    void add(const std::string& name, std::vector<int64_t> shape, uint64_t offset_floats);
    void write_metadata(const std::string& name, const Llama2cVocabulary& vocab);
    MappedFile model_;
    Llama2cOptions opts_;
    Llama2cConfig cfg_;
    OutputType type_{};
    std::vector<TensorSource> tensors_;
    GgufWriter writer_;
};

}  // namespace edgeseek
