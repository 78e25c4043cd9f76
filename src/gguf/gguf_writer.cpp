#include "gguf/gguf_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"

namespace edgeseek {
namespace {

void put(std::vector<uint8_t>& out, const void* p, size_t n) {
    // resize + memcpy rather than insert(): gcc 12 reports a false -Wstringop-overflow on insert.
    if (n == 0) return;
    const size_t at = out.size();
    out.resize(at + n);
    std::memcpy(out.data() + at, p, n);
}
template <typename T>
void put(std::vector<uint8_t>& out, T v) { put(out, &v, sizeof v); }
void put_string(std::vector<uint8_t>& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    put(out, s.data(), s.size());
}

// An array whose count disagrees with its elements would make the reader misparse everything
// after it; refuse to write it.
void check_array(const std::string& key, const GgufValue& v) {
    size_t have = 0;
    if (v.elem_type == GgufType::STRING) have = v.strings.size();
    else if (v.elem_type == GgufType::ARRAY) have = v.arrays.size();
    else if (gguf_scalar_size(v.elem_type) != 0 && v.packed.size() % gguf_scalar_size(v.elem_type) == 0)
        have = v.packed.size() / gguf_scalar_size(v.elem_type);
    else have = static_cast<size_t>(-1);
    if (have != v.count) {
        throw Error("cannot write key '" + key + "': array count " + std::to_string(v.count) +
                        " does not match its elements (" + std::string(gguf_type_name(v.elem_type)) + ")",
                    "gguf writer", "set GgufValue::count to the number of elements");
    }
}

void put_value(std::vector<uint8_t>& out, const std::string& key, const GgufValue& v, bool with_type) {
    if (with_type) put<uint32_t>(out, static_cast<uint32_t>(v.type));
    switch (v.type) {
        case GgufType::U8: case GgufType::BOOL: put<uint8_t>(out, static_cast<uint8_t>(v.u)); break;
        case GgufType::I8: put<int8_t>(out, static_cast<int8_t>(v.i)); break;
        case GgufType::U16: put<uint16_t>(out, static_cast<uint16_t>(v.u)); break;
        case GgufType::I16: put<int16_t>(out, static_cast<int16_t>(v.i)); break;
        case GgufType::U32: put<uint32_t>(out, static_cast<uint32_t>(v.u)); break;
        case GgufType::I32: put<int32_t>(out, static_cast<int32_t>(v.i)); break;
        case GgufType::U64: put<uint64_t>(out, v.u); break;
        case GgufType::I64: put<int64_t>(out, v.i); break;
        case GgufType::F32: put<float>(out, static_cast<float>(v.f)); break;
        case GgufType::F64: put<double>(out, v.f); break;
        case GgufType::STRING: put_string(out, v.str); break;
        case GgufType::ARRAY:
            check_array(key, v);
            put<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
            put<uint64_t>(out, v.count);
            if (v.elem_type == GgufType::STRING) {
                for (const auto& s : v.strings) put_string(out, s);
            } else if (v.elem_type == GgufType::ARRAY) {
                for (const auto& a : v.arrays) put_value(out, key, a, false);
            } else {
                put(out, v.packed.data(), v.packed.size());
            }
            break;
    }
}

GgufValue scalar(GgufType t) {
    GgufValue v;
    v.type = t;
    return v;
}

template <typename T>
GgufValue packed_array(GgufType et, const std::vector<T>& xs) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    v.elem_type = et;
    v.count = xs.size();
    v.packed.resize(xs.size() * sizeof(T));
    if (!xs.empty()) std::memcpy(v.packed.data(), xs.data(), v.packed.size());
    return v;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue v) {
    // The key and the layout must agree, so setting the key sets the alignment (the reader
    // aligns the data section by the key; the writer by alignment_).
    const bool is_unsigned = v.type == GgufType::U8 || v.type == GgufType::U16 || v.type == GgufType::U32 ||
                             v.type == GgufType::U64;
    if (key == "general.alignment" && is_unsigned && v.u > 0 && v.u <= (1u << 20)) {
        alignment_ = static_cast<uint32_t>(v.u);
    }
    for (auto& kv : kv_) {
        if (kv.first == key) { kv.second = std::move(v); return; }
    }
    kv_.emplace_back(key, std::move(v));
}
void GgufWriter::set_u32(const std::string& key, uint32_t x) { auto v = scalar(GgufType::U32); v.u = x; set(key, v); }
void GgufWriter::set_i32(const std::string& key, int32_t x) { auto v = scalar(GgufType::I32); v.i = x; set(key, v); }
void GgufWriter::set_f32(const std::string& key, float x) { auto v = scalar(GgufType::F32); v.f = x; set(key, v); }
void GgufWriter::set_bool(const std::string& key, bool x) { auto v = scalar(GgufType::BOOL); v.u = x; set(key, v); }
void GgufWriter::set_string(const std::string& key, const std::string& x) { auto v = scalar(GgufType::STRING); v.str = x; set(key, v); }
void GgufWriter::set_string_array(const std::string& key, const std::vector<std::string>& xs) {
    GgufValue v;
    v.type = GgufType::ARRAY;
    v.elem_type = GgufType::STRING;
    v.count = xs.size();
    v.strings = xs;
    set(key, std::move(v));
}
void GgufWriter::set_f32_array(const std::string& key, const std::vector<float>& xs) { set(key, packed_array(GgufType::F32, xs)); }
void GgufWriter::set_i32_array(const std::string& key, const std::vector<int32_t>& xs) { set(key, packed_array(GgufType::I32, xs)); }

void GgufWriter::copy_metadata_from(const GgufFile& src) {
    for (const auto& k : src.keys()) set(k, *src.find(k));
    if (auto a = src.get_uint("general.alignment")) alignment_ = static_cast<uint32_t>(*a);
}

void GgufWriter::remove(const std::string& key) {
    for (auto it = kv_.begin(); it != kv_.end(); ++it) {
        if (it->first == key) { kv_.erase(it); return; }
    }
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<int64_t>& shape, GgmlType type, FillFn fill) {
    const TypeTraits* tr = type_traits(type);
    int64_t n = 1;
    bool dims_ok = !shape.empty() && shape.size() <= 4;
    for (int64_t d : shape) dims_ok = dims_ok && d > 0;
    if (dims_ok) for (int64_t d : shape) n *= d;
    if (!tr || !dims_ok || shape[0] % tr->block_size != 0) {
        throw Error("cannot write tensor '" + name + "' as " + type_name(type) + ": shape " +
                        (dims_ok ? "row length " + std::to_string(shape[0]) + " does not fit the block size"
                                 : std::string("must have 1 to 4 positive dimensions")),
                    "gguf writer");
    }
    for (const auto& t : tensors_) {
        if (t.name == name) throw Error("cannot write tensor '" + name + "' twice", "gguf writer", "give every tensor its own name");
    }
    tensors_.push_back({name, shape, type, static_cast<uint64_t>(n / tr->block_size) * tr->type_size, std::move(fill)});
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<int64_t>& shape, GgmlType type, const void* data) {
    add_tensor(name, shape, type, FillFn{});
    const size_t bytes = static_cast<size_t>(tensors_.back().nbytes);
    tensors_.back().fill = [data, bytes](uint8_t* dst) { std::memcpy(dst, data, bytes); };
}

std::vector<uint8_t> GgufWriter::header_bytes(std::vector<uint64_t>* offsets) const {
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) {
        throw Error("alignment " + std::to_string(alignment_) + " is not a power of two", "gguf writer");
    }
    // general.alignment is written whenever it differs from GGUF's default of 32, and always
    // with the value the data section is really aligned to.
    GgufValue align;
    align.type = GgufType::U32;
    align.u = alignment_;
    bool has_align_key = false;
    for (const auto& kv : kv_) has_align_key = has_align_key || kv.first == "general.alignment";
    const bool add_align_key = !has_align_key && alignment_ != 32;

