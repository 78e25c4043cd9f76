#include "quality/kld_file.h"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

namespace {

constexpr char kKldMagic[8] = {'E', 'D', 'G', 'S', 'K', 'L', 'D', '\0'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxModelLen = 4096;

template <typename T>
void put(std::ofstream& out, T v) {
    out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
T get(std::ifstream& in, const std::string& path, const char* what) {
    T v{};
    if (!in.read(reinterpret_cast<char*>(&v), sizeof v)) {
        throw Error(std::string("the file ends inside its header (") + what + ")", path,
                    "write it again with perplexity --kl-divergence-base");
    }
    return v;
}

}  // namespace

uint64_t vocab_hash(const Tokenizer& tok) {
    uint64_t h = fnv1a64(nullptr, 0);
    const char zero = 0;
    for (int32_t i = 0; i < tok.n_vocab(); ++i) {
        const std::string t = tok.token_text(i);
        h = fnv1a64(t.data(), t.size(), h);
        h = fnv1a64(&zero, 1, h);
    }
    return h;
}

uint64_t tokens_hash(const std::vector<int32_t>& tokens) {
    return fnv1a64(tokens.data(), tokens.size() * sizeof(int32_t));
}

std::string model_shape(const ModelConfig& c) {
    return c.arch_name + ", " + std::to_string(c.n_layer) + " layers, n_embd " + std::to_string(c.n_embd) + ", " +
           std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) + " heads, n_ff " + std::to_string(c.n_ff) +
           ", vocab " + std::to_string(c.n_vocab);
}

KldWriter::KldWriter(const std::string& path, const KldHeader& header, const std::vector<int32_t>& tokens, bool force)
    : path_(path), partial_(path + ".partial"), header_(header) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error("is a directory", path, "name a file for the .kld output");
    if (std::filesystem::exists(path, ec) && !force) {
        throw Error("the file exists", path, "pass --force to replace it, or choose another name");
    }
    if (tokens.size() != static_cast<size_t>(header.n_chunk) * header.n_ctx) {
        throw Error("token count does not match the chunks", path);
    }
    out_.open(partial_, std::ios::binary | std::ios::trunc);
    if (!out_) throw Error("cannot create the file", partial_, "check that the directory exists and is writable");
    out_.write(kKldMagic, sizeof kKldMagic);
    put<uint32_t>(out_, kVersion);
    put<uint32_t>(out_, header.n_vocab);
    put<uint32_t>(out_, header.n_ctx);
    put<uint32_t>(out_, header.n_chunk);
    put<uint32_t>(out_, header.top_k);
    put<uint32_t>(out_, header.add_bos ? 1u : 0u);
    put<uint64_t>(out_, header.vocab_hash);
    put<uint64_t>(out_, header.tokens_hash);
    put<uint32_t>(out_, static_cast<uint32_t>(header.model.size()));
    out_.write(header.model.data(), static_cast<std::streamsize>(header.model.size()));
    out_.write(reinterpret_cast<const char*>(tokens.data()), static_cast<std::streamsize>(tokens.size() * sizeof(int32_t)));
}

KldWriter::~KldWriter() {
    if (!done_) {
        out_.close();
        std::remove(partial_.c_str());
    }
}

void KldWriter::add(const BaseLogProbs& rec) {
    if (rec.top_ids.size() != header_.top_k || rec.top_logprobs.size() != header_.top_k) {
        throw Error("record has " + std::to_string(rec.top_ids.size()) + " entries, the header says " +
                        std::to_string(header_.top_k),
                    partial_);
    }
    out_.write(reinterpret_cast<const char*>(rec.top_ids.data()), static_cast<std::streamsize>(4 * header_.top_k));
    out_.write(reinterpret_cast<const char*>(rec.top_logprobs.data()), static_cast<std::streamsize>(4 * header_.top_k));
    put<float>(out_, rec.target_logprob);
    put<float>(out_, rec.tail_logprob);
    ++written_;
}

void KldWriter::finish() {
    const uint64_t want = header_.positions_per_chunk() * header_.n_chunk;
    if (written_ != want) {
        throw Error("wrote " + std::to_string(written_) + " of " + std::to_string(want) + " positions", partial_);
    }
    out_.close();
    if (!out_) throw Error("write failed", partial_, "check free disk space");
    std::error_code ec;
    std::filesystem::rename(partial_, path_, ec);
    if (ec) throw Error("cannot rename to the final name: " + ec.message(), partial_);
    done_ = true;
}

