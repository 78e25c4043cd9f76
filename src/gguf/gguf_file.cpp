#include "gguf/gguf_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "gguf/foreign_format.h"

namespace edgeseek {
namespace {

constexpr char kGgufMagic[4] = {'G', 'G', 'U', 'F'};
constexpr int kMaxArrayDepth = 8;
constexpr uint32_t kMaxDims = 4;
constexpr uint64_t kMaxAlignment = 1u << 20;
// Smallest possible records: a key/value is 8 (key length) + 4 (type) + 1 (u8 value) bytes,
// a tensor info 8 (name length) + 4 (n_dims) + 8 (one dimension) + 4 (type) + 8 (offset).
constexpr uint64_t kMinKvBytes = 13;
constexpr uint64_t kMinTensorInfoBytes = 32;

// What parsing may allocate for metadata and tensor infos, so that a hostile header costs at
// most a small multiple of the file size. Real files need under 3 bytes per file byte (vocab
// arrays); only floods of tiny keys or nested empty arrays come near the limit.
constexpr size_t kMemoryAllowance = size_t{8} << 20;
constexpr size_t kMemoryPerFileByte = 8;
// Rough in-memory cost of one key (map nodes, order list) and one tensor info (index node).
constexpr size_t kKeyOverhead = sizeof(GgufValue) + 4 * sizeof(std::string) + 128;
constexpr size_t kTensorOverhead = sizeof(TensorInfo) + sizeof(std::string) + sizeof(size_t) + 96;

const char* const kHintTruncated = "the download or copy is incomplete; fetch the file again";
const char* const kHintCorrupt = "the file is corrupt; fetch it again or re-convert the model";


bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::F64); }

// Minimum bytes one element of this type occupies in the file (for count sanity checks).
size_t min_elem_bytes(GgufType t) {
    if (t == GgufType::STRING) return 8;   // length
    if (t == GgufType::ARRAY) return 12;   // element type + length
    return gguf_scalar_size(t);
}

// Bounds-checked little-endian reader over the file bytes. Every failure names the byte
// offset and what was being read ("key 'x'", "tensor 'y'").
class Reader {
public:
    Reader(const uint8_t* d, size_t n, const std::string& path)
        : d_(d), n_(n), path_(path),
          budget_total_(n > (std::numeric_limits<size_t>::max() - kMemoryAllowance) / kMemoryPerFileByte
                            ? std::numeric_limits<size_t>::max()
                            : kMemoryAllowance + kMemoryPerFileByte * n),
          budget_(budget_total_) {}
    size_t pos() const { return pos_; }
    size_t remaining() const { return n_ - pos_; }
    void set_context(std::string c) { ctx_ = std::move(c); }

