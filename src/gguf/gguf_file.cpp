#include "gguf/gguf_file.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "core/error.h"

namespace edgeseek {
namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" little-endian
constexpr int kMaxArrayDepth = 8;
constexpr int kMaxDims = 4;

size_t scalar_size(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
        case GgufType::U16: case GgufType::I16: return 2;
        case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
        case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
        default: return 0;
    }
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::F64); }

// Bounds-checked little-endian reader over the file bytes; every failure names the offset.
class Reader {
public:
    Reader(const uint8_t* d, size_t n, std::string path) : d_(d), n_(n), path_(std::move(path)) {}
    size_t pos() const { return pos_; }
    size_t remaining() const { return n_ - pos_; }

    [[noreturn]] void fail(const std::string& what, size_t at, const std::string& hint) const {
        throw Error(what, path_ + " at byte " + std::to_string(at), hint);
    }
    void need(size_t bytes, const char* what) const {
        if (bytes > remaining()) {
            fail(std::string("file is truncated while reading ") + what + " (needs " +
                     std::to_string(bytes) + " bytes, " + std::to_string(remaining()) + " left)",
                 pos_, "the download or copy is incomplete; fetch the file again");
        }
    }
    template <typename T>
    T read(const char* what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, d_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string read_string(const char* what) {
        const size_t at = pos_;
        const uint64_t len = read<uint64_t>(what);
        if (len > remaining()) {
            fail(std::string(what) + " has length " + std::to_string(len) +
                     ", beyond the end of the file (" + std::to_string(remaining()) + " bytes left)",
                 at, "the file is corrupt or truncated; fetch it again");
        }
        std::string s(reinterpret_cast<const char*>(d_ + pos_), static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return s;
    }
    const uint8_t* ptr() const { return d_ + pos_; }
    void skip(size_t n) { pos_ += n; }

private:
    const uint8_t* d_;
    size_t n_;
    size_t pos_ = 0;
    std::string path_;
};

// Minimum bytes one element of this type occupies in the file (for count sanity checks).
size_t min_elem_bytes(GgufType t) {
    if (t == GgufType::STRING) return 8;
    if (t == GgufType::ARRAY) return 12;
    return scalar_size(t);
}

GgufValue read_value(Reader& r, GgufType type, const std::string& key, int depth);

GgufValue read_array(Reader& r, const std::string& key, int depth) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    const size_t at = r.pos();
    const uint32_t et = r.read<uint32_t>("array element type");
    if (!valid_type(et)) {
        r.fail("key '" + key + "': array element type " + std::to_string(et) + " is not a GGUF type",
               at, "the file is corrupt");
    }
    v.elem_type = static_cast<GgufType>(et);
    const size_t cat = r.pos();
    v.count = r.read<uint64_t>("array length");
    const size_t per = min_elem_bytes(v.elem_type);
    if (v.count > r.remaining() / per) {
        r.fail("key '" + key + "': array of " + std::to_string(v.count) + " " +
                   gguf_type_name(v.elem_type) + " elements cannot fit in the " +
                   std::to_string(r.remaining()) + " bytes left",
               cat, "the file is corrupt or truncated; fetch it again");
    }
    if (v.elem_type == GgufType::STRING) {
        v.strings.reserve(static_cast<size_t>(v.count));
        for (uint64_t i = 0; i < v.count; ++i) v.strings.push_back(r.read_string("array string"));
    } else if (v.elem_type == GgufType::ARRAY) {
        if (depth >= kMaxArrayDepth) {
            r.fail("key '" + key + "': arrays nested deeper than " + std::to_string(kMaxArrayDepth), cat,
                   "the file is corrupt");
        }
        for (uint64_t i = 0; i < v.count; ++i) v.arrays.push_back(read_array(r, key, depth + 1));
    } else {
        const size_t bytes = static_cast<size_t>(v.count) * per;
        r.need(bytes, "array data");
        v.packed.assign(r.ptr(), r.ptr() + bytes);
        r.skip(bytes);
    }
    return v;
}

GgufValue read_value(Reader& r, GgufType type, const std::string& key, int depth) {
    GgufValue v;
    v.type = type;
    switch (type) {
        case GgufType::U8: v.u = r.read<uint8_t>("u8 value"); break;
        case GgufType::I8: v.i = r.read<int8_t>("i8 value"); break;
        case GgufType::U16: v.u = r.read<uint16_t>("u16 value"); break;
        case GgufType::I16: v.i = r.read<int16_t>("i16 value"); break;
        case GgufType::U32: v.u = r.read<uint32_t>("u32 value"); break;
        case GgufType::I32: v.i = r.read<int32_t>("i32 value"); break;
        case GgufType::U64: v.u = r.read<uint64_t>("u64 value"); break;
        case GgufType::I64: v.i = r.read<int64_t>("i64 value"); break;
        case GgufType::F32: v.f = r.read<float>("f32 value"); break;
        case GgufType::F64: v.f = r.read<double>("f64 value"); break;
        case GgufType::BOOL: {
            const size_t at = r.pos();
            uint8_t b = r.read<uint8_t>("bool value");
            if (b > 1) r.fail("key '" + key + "': bool value " + std::to_string(b) + " is not 0 or 1", at, "the file is corrupt");
            v.u = b;
            break;
        }
        case GgufType::STRING: v.str = r.read_string("string value"); break;
        case GgufType::ARRAY: return read_array(r, key, depth);
    }
    return v;
}

}  // namespace

