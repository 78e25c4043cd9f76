// libFuzzer target: GgufFile::parse on arbitrary bytes. Rejecting input with edgeseek::Error is
// the expected outcome; any other exception, a crash, a leak, a hang or undefined behaviour
// (the build uses ASan + UBSan) is a bug. Run it with scripts/run-fuzzers.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "core/mapped_file.h"
#include "gguf/gguf_file.h"

namespace {

// What a caller does with a parsed file: render every value, ask for it through the typed
// getters, and read the first and last byte of every tensor (ASan checks they are in bounds).
void use(const edgeseek::GgufFile& g) {
    using edgeseek::Error;
    for (const auto& key : g.keys()) {
        const edgeseek::GgufValue* v = g.find(key);
        if (!v) std::abort();
        (void)v->to_display(16);
        try { (void)g.get_uint(key); } catch (const Error&) {}
        try { (void)g.get_int(key); } catch (const Error&) {}
        try { (void)g.get_float(key); } catch (const Error&) {}
        try { (void)g.get_string(key); } catch (const Error&) {}
        try { (void)g.get_bool(key); } catch (const Error&) {}
    }
    volatile uint8_t sink = 0;
    for (const auto& t : g.tensors()) {
        if (t.nbytes == 0 || g.find_tensor(t.name) != &t) std::abort();
        sink = sink ^ t.data[0] ^ t.data[t.nbytes - 1];
        (void)t.shape_string();
        (void)t.n_rows();
    }
    (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto g = edgeseek::GgufFile::parse(edgeseek::MappedFile::from_memory(data, size));
        use(*g);
    } catch (const edgeseek::Error&) {
        // malformed input, reported properly
    }
    return 0;
}
