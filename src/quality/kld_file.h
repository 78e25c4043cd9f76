// The .kld file `perplexity --kl-divergence-base` writes and `--kl-divergence` reads: the
// tokens that were scored and, for every scored position, the base model's top-K
// log-probabilities (see kl_divergence.h). Little-endian, documented in docs/QUALITY.md:
//
//   char[8]  "EDGSKLD\0"          magic
//   u32      version (1)
//   u32      n_vocab, n_ctx, n_chunk, top_k, add_bos (0/1)
//   u64      vocab_hash           FNV-1a 64 of every token's text, each followed by a 0 byte
//   u64      tokens_hash          FNV-1a 64 of the int32 tokens below
//   u32      model_len, then model_len bytes: the base model's shape ("llama, 4 layers, ...")
//   i32      tokens[n_chunk * n_ctx]   as tokenized (before a chunk's first becomes BOS)
//   n_chunk * (n_ctx - 1 - n_ctx/2) records, chunk by chunk, position by position:
//     i32 top_ids[top_k], f32 top_logprobs[top_k], f32 target_logprob, f32 tail_logprob
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "core/hash.h"
#include "model/config.h"
#include "quality/kl_divergence.h"

namespace edgeseek {

class Tokenizer;

struct KldHeader {
    uint32_t n_vocab = 0, n_ctx = 0, n_chunk = 0, top_k = 0;
    bool add_bos = false;
    uint64_t vocab_hash = 0, tokens_hash = 0;
    std::string model;
    uint64_t positions_per_chunk() const { return n_ctx - 1 - n_ctx / 2; }
    uint64_t record_bytes() const { return 8ull * top_k + 8; }
};

uint64_t vocab_hash(const Tokenizer& tok);
uint64_t tokens_hash(const std::vector<int32_t>& tokens);
// "llama, 4 layers, n_embd 64, 4/4 heads, n_ff 172, vocab 512": what a quantization keeps.
std::string model_shape(const ModelConfig& c);

// Writes path.partial and renames it to path when every record is in. Refuses to replace an
// existing path unless force. Destroyed without finish(): the partial file is removed.
class KldWriter {
public:
    KldWriter(const std::string& path, const KldHeader& header, const std::vector<int32_t>& tokens, bool force);
    ~KldWriter();
    KldWriter(const KldWriter&) = delete;
    KldWriter& operator=(const KldWriter&) = delete;

    void add(const BaseLogProbs& rec);
    void finish();

private:
    std::string path_, partial_;
    KldHeader header_;
    std::ofstream out_;
    uint64_t written_ = 0;
    bool done_ = false;
};

// Opens and validates a .kld file (magic, version, sizes, the total length).
class KldReader {
public:
    explicit KldReader(const std::string& path);
    const KldHeader& header() const { return header_; }
    const std::vector<int32_t>& tokens() const { return tokens_; }
    // Records of one chunk, read in order (chunk 0, 1, ...).
    std::vector<BaseLogProbs> read_chunk();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    KldHeader header_;
    std::vector<int32_t> tokens_;
    std::ifstream in_;
    uint32_t next_chunk_ = 0;
};

}  // namespace edgeseek