const char* gguf_type_name(GgufType t) {
    switch (t) {
        case GgufType::U8: return "u8";
        case GgufType::I8: return "i8";
        case GgufType::U16: return "u16";
        case GgufType::I16: return "i16";
        case GgufType::U32: return "u32";
        case GgufType::I32: return "i32";
        case GgufType::F32: return "f32";
        case GgufType::BOOL: return "bool";
        case GgufType::STRING: return "string";
        case GgufType::ARRAY: return "array";
        case GgufType::U64: return "u64";
        case GgufType::I64: return "i64";
        case GgufType::F64: return "f64";
    }
    return "?";
}

bool GgufValue::is_integer() const {
    switch (type) {
        case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16:
        case GgufType::U32: case GgufType::I32: case GgufType::U64: case GgufType::I64:
            return true;
        default: return false;
    }
}

bool GgufValue::is_number() const {
    return is_integer() || type == GgufType::F32 || type == GgufType::F64;
}

namespace {
template <typename T>
T load_packed(const std::vector<uint8_t>& p, uint64_t idx) {
    T v;
    std::memcpy(&v, p.data() + idx * sizeof(T), sizeof(T));
    return v;
}
}  // namespace

double GgufValue::number_at(uint64_t idx) const {
    switch (elem_type) {
        case GgufType::F32: return load_packed<float>(packed, idx);
        case GgufType::F64: return load_packed<double>(packed, idx);
        default: return static_cast<double>(integer_at(idx));
    }
}

int64_t GgufValue::integer_at(uint64_t idx) const {
    switch (elem_type) {
        case GgufType::U8: case GgufType::BOOL: return load_packed<uint8_t>(packed, idx);
        case GgufType::I8: return load_packed<int8_t>(packed, idx);
        case GgufType::U16: return load_packed<uint16_t>(packed, idx);
        case GgufType::I16: return load_packed<int16_t>(packed, idx);
        case GgufType::U32: return load_packed<uint32_t>(packed, idx);
        case GgufType::I32: return load_packed<int32_t>(packed, idx);
        case GgufType::U64: return static_cast<int64_t>(load_packed<uint64_t>(packed, idx));
        case GgufType::I64: return load_packed<int64_t>(packed, idx);
        case GgufType::F32: return static_cast<int64_t>(load_packed<float>(packed, idx));
        case GgufType::F64: return static_cast<int64_t>(load_packed<double>(packed, idx));
        default: return 0;
    }
}

std::string GgufValue::to_display(size_t max_elems) const {
    std::ostringstream o;
    switch (type) {
        case GgufType::U8: case GgufType::U16: case GgufType::U32: case GgufType::U64: o << u; break;
        case GgufType::I8: case GgufType::I16: case GgufType::I32: case GgufType::I64: o << i; break;
        case GgufType::F32: case GgufType::F64: o << f; break;
        case GgufType::BOOL: o << (u ? "true" : "false"); break;
        case GgufType::STRING: {
            std::string s = str.size() > 60 ? str.substr(0, 60) + "..." : str;
            for (char& c : s) if (c == '\n') c = ' ';
            o << '"' << s << '"';
            break;
        }
        case GgufType::ARRAY: {
            o << "[" << gguf_type_name(elem_type) << " x " << count << "]";
            if (count > 0 && max_elems > 0) {
                o << " ";
                for (uint64_t k = 0; k < std::min<uint64_t>(count, max_elems); ++k) {
                    if (k) o << ", ";
                    if (elem_type == GgufType::STRING) o << '"' << strings[k] << '"';
                    else if (elem_type == GgufType::ARRAY) o << "[...]";
                    else o << number_at(k);
                }
                if (count > max_elems) o << ", ...";
            }
            break;
        }
    }
    return o.str();
}