KldReader::KldReader(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error("no such file", path, "write it first with perplexity -m BASE.gguf -f TEXT --kl-divergence-base FILE");
    }
    const uint64_t size = std::filesystem::file_size(path, ec);
    in_.open(path, std::ios::binary);
    if (!in_) throw Error("cannot open the file", path, "check its permissions");
    char magic[8] = {};
    in_.read(magic, sizeof magic);
    if (!in_ || std::memcmp(magic, kKldMagic, sizeof magic) != 0) {
        throw Error("not an edgeseek .kld file (bad magic)", path,
                    "pass a file written by edgeseek perplexity --kl-divergence-base");
    }
    const auto version = get<uint32_t>(in_, path, "version");
    if (version != kVersion) {
        throw Error("unsupported .kld version " + std::to_string(version) + " (this edgeseek reads version " +
                        std::to_string(kVersion) + ")",
                    path, "write it again with this edgeseek");
    }
    header_.n_vocab = get<uint32_t>(in_, path, "n_vocab");
    header_.n_ctx = get<uint32_t>(in_, path, "n_ctx");
    header_.n_chunk = get<uint32_t>(in_, path, "n_chunk");
    header_.top_k = get<uint32_t>(in_, path, "top_k");
    header_.add_bos = get<uint32_t>(in_, path, "add_bos") != 0;
    header_.vocab_hash = get<uint64_t>(in_, path, "vocab_hash");
    header_.tokens_hash = get<uint64_t>(in_, path, "tokens_hash");
    const auto model_len = get<uint32_t>(in_, path, "model");
    if (header_.n_vocab == 0 || header_.n_ctx < 4 || header_.n_chunk == 0 || header_.top_k == 0 ||
        header_.top_k > header_.n_vocab || model_len > kMaxModelLen) {
        throw Error("the header is inconsistent (n_vocab " + std::to_string(header_.n_vocab) + ", n_ctx " +
                        std::to_string(header_.n_ctx) + ", chunks " + std::to_string(header_.n_chunk) + ", top_k " +
                        std::to_string(header_.top_k) + ")",
                    path, "write it again with perplexity --kl-divergence-base");
    }
    header_.model.resize(model_len);
    in_.read(header_.model.data(), model_len);
    const uint64_t n_tokens = uint64_t{header_.n_chunk} * header_.n_ctx;
    const uint64_t want = 8 + 4 * 7 + 8 * 2 + model_len + 4 * n_tokens +
                          uint64_t{header_.n_chunk} * header_.positions_per_chunk() * header_.record_bytes();
    if (size != want) {
        throw Error("the file has " + std::to_string(size) + " bytes, its header implies " + std::to_string(want) +
                        " (truncated or not written to the end)",
                    path, "write it again with perplexity --kl-divergence-base");
    }
    tokens_.resize(n_tokens);
    in_.read(reinterpret_cast<char*>(tokens_.data()), static_cast<std::streamsize>(n_tokens * 4));
    if (!in_) throw Error("cannot read the tokens", path);
    if (tokens_hash(tokens_) != header_.tokens_hash) {
        throw Error("the stored tokens do not match their hash (the file is corrupt)", path,
                    "write it again with perplexity --kl-divergence-base");
    }
    for (int32_t t : tokens_) {
        if (t < 0 || static_cast<uint32_t>(t) >= header_.n_vocab) {
            throw Error("a stored token id " + std::to_string(t) + " is outside the vocabulary", path);
        }
    }
}

std::vector<BaseLogProbs> KldReader::read_chunk() {
    if (next_chunk_ >= header_.n_chunk) throw Error("no more chunks", path_);
    std::vector<BaseLogProbs> recs(header_.positions_per_chunk());
    for (auto& r : recs) {
        r.top_ids.resize(header_.top_k);
        r.top_logprobs.resize(header_.top_k);
        in_.read(reinterpret_cast<char*>(r.top_ids.data()), static_cast<std::streamsize>(4 * header_.top_k));
        in_.read(reinterpret_cast<char*>(r.top_logprobs.data()), static_cast<std::streamsize>(4 * header_.top_k));
        in_.read(reinterpret_cast<char*>(&r.target_logprob), 4);
        in_.read(reinterpret_cast<char*>(&r.tail_logprob), 4);
        if (!in_) throw Error("cannot read the records of chunk " + std::to_string(next_chunk_ + 1), path_);
        for (int32_t id : r.top_ids) {
            if (id < 0 || static_cast<uint32_t>(id) >= header_.n_vocab) {
                throw Error("a stored token id " + std::to_string(id) + " is outside the vocabulary", path_,
                            "the file is corrupt; write it again");
            }
        }
    }
    ++next_chunk_;
    return recs;
}

}  // namespace edgeseek
