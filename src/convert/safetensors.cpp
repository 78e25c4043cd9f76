#include "convert/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgeseek {
namespace {

struct DtypeInfo {
    SafetensorsDtype dtype;
    const char* name;
    size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {SafetensorsDtype::F32, "F32", 4},   {SafetensorsDtype::F16, "F16", 2},   {SafetensorsDtype::BF16, "BF16", 2},
    {SafetensorsDtype::F64, "F64", 8},   {SafetensorsDtype::I64, "I64", 8},   {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::I16, "I16", 2},   {SafetensorsDtype::I8, "I8", 1},     {SafetensorsDtype::U64, "U64", 8},
    {SafetensorsDtype::U32, "U32", 4},   {SafetensorsDtype::U16, "U16", 2},   {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::BOOL, "BOOL", 1}, {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1},
    {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1},
};

// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

const DtypeInfo& info(SafetensorsDtype d) {
    for (const auto& i : kDtypes) {
        if (i.dtype == d) return i;
    }
    return kDtypes[0];
}

uint64_t to_offset(const nlohmann::json& v, const std::string& where, const char* what) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
        throw Error(std::string(what) + " must be a non-negative integer, not " + v.dump(), where,
                    "the safetensors header is corrupt; download the file again");
    }
    return v.get<uint64_t>();
}

std::vector<int64_t> parse_shape(const nlohmann::json& j, const std::string& where) {
    if (!j.is_array()) throw Error("'shape' is missing or not an array", where, "the safetensors header is corrupt");
    std::vector<int64_t> shape;
    uint64_t n = 1;
    for (const auto& d : j) {
        const uint64_t v = to_offset(d, where, "a shape dimension");
        if (v > (uint64_t{1} << 40) || __builtin_mul_overflow(n, v, &n) || n > (uint64_t{1} << 50)) {
            throw Error("shape " + j.dump() + " is too large", where, "the safetensors header is corrupt");
        }
        shape.push_back(static_cast<int64_t>(v));
    }
    return shape;
}

SafetensorsTensor parse_entry(const std::string& name, const nlohmann::json& e, const std::string& where) {
    if (!e.is_object()) throw Error("entry is not a JSON object", where, "the safetensors header is corrupt");
    SafetensorsTensor t;
    t.name = name;
    const auto dt = e.find("dtype");
    if (dt == e.end() || !dt->is_string()) throw Error("'dtype' is missing", where, "the safetensors header is corrupt");
    if (!safetensors_dtype_from_name(dt->get<std::string>(), &t.dtype)) {
        throw Error("unknown dtype " + printable_quoted(dt->get<std::string>()), where,
                    "safetensors dtypes are F32, F16, BF16, F64, I8..I64, U8..U64, BOOL, F8_E4M3, F8_E5M2");
    }
    const auto sh = e.find("shape");
    t.shape = parse_shape(sh == e.end() ? nlohmann::json() : *sh, where);
    const auto off = e.find("data_offsets");
    if (off == e.end() || !off->is_array() || off->size() != 2) {
        throw Error("'data_offsets' must be [begin, end]", where, "the safetensors header is corrupt");
    }
    t.begin = to_offset((*off)[0], where, "data_offsets[0]");
    t.end = to_offset((*off)[1], where, "data_offsets[1]");
    if (t.end < t.begin) {
        throw Error("data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "] end before they begin",
                    where, "the safetensors header is corrupt");
    }
    const uint64_t want = static_cast<uint64_t>(t.n_elements()) * info(t.dtype).size;
    if (t.nbytes() != want) {
        throw Error("shape " + t.shape_string() + " of " + info(t.dtype).name + " needs " + std::to_string(want) +
                        " bytes but data_offsets span " + std::to_string(t.nbytes()),
                    where, "the safetensors header is corrupt; download the file again");
    }
    return t;
}

}  // namespace

bool safetensors_dtype_from_name(const std::string& name, SafetensorsDtype* out) {
    for (const auto& i : kDtypes) {
        if (name == i.name) {
            *out = i.dtype;
            return true;
        }
    }
    return false;
}
const char* safetensors_dtype_name(SafetensorsDtype d) { return info(d).name; }
size_t safetensors_dtype_size(SafetensorsDtype d) { return info(d).size; }

int64_t SafetensorsTensor::n_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string SafetensorsTensor::shape_string() const {
    std::string s = "[";
    for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    return s + "]";
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    return parse(MappedFile(path, true));
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::parse(MappedFile bytes) {
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->file_ = std::move(bytes);
    f->parse_header();
    return f;
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::parse_header() {
    const std::string where = file_.path().empty() ? std::string("safetensors") : file_.path();
    const uint8_t* d = file_.data();
    const uint64_t size = file_.size();
    if (size < 8) throw Error("file is too short for a safetensors header (" + std::to_string(size) + " bytes)", where,
                              "the file is truncated; download it again");
    uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = n << 8 | d[k];
    if (n > size - 8) {
        throw Error("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) +
                        " bytes)", where, "the file is truncated or not a safetensors file; download it again");
    }
    if (n > kMaxHeaderBytes) throw Error("header length " + std::to_string(n) + " is over 100 MB", where, "not a safetensors file");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(d + 8, d + 8 + n);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("header is not valid JSON: ") + e.what(), where, "the file is corrupt; download it again");
    }
    if (!header.is_object()) throw Error("header is not a JSON object", where, "the file is corrupt; download it again");

    const uint64_t data_size = size - 8 - n;
    const uint8_t* data = d + 8 + n;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) throw Error("__metadata__ is not an object", where, "the file is corrupt");
            for (const auto& [k, v] : entry.items()) metadata_[k] = v.is_string() ? v.get<std::string>() : v.dump();
            continue;
        }
        SafetensorsTensor t = parse_entry(name, entry, where + ": tensor " + printable_quoted(name));
        if (t.end > data_size) {
            throw Error("data [" + std::to_string(t.begin) + ", " + std::to_string(t.end) + ") runs past the end of the data (" +
                            std::to_string(data_size) + " bytes)",
                        where + ": tensor " + printable_quoted(name), "the file is truncated; download it again");
        }
        t.data = data + t.begin;
        tensors_.push_back(std::move(t));
    }
    std::vector<const SafetensorsTensor*> by_offset;
    for (const auto& t : tensors_) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const SafetensorsTensor* a, const SafetensorsTensor* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
    for (size_t k = 1; k < by_offset.size(); ++k) {
        const SafetensorsTensor& a = *by_offset[k - 1];
        const SafetensorsTensor& b = *by_offset[k];
        if (a.end > b.begin && a.nbytes() != 0 && b.nbytes() != 0) {
            throw Error("data [" + std::to_string(b.begin) + ", " + std::to_string(b.end) + ") overlaps tensor " +
                            printable_quoted(a.name) + " [" + std::to_string(a.begin) + ", " + std::to_string(a.end) + ")",
                        where + ": tensor " + printable_quoted(b.name), "the safetensors header is corrupt; download the file again");
        }
    }
    for (size_t k = 0; k < tensors_.size(); ++k) index_[tensors_[k].name] = k;
}

void SafetensorsFile::release(const SafetensorsTensor& t) const {
    if (file_.is_mapped()) release_mapped_pages(t.data, t.nbytes());
}

}  // namespace edgeseek
