#include "gguf/foreign_format.h"

#include <cstring>

#include "gguf/gguf_file.h"

namespace edgeseek {
namespace {

bool starts_with(const uint8_t* d, size_t n, const char* prefix) {
    const size_t len = std::strlen(prefix);
    return n >= len && std::memcmp(d, prefix, len) == 0;
}

// llama2.c's legacy header: seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size (negative when the classifier is not shared), seq_len), no magic.
bool looks_like_llama2c(const uint8_t* d, size_t n) {
    if (n < 28) return false;
    int32_t h[7];
    std::memcpy(h, d, sizeof h);
    const int64_t vocab = h[5] < 0 ? -static_cast<int64_t>(h[5]) : h[5];
    return h[0] > 0 && h[0] <= 65536 && h[1] > 0 && h[1] <= 1 << 20 && h[2] > 0 && h[2] <= 1024 &&
           h[3] > 0 && h[3] <= 1024 && h[4] > 0 && h[4] <= h[3] && vocab > 0 && vocab <= 1 << 22 &&
           h[6] > 0 && h[6] <= 1 << 22 && h[0] % h[3] == 0;
}

}  // namespace

ForeignFormat identify_format(const uint8_t* d, size_t n) {
    const std::string reconvert = "re-convert the original model to GGUF with a current llama.cpp converter";
    if (n == 0) return {"an empty file (0 bytes)", "the download or copy failed; fetch the file again"};
    // ggml's pre-GGUF formats wrote their magic as a little-endian uint32.
    if (starts_with(d, n, "lmgg")) return {"an old GGML file from before August 2023 (magic 'ggml')", reconvert};
    if (starts_with(d, n, "fmgg")) return {"an old GGMF file from before August 2023 (magic 'ggmf')", reconvert};
    if (starts_with(d, n, "tjgg")) return {"an old GGJT file from before August 2023 (magic 'ggjt')", reconvert};
    if (starts_with(d, n, "FUGG")) return {"a byte-swapped (big-endian) GGUF file", "edgeseek reads little-endian GGUF; re-convert the model"};
    if (starts_with(d, n, "24ka")) {
        return {"a llama2.c checkpoint (version 1+ 'ak42' header)", "convert it with `edgeseek convert --from llama2c`"};
    }
    if (starts_with(d, n, "PK\x03\x04")) {
        return {"a ZIP archive, probably a PyTorch checkpoint (.pt/.pth/.bin)",
                "convert the Hugging Face model folder with `edgeseek convert`, or download a .gguf file"};
    }
    if (n >= 2 && d[0] == 0x80 && d[1] >= 2 && d[1] <= 5) {
        return {"a Python pickle, probably a legacy PyTorch checkpoint",
                "convert the Hugging Face model folder with `edgeseek convert`, or download a .gguf file"};
    }
    if (n >= 10 && d[8] == '{') {
        uint64_t hlen;
        std::memcpy(&hlen, d, 8);
        if (hlen >= 2) {
            return {"a safetensors file (Hugging Face weights)",
                    "convert its Hugging Face folder with `edgeseek convert DIR -o OUT.gguf`"};
        }
    }
    if (starts_with(d, n, "version https://git-lfs")) {
        return {"a Git LFS pointer, not the model itself", "run `git lfs pull` in the clone, or download the file directly"};
    }
    size_t k = 0;
    while (k < n && k < 64 && (d[k] == ' ' || d[k] == '\n' || d[k] == '\r' || d[k] == '\t')) ++k;
    if (starts_with(d + k, n - k, "<!DOCTYPE") || starts_with(d + k, n - k, "<!doctype") ||
        starts_with(d + k, n - k, "<html") || starts_with(d + k, n - k, "<HTML")) {
        return {"an HTML page, not a model", "the download saved a web page; on Hugging Face use the 'resolve/' link, not 'blob/'"};
    }
    if (looks_like_llama2c(d, n)) {
        return {"a llama2.c checkpoint (legacy header)",
                "convert it with `edgeseek convert --from llama2c MODEL.bin --tokenizer TOKENIZER.bin`"};
    }
    if (k < n && (d[k] == '{' || d[k] == '[')) return {"a JSON/text file, not a model", "pass a .gguf model file"};
    return {};
}

std::string identify_foreign_format(const uint8_t* data, size_t size) {
    const ForeignFormat f = identify_format(data, size);
    if (f.what.empty()) return "";
    return f.what + "; " + f.hint;
}

}  // namespace edgeseek