    std::vector<uint8_t> h;
    put<uint32_t>(h, 0x46554747);
    put<uint32_t>(h, 3);
    put<uint64_t>(h, tensors_.size());
    put<uint64_t>(h, kv_.size() + (add_align_key ? 1 : 0));
    for (const auto& kv : kv_) {
        put_string(h, kv.first);
        put_value(h, kv.first, kv.first == "general.alignment" ? align : kv.second, true);
    }
    if (add_align_key) {
        put_string(h, "general.alignment");
        put_value(h, "general.alignment", align, true);
    }
    uint64_t off = 0;
    for (const auto& t : tensors_) {
        put_string(h, t.name);
        put<uint32_t>(h, static_cast<uint32_t>(t.shape.size()));
        for (int64_t d : t.shape) put<uint64_t>(h, static_cast<uint64_t>(d));
        put<uint32_t>(h, static_cast<uint32_t>(t.type));
        put<uint64_t>(h, off);
        offsets->push_back(off);
        off += (t.nbytes + alignment_ - 1) / alignment_ * alignment_;
    }
    h.resize((h.size() + alignment_ - 1) / alignment_ * alignment_, 0);
    return h;
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
    std::vector<uint64_t> offsets;
    std::vector<uint8_t> out = header_bytes(&offsets);
    const size_t base = out.size();
    for (size_t k = 0; k < tensors_.size(); ++k) {
        out.resize(base + offsets[k] + tensors_[k].nbytes, 0);
        tensors_[k].fill(out.data() + base + offsets[k]);
        out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, 0);
    }
    return out;
}

void GgufWriter::write(const std::string& path) const {
    std::vector<uint64_t> offsets;
    const std::vector<uint8_t> head = header_bytes(&offsets);  // may throw: before creating anything
    const std::string tmp = path + ".partial";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw Error(std::string("cannot create output file: ") + std::strerror(errno), tmp,
                    "check that the directory exists and is writable");
    }
    auto fail = [&](const std::string& what) {
        const int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(what + ": " + std::strerror(e), path, "check free disk space and permissions");
    };
    auto write_all = [&](const uint8_t* p, size_t n) {
        while (n > 0) {
            ssize_t w = ::write(fd, p, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                fail("write failed");
            }
            p += w;
            n -= static_cast<size_t>(w);
        }
    };
    write_all(head.data(), head.size());
    std::vector<uint8_t> buf;
    for (const auto& t : tensors_) {
        const size_t padded = static_cast<size_t>((t.nbytes + alignment_ - 1) / alignment_ * alignment_);
        buf.assign(padded, 0);
        try {
            t.fill(buf.data());
        } catch (...) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw;
        }
        write_all(buf.data(), padded);
    }
    if (::fsync(fd) != 0) fail("fsync failed");
    if (::close(fd) != 0) {
        ::unlink(tmp.c_str());
        throw Error(std::string("close failed: ") + std::strerror(errno), path, "check free disk space");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        throw Error(std::string("cannot rename output into place: ") + std::strerror(e), path, "check permissions");
    }
}

}  // namespace edgeseek
