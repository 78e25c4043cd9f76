// GGUF container: metadata key/values, tensor infos and the data section, read in place.
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (v2 and v3 are read).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "quant/types.h"

namespace edgeseek {

enum class GgufType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_type_name(GgufType t);
// Bytes of one scalar of type t in a file (0 for STRING and ARRAY).
size_t gguf_scalar_size(GgufType t);

// One metadata value. Arrays of numbers are kept packed (little-endian, as stored) so a huge
// array costs what it costs in the file, not a value object per element.
struct GgufValue {
    GgufType type = GgufType::U8;
    // scalars
    uint64_t u = 0;       // unsigned ints and bool
    int64_t i = 0;        // signed ints
    double f = 0.0;       // floats
    std::string str;
    // arrays
    GgufType elem_type = GgufType::U8;
    uint64_t count = 0;
    std::vector<uint8_t> packed;          // numeric/bool elements
    std::vector<std::string> strings;     // string elements
    std::vector<GgufValue> arrays;        // nested arrays

    bool is_integer() const;
    bool is_number() const;
    // Numeric array element as double / int64 (elem_type must be numeric or bool).
    double number_at(uint64_t idx) const;
    int64_t integer_at(uint64_t idx) const;
    std::string to_display(size_t max_elems = 8) const;
};

struct TensorInfo {
    std::string name;
    std::vector<int64_t> shape;  // ggml order: shape[0] is the row length (contiguous)
    GgmlType type = GgmlType::F32;
    uint64_t offset = 0;         // relative to the data section
    uint64_t nbytes = 0;
    const uint8_t* data = nullptr;
    uint64_t info_offset = 0;    // where the tensor info sits in the file (for errors)

    int64_t n_elements() const;
    int64_t n_rows() const { return shape.empty() ? 1 : n_elements() / shape[0]; }
    std::string shape_string() const;
};

class GgufFile {
public:
    // Opens and validates path. Throws Error with what/where/hint on any malformed input.
    static std::unique_ptr<GgufFile> open(const std::string& path, bool use_mmap = true);
    // Parses bytes already in memory (tests, fuzzer); the buffer must outlive the object.
    static std::unique_ptr<GgufFile> parse(MappedFile bytes);

    uint32_t version() const { return version_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }
    const std::string& path() const { return file_.path(); }
    size_t file_size() const { return file_.size(); }
    bool is_mapped() const { return file_.is_mapped(); }
    bool is_in_memory() const { return file_.is_in_memory(); }
    // MappedFile::evict for bytes of this file.
    void evict(const uint8_t* data, uint64_t nbytes) const { file_.evict(data, nbytes); }

    const std::vector<std::string>& keys() const { return key_order_; }
    const GgufValue* find(const std::string& key) const;
    bool has(const std::string& key) const { return find(key) != nullptr; }

    // Typed getters. get_* return nullopt when absent; require_* throw naming the key.
    // A present key of the wrong type is always an error naming key, expected and actual type.
    std::optional<uint64_t> get_uint(const std::string& key) const;
    std::optional<int64_t> get_int(const std::string& key) const;
    std::optional<double> get_float(const std::string& key) const;
    std::optional<bool> get_bool(const std::string& key) const;
    std::optional<std::string> get_string(const std::string& key) const;
    uint64_t require_uint(const std::string& key) const;
    double require_float(const std::string& key) const;
    std::string require_string(const std::string& key) const;
    const GgufValue& require_array(const std::string& key, GgufType elem) const;

    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find_tensor(const std::string& name) const;

    std::string where_key(const std::string& key) const;  // "<path>: key 'k'"

private:
    GgufFile() = default;
    void parse_all();
    MappedFile file_;
    uint32_t version_ = 0;
    uint64_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::map<std::string, GgufValue> kv_;
    std::map<std::string, uint64_t> kv_offset_;
    std::vector<std::string> key_order_;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, size_t> tensor_index_;
};

// What a file that is not GGUF looks like, for the error message ("" when unrecognised).
std::string identify_foreign_format(const uint8_t* data, size_t size);

}  // namespace edgeseek
