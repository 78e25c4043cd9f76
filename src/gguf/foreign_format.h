// Recognises files that are not GGUF (old GGML/GGJT, safetensors, PyTorch, llama2.c, HTML...)
// so that "not a GGUF file" can say what the file is and what to do with it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace edgeseek {

struct ForeignFormat {
    std::string what;  // "an old GGJT file from before August 2023 ..."; "" when unrecognised
    std::string hint;  // what the user can do about it
};

ForeignFormat identify_format(const uint8_t* data, size_t size);

}  // namespace edgeseek