int64_t TensorInfo::n_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string TensorInfo::shape_string() const {
    std::string s = "[";
    for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    return s + "]";
}

std::string identify_foreign_format(const uint8_t* d, size_t n) {
    if (n == 0) return "an empty file (0 bytes)";
    if (n >= 4) {
        uint32_t m;
        std::memcpy(&m, d, 4);
        if (m == 0x67676d6c) return "an old GGML file from before August 2023 (magic 'ggml'); re-convert it to GGUF with a current converter";
        if (m == 0x67676d66) return "an old GGMF file from before August 2023 (magic 'ggmf'); re-convert it to GGUF with a current converter";
        if (m == 0x67676a74) return "an old GGJT file from before August 2023 (magic 'ggjt'); re-convert it to GGUF with a current converter";
        if (m == 0x616b3432) return "a llama2.c checkpoint (version 1+ 'ak42' header); convert it with `edgeseek convert --from llama2c`";
        if (std::memcmp(d, "PK\x03\x04", 4) == 0) return "a ZIP archive, probably a PyTorch checkpoint (.pt/.bin); convert the Hugging Face folder with `edgeseek convert`";
        if (std::memcmp(d, "FUGG", 4) == 0) return "a GGUF file written with the wrong byte order (big-endian GGUF is not supported)";
    }
    if (n >= 10) {
        uint64_t hlen;
        std::memcpy(&hlen, d, 8);
        if (hlen > 1 && hlen < (1ull << 32) && d[8] == '{') {
            return "a safetensors file; convert its Hugging Face folder with `edgeseek convert DIR -o OUT.gguf`";
        }
    }
    if (n >= 28) {
        int32_t h[7];
        std::memcpy(h, d, sizeof h);
        const int32_t vocab = h[5] < 0 ? -h[5] : h[5];
        const bool plausible = h[0] > 0 && h[0] <= 65536 && h[1] > 0 && h[1] <= 1 << 20 &&
                               h[2] > 0 && h[2] <= 1024 && h[3] > 0 && h[3] <= 1024 && h[4] > 0 &&
                               h[4] <= h[3] && vocab > 0 && vocab <= 1 << 22 && h[6] > 0 &&
                               h[6] <= 1 << 22 && h[0] % h[3] == 0;
        if (plausible) return "a llama2.c checkpoint (legacy header); convert it with `edgeseek convert --from llama2c MODEL.bin --tokenizer TOKENIZER.bin`";
    }
    if (n >= 1 && (d[0] == '{' || d[0] == '[')) return "a JSON/text file, not a model";
    return "";
}

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path, bool use_mmap) {
    return parse(MappedFile(path, use_mmap));
}

std::unique_ptr<GgufFile> GgufFile::parse(MappedFile bytes) {
    std::unique_ptr<GgufFile> g(new GgufFile());
    g->file_ = std::move(bytes);
    g->parse_all();
    return g;
}

