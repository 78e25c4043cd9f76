// Reader of Hugging Face safetensors files, validated before any tensor byte is touched.
// Format: https://huggingface.co/docs/safetensors/ (an 8-byte little-endian header length, a
// JSON header naming every tensor's dtype, shape and [begin, end) byte range, then the data).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"

namespace edgeseek {

enum class SafetensorsDtype { F32, F16, BF16, F64, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2 };

// "F32" -> F32; unknown names return false.
bool safetensors_dtype_from_name(const std::string& name, SafetensorsDtype* out);
const char* safetensors_dtype_name(SafetensorsDtype d);
size_t safetensors_dtype_size(SafetensorsDtype d);

struct SafetensorsTensor {
    std::string name;
    SafetensorsDtype dtype = SafetensorsDtype::F32;
    std::vector<int64_t> shape;    // as PyTorch orders it: shape.back() is contiguous
    uint64_t begin = 0, end = 0;   // byte range relative to the data section
    const uint8_t* data = nullptr;  // points into the mapped file

    uint64_t nbytes() const { return end - begin; }
    int64_t n_elements() const;
    std::string shape_string() const;  // "[151936, 64]"
};

class SafetensorsFile {
public:
    // Maps and validates path. Throws Error (naming the file, the tensor and what is wrong) when
    // the header length, JSON, a dtype, a shape or a byte range does not hold up.
    static std::unique_ptr<SafetensorsFile> open(const std::string& path);
    // Validates bytes already in memory (tests, fuzzer); the buffer must outlive the object.
    static std::unique_ptr<SafetensorsFile> parse(MappedFile bytes);

    const std::string& path() const { return file_.path(); }
    const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }  // by name
    const SafetensorsTensor* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    bool is_mapped() const { return file_.is_mapped(); }

    // release_mapped_pages for this tensor's bytes (nothing when the file was read into memory).
    void release(const SafetensorsTensor& t) const;

private:
    SafetensorsFile() = default;
    void parse_header();
    MappedFile file_;
    std::vector<SafetensorsTensor> tensors_;
    std::map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
};

}  // namespace edgeseek