    std::string where(size_t at) const {
        return path_ + (ctx_.empty() ? "" : ": " + ctx_) + " at byte " + std::to_string(at);
    }
    [[noreturn]] void fail(const std::string& what, size_t at, const std::string& hint) const {
        throw Error(what, where(at), hint);
    }
    void need(size_t bytes, const char* what) const {
        if (bytes > remaining()) {
            fail(std::string("file is truncated: reading the ") + what + " needs " + std::to_string(bytes) +
                     " bytes, only " + std::to_string(remaining()) + " left",
                 pos_, kHintTruncated);
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
            fail(std::string(what) + " has length " + std::to_string(len) + ", beyond the end of the file (" +
                     std::to_string(remaining()) + " bytes left)",
                 at, "the file is truncated or corrupt; fetch it again");
        }
        charge(static_cast<size_t>(len), at);
        std::string s(reinterpret_cast<const char*>(d_ + pos_), static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return s;
    }
    // Accounts for memory about to be allocated; refuses headers that would need far more
    // memory than the file has bytes (a hostile file must not cost gigabytes to reject).
    void charge(size_t bytes, size_t at) {
        if (bytes > budget_) {
            fail("the metadata and tensor infos would need more than " + std::to_string(budget_total_ >> 20) +
                     " MiB of memory, far more than a " + std::to_string(n_) + "-byte file can describe",
                 at, kHintCorrupt);
        }
        budget_ -= bytes;
    }
    const uint8_t* ptr() const { return d_ + pos_; }
    void skip(size_t n) { pos_ += n; }

private:
    const uint8_t* d_;
    size_t n_;
    size_t pos_ = 0;
    const std::string& path_;
    std::string ctx_;
    size_t budget_total_;
    size_t budget_;
};

GgufValue read_array(Reader& r, int depth) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    const size_t at = r.pos();
    const uint32_t et = r.read<uint32_t>("array element type");
    if (!valid_type(et)) {
        r.fail("array element type " + std::to_string(et) + " is not a GGUF value type (0 to 12)", at, kHintCorrupt);
    }
    v.elem_type = static_cast<GgufType>(et);
    const size_t cat = r.pos();
    v.count = r.read<uint64_t>("array length");
    const size_t per = min_elem_bytes(v.elem_type);
    if (v.count > r.remaining() / per) {
        r.fail("array of " + std::to_string(v.count) + " " + gguf_type_name(v.elem_type) +
                   " elements cannot fit in the " + std::to_string(r.remaining()) + " bytes left in the file",
               cat, "the file is truncated or corrupt; fetch it again");
    }
    const auto count = static_cast<size_t>(v.count);
    if (v.elem_type == GgufType::STRING) {
        r.charge(count * sizeof(std::string), cat);
        v.strings.reserve(count);
        for (size_t i = 0; i < count; ++i) v.strings.push_back(r.read_string("array element string"));
    } else if (v.elem_type == GgufType::ARRAY) {
        if (depth >= kMaxArrayDepth) {
            r.fail("arrays are nested deeper than " + std::to_string(kMaxArrayDepth) + " levels", cat, kHintCorrupt);
        }
        r.charge(count * sizeof(GgufValue), cat);
        v.arrays.reserve(count);
        for (size_t i = 0; i < count; ++i) v.arrays.push_back(read_array(r, depth + 1));
    } else {
        const size_t bytes = count * per;  // fits: count <= remaining / per
        r.charge(bytes, cat);
        v.packed.assign(r.ptr(), r.ptr() + bytes);
        r.skip(bytes);
    }
    return v;
}

GgufValue read_value(Reader& r, GgufType type) {
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
            const auto b = r.read<uint8_t>("bool value");
            if (b > 1) r.fail("bool value " + std::to_string(b) + " is neither 0 nor 1", at, kHintCorrupt);
            v.u = b;
            break;
        }
        case GgufType::STRING: v.str = r.read_string("string value"); break;
        case GgufType::ARRAY: return read_array(r, 0);
    }
    return v;
}

// Tensor type ids that ggml once had (or has since this table was made) but that the traits
// table does not list: named in the error so the user knows what they have.
const char* retired_type_name(uint32_t id) {
    switch (id) {
        case 4: return "q4_2 (removed from ggml in 2023)";
        case 5: return "q4_3 (removed from ggml in 2023)";
        case 31: return "q4_0_4_4 (removed from ggml in 2024; llama.cpp now repacks q4_0 at load time)";
        case 32: return "q4_0_4_8 (removed from ggml in 2024; llama.cpp now repacks q4_0 at load time)";
        case 33: return "q4_0_8_8 (removed from ggml in 2024; llama.cpp now repacks q4_0 at load time)";
        case 36: return "iq4_nl_4_4 (removed from ggml in 2024)";
        case 37: return "iq4_nl_4_8 (removed from ggml in 2024)";
        case 38: return "iq4_nl_8_8 (removed from ggml in 2024)";
        case 39: return "mxfp4";
        default: return nullptr;
    }
}