void GgufFile::parse_all() {
    const std::string& path = file_.path();
    const uint8_t* d = file_.data();
    const size_t n = file_.size();
    Reader r(d, n, path);

    uint32_t magic = 0;
    if (n >= 4) std::memcpy(&magic, d, 4);
    if (n < 4 || magic != kGgufMagic) {
        std::string what = identify_foreign_format(d, n);
        if (what.empty()) {
            throw Error("not a GGUF file (no 'GGUF' magic at byte 0)", path,
                        "pass a .gguf model file, e.g. one downloaded from Hugging Face");
        }
        throw Error("not a GGUF file: this is " + what, path);
    }
    r.skip(4);
    const size_t vat = r.pos();
    version_ = r.read<uint32_t>("version");
    if (version_ == 1) {
        r.fail("GGUF version 1 is not supported (only v2 and v3)", vat,
               "re-convert the model with a current converter");
    }
    if (version_ < 2 || version_ > 3) {
        r.fail("unsupported GGUF version " + std::to_string(version_) + " (edgeseek reads v2 and v3)", vat,
               "the file is corrupt or from a newer format; re-convert it");
    }
    const size_t tcat = r.pos();
    const uint64_t n_tensors = r.read<uint64_t>("tensor count");
    const uint64_t n_kv = r.read<uint64_t>("metadata count");
    // Each tensor info takes at least 8 (name len) + 4 + 4 + 8 bytes; each kv at least 8 + 4 + 1.
    if (n_tensors > r.remaining() / 24) {
        r.fail("tensor count " + std::to_string(n_tensors) + " is larger than the file could hold", tcat,
               "the header is corrupt; fetch the file again");
    }
    if (n_kv > r.remaining() / 13) {
        r.fail("metadata count " + std::to_string(n_kv) + " is larger than the file could hold", tcat + 8,
               "the header is corrupt; fetch the file again");
    }

    for (uint64_t k = 0; k < n_kv; ++k) {
        const size_t kat = r.pos();
        std::string key = r.read_string("metadata key");
        const size_t tat = r.pos();
        const uint32_t t = r.read<uint32_t>("metadata value type");
        if (!valid_type(t)) {
            r.fail("key '" + key + "' has value type " + std::to_string(t) + ", which GGUF does not define", tat,
                   "the file is corrupt");
        }
        GgufValue v = read_value(r, static_cast<GgufType>(t), key, 0);
        if (kv_.count(key)) {
            r.fail("duplicate metadata key '" + key + "'", kat, "the file was written incorrectly; re-convert it");
        }
        kv_offset_[key] = kat;
        key_order_.push_back(key);
        kv_.emplace(std::move(key), std::move(v));
    }

    if (const GgufValue* a = find("general.alignment")) {
        if (!a->is_integer() || a->type == GgufType::I8 || a->u == 0 || (a->u & (a->u - 1)) != 0 ||
            a->u > (1u << 20)) {
            throw Error("general.alignment must be an unsigned power of two, got " + a->to_display(),
                        where_key("general.alignment"), "the file is corrupt");
        }
        alignment_ = a->u;
    }

    tensors_.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t k = 0; k < n_tensors; ++k) {
        TensorInfo ti;
        ti.info_offset = r.pos();
        ti.name = r.read_string("tensor name");
        const size_t dat = r.pos();
        const uint32_t nd = r.read<uint32_t>("tensor dimension count");
        if (nd == 0 || nd > kMaxDims) {
            r.fail("tensor '" + ti.name + "' has " + std::to_string(nd) + " dimensions (1 to 4 allowed)", dat,
                   "the file is corrupt");
        }
        int64_t elems = 1;
        for (uint32_t j = 0; j < nd; ++j) {
            const size_t at = r.pos();
            const uint64_t dim = r.read<uint64_t>("tensor dimension");
            if (dim == 0 || dim > (1ull << 40) || static_cast<uint64_t>(elems) > (1ull << 50) / dim) {
                r.fail("tensor '" + ti.name + "' has an impossible dimension " + std::to_string(dim), at,
                       "the file is corrupt");
            }
            elems *= static_cast<int64_t>(dim);
            ti.shape.push_back(static_cast<int64_t>(dim));
        }
        const size_t tyat = r.pos();
        const uint32_t tid = r.read<uint32_t>("tensor type");
        const TypeTraits* tr = type_traits_by_id(tid);
        if (!tr) {
            r.fail("tensor '" + ti.name + "' has unknown tensor type id " + std::to_string(tid), tyat,
                   "this file uses a type edgeseek does not know; re-quantize it to a common type such as q4_k_m or q8_0");
        }
        ti.type = static_cast<GgmlType>(tid);
        if (ti.shape[0] % tr->block_size != 0) {
            r.fail("tensor '" + ti.name + "' row length " + std::to_string(ti.shape[0]) +
                       " is not a multiple of the " + tr->name + " block size " + std::to_string(tr->block_size),
                   tyat, "the file is corrupt");
        }
        ti.nbytes = static_cast<uint64_t>(elems / tr->block_size) * tr->type_size;
        const size_t oat = r.pos();
        ti.offset = r.read<uint64_t>("tensor data offset");
        if (ti.offset % alignment_ != 0) {
            r.fail("tensor '" + ti.name + "' data offset " + std::to_string(ti.offset) +
                       " is not a multiple of the alignment " + std::to_string(alignment_),
                   oat, "the file is corrupt");
        }
        if (tensor_index_.count(ti.name)) {
            r.fail("duplicate tensor name '" + ti.name + "'", ti.info_offset, "the file was written incorrectly; re-convert it");
        }
        tensor_index_[ti.name] = tensors_.size();
        tensors_.push_back(std::move(ti));
    }

    data_offset_ = (r.pos() + alignment_ - 1) / alignment_ * alignment_;
    const uint64_t data_size = n > data_offset_ ? n - data_offset_ : 0;

    // Bounds and overlap: sort by offset, each must end before the next starts.
    std::vector<size_t> order(tensors_.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
    for (size_t k = 0; k < order.size(); ++k) {
        TensorInfo& t = tensors_[order[k]];
        if (t.offset > data_size || t.nbytes > data_size - t.offset) {
            throw Error("tensor '" + t.name + "' data (" + std::to_string(t.nbytes) + " bytes at data offset " +
                            std::to_string(t.offset) + ") runs past the end of the file (data section is " +
                            std::to_string(data_size) + " bytes)",
                        path + " at byte " + std::to_string(t.info_offset),
                        "the file is truncated; fetch it again");
        }
        if (k + 1 < order.size()) {
            const TensorInfo& next = tensors_[order[k + 1]];
            if (t.offset + t.nbytes > next.offset) {
                throw Error("tensor '" + t.name + "' data overlaps tensor '" + next.name + "'",
                            path + " at byte " + std::to_string(t.info_offset), "the file is corrupt; re-convert it");
            }
        }
        t.data = d + data_offset_ + t.offset;
    }
}

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = kv_.find(key);
    return it == kv_.end() ? nullptr : &it->second;
}

