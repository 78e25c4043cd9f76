// The byte-level BPE vocabulary of a Hugging Face checkpoint (tokenizer.json, tokenizer_config.json,
// config.json, generation_config.json) as GGUF tokenizer.ggml.* metadata, following what
// llama.cpp's converter writes for "gpt2" vocabularies:
//   tokens      model.vocab plus added_tokens, padded to config vocab_size with "[PAD<id>]"
//   token_type  1 normal, 3 control (special added tokens, and ones that look special such as
//               <|...|> or <｜...｜>), 4 user-defined (other added tokens), 5 unused (padding)
//   merges      "a b"; the array form ["a", "b"] is joined, spaces inside a part written as U+0120
//   special ids bos/eos/unk/sep/pad/cls/mask: tokenizer_config's *_token looked up among the added
//               tokens, else config.json's *_token_id, else (bos/eos) generation_config.json's
//   pre         see detect_pre_tokenizer
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgeseek {

class GgufWriter;
class HfCheckpoint;
struct HfConfig;

struct HfVocabulary {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::vector<std::string> merges;
    std::string pre;
    std::vector<std::pair<std::string, int64_t>> special_ids;  // ("bos", id), in llama.cpp's order
    std::vector<std::pair<std::string, bool>> add_special;     // ("bos", add_bos_token)
    std::vector<std::pair<std::string, std::string>> chat_templates;  // ("", default), ("tool_use", ...)

    void write(GgufWriter& w) const;  // tokenizer.ggml.* and tokenizer.chat_template*
};

// n_vocab: the model's vocabulary size (rows of the embedding). Throws Error naming the file
// when tokenizer.json is missing, not byte-level BPE, has ids beyond n_vocab, or uses a
// pre-tokenizer edgeseek does not recognise.
HfVocabulary read_hf_vocabulary(const HfCheckpoint& ckpt, int64_t n_vocab);

// The pre-tokenizer name (tokenizer.ggml.pre) of a tokenizer.json. llama.cpp identifies it by
// hashing the tokens of a test string; without the Python tokenizer we read the definition:
//   Split regex of Qwen2 (single digits)    -> "deepseek-r1-qwen" when the tokenizer is R1's
//                                              (<｜begin▁of▁sentence｜> among the added tokens, in
//                                              tokenizer_config's bos_token or in the chat
//                                              template), "qwen2" otherwise
//   Split regex of Llama 3 (\p{N}{1,3})     -> "llama-bpe" (R1-Distill-Llama included)
//   ByteLevel with its own GPT-2 regex      -> "gpt-2"
// Anything else throws Error quoting the regex. r1_markers: whether the R1 tokens were seen.
std::string detect_pre_tokenizer(const nlohmann::json& tokenizer, bool r1_markers, const std::string& where);

}  // namespace edgeseek
