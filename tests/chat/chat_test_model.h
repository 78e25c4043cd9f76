// A small qwen2 model with random weights and the real R1 tokenizer and chat template
// (edgeseek synth --shape tiny, q8_0), written once per test process. Random weights rarely
// close a thought by themselves: tests of the think budget and interruption don't need them to.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "quantize/file_types.h"
#include "synth/synthetic_model.h"
#include "test_support.h"

namespace edgeseek::test {

inline std::string r1_vocab() { return fixture("tokenizer/vocab-deepseek-r1-qwen.gguf"); }

// Path of the model ("" when the R1 vocabulary fixture is missing).
inline const std::string& chat_test_model() {
    static std::unique_ptr<TempDir> dir;
    static std::string path;
    if (path.empty() && std::filesystem::exists(r1_vocab())) {
        dir = std::make_unique<TempDir>();
        SynthOptions o;
        o.shape = "tiny";
        o.vocab_path = r1_vocab();
        o.out_path = dir->file("tiny-r1-q8_0.gguf");
        o.file_type = *file_type_from_name("q8_0");
        o.seed = 7;
        o.n_threads = 2;
        write_synthetic_model(o);
        path = o.out_path;
    }
    return path;
}

}  // namespace edgeseek::test