std::string GgufFile::where_key(const std::string& key) const {
    auto it = kv_offset_.find(key);
    std::string w = path() + ": key '" + key + "'";
    if (it != kv_offset_.end()) w += " at byte " + std::to_string(it->second);
    return w;
}

namespace {
[[noreturn]] void wrong_type(const GgufFile& g, const std::string& key, const char* want, const GgufValue& v) {
    throw Error(std::string("expected ") + want + ", found " + gguf_type_name(v.type), g.where_key(key),
                "the file's metadata is malformed; re-convert it");
}
}  // namespace

std::optional<uint64_t> GgufFile::get_uint(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_integer()) wrong_type(*this, key, "an unsigned integer", *v);
    switch (v->type) {
        case GgufType::I8: case GgufType::I16: case GgufType::I32: case GgufType::I64:
            if (v->i < 0) throw Error("expected a non-negative integer, found " + std::to_string(v->i), where_key(key), "the file's metadata is malformed");
            return static_cast<uint64_t>(v->i);
        default: return v->u;
    }
}

std::optional<int64_t> GgufFile::get_int(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_integer()) wrong_type(*this, key, "an integer", *v);
    switch (v->type) {
        case GgufType::U8: case GgufType::U16: case GgufType::U32: case GgufType::U64:
            return static_cast<int64_t>(v->u);
        default: return v->i;
    }
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type == GgufType::F32 || v->type == GgufType::F64) return v->f;
    if (v->is_integer()) return static_cast<double>(*get_int(key));
    wrong_type(*this, key, "a number", *v);
}

std::optional<bool> GgufFile::get_bool(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type != GgufType::BOOL) wrong_type(*this, key, "a bool", *v);
    return v->u != 0;
}

std::optional<std::string> GgufFile::get_string(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type != GgufType::STRING) wrong_type(*this, key, "a string", *v);
    return v->str;
}

namespace {
[[noreturn]] void missing(const GgufFile& g, const std::string& key) {
    throw Error("required metadata key '" + key + "' is missing", g.path(),
                "the file was not written for this architecture or is incomplete; re-convert it");
}
}  // namespace

uint64_t GgufFile::require_uint(const std::string& key) const {
    auto v = get_uint(key);
    if (!v) missing(*this, key);
    return *v;
}

double GgufFile::require_float(const std::string& key) const {
    auto v = get_float(key);
    if (!v) missing(*this, key);
    return *v;
}

std::string GgufFile::require_string(const std::string& key) const {
    auto v = get_string(key);
    if (!v) missing(*this, key);
    return *v;
}

const GgufValue& GgufFile::require_array(const std::string& key, GgufType elem) const {
    const GgufValue* v = find(key);
    if (!v) missing(*this, key);
    if (v->type != GgufType::ARRAY) wrong_type(*this, key, "an array", *v);
    if (v->elem_type != elem) {
        throw Error(std::string("expected an array of ") + gguf_type_name(elem) + ", found an array of " +
                        gguf_type_name(v->elem_type),
                    where_key(key), "the file's metadata is malformed; re-convert it");
    }
    return *v;
}

const TensorInfo* GgufFile::find_tensor(const std::string& name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace edgeseek
