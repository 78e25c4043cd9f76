#include "chat/jinja/format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

namespace {

void check_depth(size_t depth) {
    if (depth > kMaxValueDepth) fault("value nested too deeply to print");
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%0*x", digits, value);
    out += prefix;
    out += buf;
}

void repr_into(std::string& out, const Value& v, size_t depth);

void sequence_repr(std::string& out, const Value& v, size_t depth) {
    const bool tuple = v.list_kind() == ListKind::Tuple;
    if (v.list_kind() == ListKind::Generator) {
        out += "<generator object>";
        return;
    }
    out += tuple ? '(' : '[';
    const auto& items = v.items();
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        repr_into(out, items[i], depth + 1);
    }
    if (tuple && items.size() == 1) out += ',';
    out += tuple ? ')' : ']';
}

void repr_into(std::string& out, const Value& v, size_t depth) {
    check_depth(depth);
    switch (v.type()) {
        case Value::Type::Undefined: out += "Undefined"; return;
        case Value::Type::String:
            if (v.is_markup()) {
                out += "Markup(" + string_repr(v.str()) + ")";
                return;
            }
            out += string_repr(v.str());
            return;
        case Value::Type::List: sequence_repr(out, v, depth); return;
        case Value::Type::Dict: {
            out += '{';
            bool first = true;
            for (const auto& [k, val] : v.dict_data().entries) {
                if (!first) out += ", ";
                first = false;
                repr_into(out, k, depth + 1);
                out += ": ";
                repr_into(out, val, depth + 1);
            }
            out += '}';
            return;
        }
        default: out += py_str(v); return;
    }
}

}  // namespace

std::string float_repr(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    const size_t e = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e))
        if (c != '.') digits += c;
    int exp = 0;
    std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
    const int decpt = exp + 1;  // digits[0..decpt) are the integer part
    const int nd = static_cast<int>(digits.size());
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out += std::string("0.") + std::string(static_cast<size_t>(-decpt), '0') + digits;
        } else if (decpt >= nd) {
            out += digits + std::string(static_cast<size_t>(decpt - nd), '0') + ".0";
        } else {
            out += digits.substr(0, static_cast<size_t>(decpt)) + "." +
                   digits.substr(static_cast<size_t>(decpt));
        }
        return out;
    }
    out += digits[0];
    if (nd > 1) out += std::string(".") + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + ebuf;
}

std::string string_repr(std::string_view s) {
    const bool has_single = s.find('\'') != std::string_view::npos;
    const bool has_double = s.find('"') != std::string_view::npos;
    const char quote = (has_single && !has_double) ? '"' : '\'';
    std::string out(1, quote);
    for (size_t pos = 0; pos < s.size();) {
        const size_t start = pos;
        const char32_t c = decode_utf8(s, pos);
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c == 0x7F) {
            append_hex(out, "\\x", c, 2);
        } else if (c < 0x7F) {
            out += static_cast<char>(c);
        } else if (!is_printable(c)) {
            if (c <= 0xFF)
                append_hex(out, "\\x", c, 2);
            else if (c <= 0xFFFF)
                append_hex(out, "\\u", c, 4);
            else
                append_hex(out, "\\U", c, 8);
        } else {
            out.append(s.substr(start, pos - start));
        }
    }
    out += quote;
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string py_str(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined: return {};
        case Value::Type::None: return "None";
        case Value::Type::Bool: return v.as_bool() ? "True" : "False";
        case Value::Type::Int: return std::to_string(v.as_int());
        case Value::Type::Float: return float_repr(v.as_double());
        case Value::Type::String: return v.str();
        case Value::Type::Object: return v.object().repr();
        default: {
            std::string out;
            repr_into(out, v, 0);
            return out;
        }
    }
}

std::string py_repr(const Value& v) {
    std::string out;
    repr_into(out, v, 0);
    return out;
}

// ---- json.dumps ------------------------------------------------------------------------------

namespace {

void json_string(std::string& out, std::string_view s, bool ensure_ascii) {
    out += '"';
    for (size_t pos = 0; pos < s.size();) {
        const size_t start = pos;
        const char32_t c = decode_utf8(s, pos);
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            case '\b': out += "\\b"; continue;
            case '\f': out += "\\f"; continue;
            default: break;
        }
        if (c < 0x20) {
            append_hex(out, "\\u", c, 4);
        } else if (ensure_ascii && c > 0x7E) {
            if (c >= 0x10000) {
                const char32_t v = c - 0x10000;
                append_hex(out, "\\u", 0xD800 + (v >> 10), 4);
                append_hex(out, "\\u", 0xDC00 + (v & 0x3FF), 4);
            } else {
                append_hex(out, "\\u", c, 4);
            }
        } else {
            out.append(s.substr(start, pos - start));
        }
    }
    out += '"';
}

std::string json_float(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
    return float_repr(d);
}

std::string json_key(const Value& k) {
    switch (k.type()) {
        case Value::Type::String: return k.str();
        case Value::Type::Float: return json_float(k.as_double());
        case Value::Type::Bool: return k.as_bool() ? "true" : "false";
        case Value::Type::Int: return std::to_string(k.as_int());
        case Value::Type::None: return "null";
        default: break;
    }
    fault("keys must be str, int, float, bool or None, not " + type_name(k));
}

void json_into(std::string& out, const Value& v, const JsonOptions& o, size_t level);

void newline_indent(std::string& out, const JsonOptions& o, size_t level) {
    out += '\n';
    for (size_t i = 0; i < level; ++i) out += *o.indent;
}

void json_into(std::string& out, const Value& v, const JsonOptions& o, size_t level) {
    check_depth(level);
    switch (v.type()) {
        case Value::Type::None: out += "null"; return;
        case Value::Type::Bool: out += v.as_bool() ? "true" : "false"; return;
        case Value::Type::Int: out += std::to_string(v.as_int()); return;
        case Value::Type::Float: out += json_float(v.as_double()); return;
        case Value::Type::String: json_string(out, v.str(), o.ensure_ascii); return;
        case Value::Type::List: {
            if (v.list_kind() == ListKind::Generator) break;
            const auto& items = v.items();
            if (items.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += o.item_separator;
                if (o.indent) newline_indent(out, o, level + 1);
                json_into(out, items[i], o, level + 1);
            }
            if (o.indent) newline_indent(out, o, level);
            out += ']';
            return;
        }
        case Value::Type::Dict: {
            const auto& entries = v.dict_data().entries;
            if (entries.empty()) {
                out += "{}";
                return;
            }
            std::vector<const std::pair<Value, Value>*> order;
            for (const auto& e : entries) order.push_back(&e);
            if (o.sort_keys)
                std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
                    return py_compare(CmpOp::Lt, a->first, b->first);
                });
            out += '{';
            bool first = true;
            for (const auto* e : order) {
                if (!first) out += o.item_separator;
                first = false;
                if (o.indent) newline_indent(out, o, level + 1);
                json_string(out, json_key(e->first), o.ensure_ascii);
                out += o.key_separator;
                json_into(out, e->second, o, level + 1);
            }
            if (o.indent) newline_indent(out, o, level);
            out += '}';
            return;
        }
        default: break;
    }
    fault("Object of type " + type_name(v) + " is not JSON serializable");
}

}  // namespace

std::string to_json(const Value& v, const JsonOptions& options) {
    std::string out;
    json_into(out, v, options, 0);
    return out;
}

}  // namespace edgeseek::jinja
