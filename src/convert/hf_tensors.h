// Hugging Face tensor names and shapes -> GGUF tensors, as llama.cpp's converter maps them:
//   model.embed_tokens.weight                 token_embd.weight
//   model.layers.N.input_layernorm            blk.N.attn_norm
//   model.layers.N.self_attn.{q,k,v}_proj     blk.N.attn_{q,k,v} (.weight and .bias)
//   model.layers.N.self_attn.o_proj           blk.N.attn_output
//   model.layers.N.self_attn.{q,k}_norm       blk.N.attn_{q,k}_norm (Qwen3)
//   model.layers.N.post_attention_layernorm   blk.N.ffn_norm
//   model.layers.N.mlp.{gate,up,down}_proj    blk.N.ffn_{gate,up,down}
//   model.norm.weight / lm_head.weight        output_norm.weight / output.weight (untied only)
// plus rope_freqs.weight for llama3 rope scaling. Llama's q_proj/k_proj rows are permuted from
// Hugging Face's rotate-half layout to GGUF's interleaved pairs (Qwen2/Qwen3 use NeoX RoPE and
// keep theirs). Every shape is checked against config.json.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "convert/model_writer.h"

namespace edgeseek {

class HfCheckpoint;
struct HfConfig;

struct HfTensorPlan {
    std::vector<TensorSource> tensors;   // in GGUF order: token_embd, rope_freqs, blk.0 .. blk.N-1, output_norm, output
    std::vector<float> rope_factors;     // storage of rope_freqs.weight
    bool tied = false;                   // no output.weight: the embedding doubles as the classifier
};

// Throws Error naming the tensor: missing, of an unsupported dtype, shaped unlike config.json
// (expected and actual), or unknown to the architecture. n_vocab: config vocab_size (or the
// embedding's rows when config.json has none). float_type: what 2-D weights are written as.
std::unique_ptr<HfTensorPlan> plan_hf_tensors(const HfCheckpoint& ckpt, const HfConfig& cfg, int64_t n_vocab,
                                              GgmlType float_type);

// The dtype of token_embd (what --outtype auto keeps), F32 when unknown.
GgmlType hf_source_type(const HfCheckpoint& ckpt);

}  // namespace edgeseek
