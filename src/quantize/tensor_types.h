// Which type each tensor of a model is written in. The _S/_M/_L mixtures follow llama.cpp's
// rules (llama_tensor_get_type in src/llama-quant.cpp, early 2025): the output tensor, some
// attn_v / ffn_down / attn_output tensors get more bits, chosen by layer position and GQA. A row
// that does not split into whole blocks falls back to a type that fits, as llama.cpp does.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "quantize/file_types.h"

namespace edgeseek {

struct TensorPlan {
    const TensorInfo* in = nullptr;  // the input tensor (points into the GgufFile)
    GgmlType type = GgmlType::F32;   // what it is written as
    bool convert = false;            // false: its bytes are copied unchanged
    GgmlType wanted = GgmlType::F32; // the mixture's choice; differs from type after a fallback
    std::string fallback;            // why type != wanted, "" otherwise
};

// What the rules need to know about the model besides its tensor names.
struct ModelLayout {
    int64_t n_layer = 0;
    int64_t n_gqa = 1;      // query heads per KV head
    bool is_70b = false;    // llama.cpp's LLM_TYPE_70B: 80 layers (llama: with GQA)
    static ModelLayout from_gguf(const GgufFile& file);
};

// One entry per input tensor, in file order. --pure (pure = true) puts every quantizable
// weight in ft.base; fallbacks still apply. Throws Error naming the tensor when a type that
// is needed has no quantizer (or the input type no dequantizer) in the traits table.
std::vector<TensorPlan> plan_tensor_types(const GgufFile& in, const FileTypeInfo& ft, bool pure);
std::vector<TensorPlan> plan_tensor_types(const GgufFile& in, const ModelLayout& layout,
                                          const FileTypeInfo& ft, bool pure);
// The same for tensors that are not in a file yet (`synth`): `source` names them in errors.
std::vector<TensorPlan> plan_tensor_types(const std::vector<TensorInfo>& tensors, const ModelLayout& layout,
                                          const FileTypeInfo& ft, bool pure, const std::string& source);

// 2-D (or more) weights, except norms and a few small tables llama.cpp also leaves alone.
bool tensor_is_quantizable(const TensorInfo& t);
// llama.cpp's choice of the layers that get more bits in the _M mixtures: the first and last
// eighth of the layers and every third layer between them.
bool use_more_bits(int64_t i_layer, int64_t n_layer);

}  // namespace edgeseek