TensorInfo read_tensor_info(Reader& r, uint64_t index, uint64_t alignment) {
    TensorInfo ti;
    ti.info_offset = r.pos();
    r.set_context("tensor info #" + std::to_string(index));
    ti.name = r.read_string("tensor name");
    r.set_context("tensor " + printable_quoted(ti.name));
    const size_t dat = r.pos();
    const auto nd = r.read<uint32_t>("dimension count");
    if (nd == 0 || nd > kMaxDims) {
        r.fail("has " + std::to_string(nd) + " dimensions; GGUF tensors have 1 to " + std::to_string(kMaxDims), dat,
               kHintCorrupt);
    }
    uint64_t elems = 1;
    for (uint32_t j = 0; j < nd; ++j) {
        const size_t at = r.pos();
        const auto dim = r.read<uint64_t>("tensor dimension");
        if (dim == 0 || dim > (uint64_t{1} << 40) || elems > (uint64_t{1} << 50) / dim) {
            r.fail("dimension " + std::to_string(j) + " is " + std::to_string(dim) +
                       (dim == 0 ? ", an empty tensor" : ", more values than any model has"),
                   at, kHintCorrupt);
        }
        elems *= dim;
        ti.shape.push_back(static_cast<int64_t>(dim));
    }
    const size_t tyat = r.pos();
    const auto tid = r.read<uint32_t>("tensor type");
    const TypeTraits* tr = type_traits_by_id(tid);
    if (!tr) {
        const char* retired = retired_type_name(tid);
        r.fail("unknown tensor type id " + std::to_string(tid) + (retired ? std::string(" = ") + retired : ""), tyat,
               retired ? "re-quantize the original model to a current type such as q4_k_m or q8_0"
                       : "the file is corrupt, or uses a type newer than edgeseek; re-quantize it to q4_k_m or q8_0");
    }
    ti.type = static_cast<GgmlType>(tid);
    if (ti.shape[0] % tr->block_size != 0) {
        r.fail("row length " + std::to_string(ti.shape[0]) + " is not a multiple of the " + tr->name +
                   " block size " + std::to_string(tr->block_size),
               tyat, kHintCorrupt);
    }
    ti.nbytes = elems / static_cast<uint64_t>(tr->block_size) * tr->type_size;
    const size_t oat = r.pos();
    ti.offset = r.read<uint64_t>("tensor data offset");
    if (ti.offset % alignment != 0) {
        r.fail("data offset " + std::to_string(ti.offset) + " is misaligned: not a multiple of the alignment " +
                   std::to_string(alignment),
               oat, kHintCorrupt);
    }
    r.charge(kTensorOverhead + nd * sizeof(int64_t), ti.info_offset);
    r.set_context("");
    return ti;
}

// Checks that every tensor's bytes lie inside the data section and that no two overlap, then
// points each TensorInfo at its bytes.
void place_tensor_data(std::vector<TensorInfo>& ts, const uint8_t* d, size_t n, uint64_t data_offset,
                       const std::string& path) {
    const uint64_t data_size = n > data_offset ? n - data_offset : 0;
    auto where = [&](const TensorInfo& t) {
        return path + ": tensor " + printable_quoted(t.name) + " (info at byte " + std::to_string(t.info_offset) + ")";
    };
    std::vector<size_t> order(ts.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ts[a].offset < ts[b].offset; });
    for (size_t k = 0; k < order.size(); ++k) {
        TensorInfo& t = ts[order[k]];
        if (t.offset > data_size || t.nbytes > data_size - t.offset) {
            throw Error("data runs past the end of the file: " + std::to_string(t.nbytes) + " bytes at offset " +
                            std::to_string(t.offset) + " of the data section, which starts at byte " +
                            std::to_string(data_offset) + " and holds " + std::to_string(data_size) + " bytes",
                        where(t), "the file is truncated or corrupt; fetch it again");
        }
        if (k + 1 < order.size()) {
            const TensorInfo& next = ts[order[k + 1]];
            if (t.offset + t.nbytes > next.offset) {
                throw Error("data [" + std::to_string(t.offset) + ", " + std::to_string(t.offset + t.nbytes) +
                                ") overlaps the data of tensor " + printable_quoted(next.name) + " at offset " +
                                std::to_string(next.offset) + " (offsets within the data section)",
                            where(t), "the file was written incorrectly; re-convert the model");
            }
        }
        t.data = d + data_offset + t.offset;
    }
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
T load_packed(const GgufValue& v, uint64_t idx) {
    if (idx >= v.count || idx >= v.packed.size() / sizeof(T)) {
        throw std::out_of_range("GGUF array index " + std::to_string(idx) + " out of range (" +
                                std::to_string(v.count) + " elements)");
    }
    T x;
    std::memcpy(&x, v.packed.data() + idx * sizeof(T), sizeof(T));
    return x;
}

