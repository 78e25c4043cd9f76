// Writes GGUF v3 files: metadata in insertion order, tensors streamed one at a time.
// The output goes to "<path>.partial" and is renamed only when complete, so an interrupted
// or failed write never leaves a file under the final name.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"

namespace edgeseek {

class GgufWriter {
public:
    void set_alignment(uint32_t a) { alignment_ = a; }

    // Metadata. Setting a key twice replaces the earlier value (keeps its position).
    void set(const std::string& key, GgufValue v);
    void set_u32(const std::string& key, uint32_t v);
    void set_i32(const std::string& key, int32_t v);
    void set_f32(const std::string& key, float v);
    void set_bool(const std::string& key, bool v);
    void set_string(const std::string& key, const std::string& v);
    void set_string_array(const std::string& key, const std::vector<std::string>& v);
    void set_f32_array(const std::string& key, const std::vector<float>& v);
    void set_i32_array(const std::string& key, const std::vector<int32_t>& v);
    void copy_metadata_from(const GgufFile& src);  // every key (general.alignment included)
    void remove(const std::string& key);

    // Tensor whose bytes are produced on demand by fill(dst) when the data section is written.
    using FillFn = std::function<void(uint8_t* dst)>;
    void add_tensor(const std::string& name, const std::vector<int64_t>& shape, GgmlType type, FillFn fill);
    // Tensor copied from memory (must stay valid until write()).
    void add_tensor(const std::string& name, const std::vector<int64_t>& shape, GgmlType type, const void* data);

    // Writes path.partial then renames to path. Throws Error (removing the partial file) on failure.
    void write(const std::string& path) const;
    // Serialises everything to memory (tests, fuzz seeds).
    std::vector<uint8_t> to_bytes() const;

private:
    struct Tensor {
        std::string name;
        std::vector<int64_t> shape;
        GgmlType type;
        uint64_t nbytes;
        FillFn fill;
    };
    std::vector<uint8_t> header_bytes(std::vector<uint64_t>* offsets) const;
    uint32_t alignment_ = 32;
    std::vector<std::pair<std::string, GgufValue>> kv_;
    std::vector<Tensor> tensors_;
};

}  // namespace edgeseek
