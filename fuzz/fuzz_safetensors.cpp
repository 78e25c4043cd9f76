// libFuzzer target: SafetensorsFile::parse (the header parser of `edgeseek convert`) on arbitrary
// bytes. Rejecting input with edgeseek::Error is the expected outcome; any other exception, a
// crash, a leak, a hang or undefined behaviour (the build uses ASan + UBSan) is a bug. Seeds: any
// small .safetensors file (fixtures/hf/*/ and the synthetic ones the tests write); the GGUF seeds
// of scripts/run-fuzzers.sh also work (they are rejected early, then mutated).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "convert/safetensors.h"
#include "core/error.h"
#include "core/mapped_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto f = edgeseek::SafetensorsFile::parse(edgeseek::MappedFile::from_memory(data, size));
        // What the converter does with a parsed file: look every tensor up by name and read its
        // first and last byte (ASan checks they lie inside the input).
        volatile uint8_t sink = 0;
        for (const auto& t : f->tensors()) {
            if (f->find(t.name) != &t) std::abort();
            if (t.nbytes() != static_cast<uint64_t>(t.n_elements()) * edgeseek::safetensors_dtype_size(t.dtype)) std::abort();
            if (t.nbytes() > 0) sink = sink ^ t.data[0] ^ t.data[t.nbytes() - 1];
            (void)t.shape_string();
        }
        (void)sink;
    } catch (const edgeseek::Error&) {
        // malformed input, reported properly
    }
    return 0;
}