// float -> int64 without undefined behaviour for NaN or out-of-range values.
int64_t saturate_to_int64(double x) {
    if (std::isnan(x)) return 0;
    if (x >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
    if (x <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(x);
}
}  // namespace

double GgufValue::number_at(uint64_t idx) const {
    switch (elem_type) {
        case GgufType::F32: return load_packed<float>(*this, idx);
        case GgufType::F64: return load_packed<double>(*this, idx);
        case GgufType::U64: return static_cast<double>(load_packed<uint64_t>(*this, idx));
        default: return static_cast<double>(integer_at(idx));
    }
}

int64_t GgufValue::integer_at(uint64_t idx) const {
    switch (elem_type) {
        case GgufType::U8: case GgufType::BOOL: return load_packed<uint8_t>(*this, idx);
        case GgufType::I8: return load_packed<int8_t>(*this, idx);
        case GgufType::U16: return load_packed<uint16_t>(*this, idx);
        case GgufType::I16: return load_packed<int16_t>(*this, idx);
        case GgufType::U32: return load_packed<uint32_t>(*this, idx);
        case GgufType::I32: return load_packed<int32_t>(*this, idx);
        case GgufType::U64: return static_cast<int64_t>(load_packed<uint64_t>(*this, idx));
        case GgufType::I64: return load_packed<int64_t>(*this, idx);
        case GgufType::F32: return saturate_to_int64(load_packed<float>(*this, idx));
        case GgufType::F64: return saturate_to_int64(load_packed<double>(*this, idx));
        default:
            throw std::out_of_range(std::string("GGUF array of ") + gguf_type_name(elem_type) +
                                    " has no numeric elements");
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
            const uint64_t shown = std::min<uint64_t>(count, max_elems);
            if (shown > 0) {
                o << " ";
                for (uint64_t k = 0; k < shown; ++k) {
                    if (k) o << ", ";
                    if (elem_type == GgufType::STRING) o << '"' << (k < strings.size() ? strings[k] : "") << '"';
                    else if (elem_type == GgufType::ARRAY) o << "[...]";
                    else if (k < packed.size() / std::max<size_t>(gguf_scalar_size(elem_type), 1)) o << number_at(k);
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

namespace {

// Rejects anything that is not GGUF, naming what it is when we can tell.
void check_magic(const uint8_t* d, size_t n, const std::string& path) {
    if (n >= 4 && std::memcmp(d, "GGUF", 4) == 0) return;
    if (n > 0 && n < sizeof kGgufMagic && std::memcmp(d, kGgufMagic, n) == 0) {
        throw Error("file is truncated: only " + std::to_string(n) + " bytes, a GGUF header needs at least 24",
                    path + " at byte 0", kHintTruncated);
    }
    const ForeignFormat f = identify_format(d, n);
    if (!f.what.empty()) throw Error("not a GGUF file: this is " + f.what, path, f.hint);
    std::string shown;
    for (size_t k = 0; k < std::min<size_t>(n, 4); ++k) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02x", d[k]);
        if (k) shown += ' ';
        shown += buf;
    }
    throw Error("not a GGUF file: it starts with bytes " + shown + ", GGUF files start with 'GGUF'",
                path + " at byte 0", "pass a .gguf model file, e.g. one downloaded from Hugging Face");
}

uint32_t read_version(Reader& r) {
    const size_t at = r.pos();
    const auto v = r.read<uint32_t>("GGUF version");
    if (v == 2 || v == 3) return v;
    if (v == 1) {
        r.fail("GGUF version 1 (2023) is not supported, only v2 and v3", at,
               "re-convert the model with a current llama.cpp converter");
    }
    const uint32_t swapped = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
    if (swapped == 2 || swapped == 3) {
        r.fail("this GGUF file is big-endian (version field reads " + std::to_string(swapped) +
                   " byte-swapped); edgeseek reads little-endian GGUF",
               at, "re-convert the model without --bigendian");
    }
    r.fail("unsupported GGUF version " + std::to_string(v) + " (edgeseek reads v2 and v3)", at,
           "the file is corrupt or from a newer GGUF revision; fetch it again or re-convert it");
}

// general.alignment when present (an unsigned power of two), else GGUF's default of 32.
uint64_t alignment_of(const GgufFile& g) {
    const GgufValue* a = g.find("general.alignment");
    if (!a) return 32;
    const bool is_unsigned = a->type == GgufType::U8 || a->type == GgufType::U16 || a->type == GgufType::U32 ||
                             a->type == GgufType::U64;
    if (!is_unsigned || a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > kMaxAlignment) {
        throw Error(std::string("general.alignment must be an unsigned power of two up to ") +
                        std::to_string(kMaxAlignment) + ", got " + gguf_type_name(a->type) + " " + a->to_display(),
                    g.where_key("general.alignment"), kHintCorrupt);
    }
    return a->u;
}

}  // namespace

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
    check_magic(d, n, path);

    Reader r(d, n, path);
    r.skip(sizeof kGgufMagic);
    version_ = read_version(r);
    const size_t count_at = r.pos();
    const auto n_tensors = r.read<uint64_t>("tensor count");
    const auto n_kv = r.read<uint64_t>("metadata key/value count");
    if (n_tensors > r.remaining() / kMinTensorInfoBytes) {
        r.fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the " + std::to_string(r.remaining()) +
                   " bytes after the header (each tensor info takes at least " +
                   std::to_string(kMinTensorInfoBytes) + ")",
               count_at, "the header is corrupt or the file truncated; fetch it again");
    }
    if (n_kv > r.remaining() / kMinKvBytes) {
        r.fail("metadata key/value count " + std::to_string(n_kv) + " cannot fit in the " +
                   std::to_string(r.remaining()) + " bytes after the header (each entry takes at least " +
                   std::to_string(kMinKvBytes) + ")",
               count_at + 8, "the header is corrupt or the file truncated; fetch it again");
    }

    for (uint64_t k = 0; k < n_kv; ++k) {
        const size_t kat = r.pos();
        r.set_context("metadata entry #" + std::to_string(k));
        std::string key = r.read_string("metadata key");
        r.set_context("key " + printable_quoted(key));
        r.charge(kKeyOverhead, kat);
        if (auto prev = kv_offset_.find(key); prev != kv_offset_.end()) {
            r.fail("duplicate metadata key (first defined at byte " + std::to_string(prev->second) + ")", kat,
                   "the file was written incorrectly; re-convert the model");
        }
        const size_t tat = r.pos();
        const auto t = r.read<uint32_t>("metadata value type");
        if (!valid_type(t)) {
            r.fail("value type " + std::to_string(t) + " is not a GGUF value type (0 to 12)", tat, kHintCorrupt);
        }
        GgufValue v = read_value(r, static_cast<GgufType>(t));
        kv_offset_[key] = kat;
        key_order_.push_back(key);
        kv_.emplace(std::move(key), std::move(v));
    }
    r.set_context("");

    alignment_ = alignment_of(*this);

    r.charge(static_cast<size_t>(n_tensors) * sizeof(TensorInfo), count_at);
    tensors_.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t k = 0; k < n_tensors; ++k) {
        TensorInfo ti = read_tensor_info(r, k, alignment_);
        if (auto prev = tensor_index_.find(ti.name); prev != tensor_index_.end()) {
            throw Error("duplicate tensor name (the first one's info is at byte " +
                            std::to_string(tensors_[prev->second].info_offset) + ")",
                        path + ": tensor " + printable_quoted(ti.name) + " at byte " + std::to_string(ti.info_offset),
                        "the file was written incorrectly; re-convert the model");
        }
        tensor_index_[ti.name] = tensors_.size();
        tensors_.push_back(std::move(ti));
    }

    data_offset_ = (r.pos() + alignment_ - 1) / alignment_ * alignment_;
    place_tensor_data(tensors_, d, n, data_offset_, path);
}

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = kv_.find(key);
    return it == kv_.end() ? nullptr : &it->second;
}

std::string GgufFile::where_key(const std::string& key) const {
    auto it = kv_offset_.find(key);
    std::string w = path() + ": key " + printable_quoted(key);
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
            if (v->u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
                throw Error("integer " + std::to_string(v->u) + " is too large", where_key(key),
                            "the file's metadata is malformed");
            }
            return static_cast<int64_t>(v->u);
        default: return v->i;
    }
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    if (v->type == GgufType::F32 || v->type == GgufType::F64) return v->f;
    if (v->type == GgufType::U8 || v->type == GgufType::U16 || v->type == GgufType::U32 || v->type == GgufType::U64) {
        return static_cast<double>(v->u);
    }
    if (v->is_integer()) return static_cast<double>(v->i);
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

size_t gguf_scalar_size(GgufType t) {
    switch (t) {
        case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
        case GgufType::U16: case GgufType::I16: return 2;
        case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
        case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
        default: return 0;
    }
}

}  // namespace edgeseek
