// Python string formatting: printf-style `str % args` (also the `format` filter) and
// str.format() with jinja2's sandboxed field lookup.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include "chat/jinja/builtins.h"
#include "chat/jinja/format.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

namespace {

// Pads `body` (already including any sign/prefix) to `width` code points.
std::string pad_to(std::string body, size_t width, char32_t fill, char align, size_t sign_len) {
    const size_t len = utf8_length(body);
    if (width <= len) return body;
    if (width > (size_t{1} << 20)) fault("format width too large");
    std::string f;
    append_utf8(f, fill);
    const size_t total = width - len;
    auto repeat = [&](size_t n) {
        std::string r;
        for (size_t i = 0; i < n; ++i) r += f;
        return r;
    };
    switch (align) {
        case '<': return body + repeat(total);
        case '^': return repeat(total / 2) + body + repeat(total - total / 2);
        case '=': return body.substr(0, sign_len) + repeat(total) + body.substr(sign_len);
        default: return repeat(total) + body;
    }
}

std::string group_digits(const std::string& digits, char sep, size_t every) {
    if (!sep) return digits;
    std::string out;
    const size_t n = digits.size();
    for (size_t i = 0; i < n; ++i) {
        if (i && (n - i) % every == 0) out += sep;
        out += digits[i];
    }
    return out;
}

struct Spec {
    char32_t fill = ' ';
    char align = 0;
    char sign = '-';
    bool alt = false;
    bool zero = false;
    size_t width = 0;
    char grouping = 0;
    int precision = -1;
    char type = 0;
};

Spec parse_spec(std::string_view s) {
    Spec sp;
    size_t i = 0;
    auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    {
        size_t q = 0;
        const char32_t first = s.empty() ? 0 : decode_utf8(s, q);
        if (q < s.size() && is_align(s[q])) {
            sp.fill = first;
            sp.align = s[q];
            i = q + 1;
        } else if (!s.empty() && is_align(s[0])) {
            sp.align = s[0];
            i = 1;
        }
    }
    if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
    if (i < s.size() && s[i] == '#') sp.alt = true, ++i;
    if (i < s.size() && s[i] == '0') sp.zero = true, ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') sp.width = sp.width * 10 + static_cast<size_t>(s[i++] - '0');
    if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
    if (i < s.size() && s[i] == '.') {
        ++i;
        sp.precision = 0;
        if (i >= s.size() || s[i] < '0' || s[i] > '9') fault("Format specifier missing precision");
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') sp.precision = sp.precision * 10 + (s[i++] - '0');
        if (sp.precision > 1000) fault("precision too large");
    }
    if (i < s.size()) sp.type = s[i++];
    if (i != s.size()) fault("Invalid format specifier");
    if (sp.zero && !sp.align) {
        sp.fill = '0';
        sp.align = '=';
    }
    if (sp.width > (size_t{1} << 20)) fault("format width too large");
    return sp;
}

std::string sign_prefix(bool negative, char sign) {
    if (negative) return "-";
    if (sign == '+') return "+";
    if (sign == ' ') return " ";
    return "";
}

std::string format_float_body(double d, char type, int precision) {
    char buf[1200];
    const char conv = type == '%' ? 'f' : type;
    char f[16];
    std::snprintf(f, sizeof f, "%%.%d%c", precision < 0 ? 6 : precision, conv);
    std::snprintf(buf, sizeof buf, f, type == '%' ? d * 100 : d);
    std::string s = buf;
    if (type == '%') s += '%';
    return s;
}

std::string apply_spec(const Value& v, std::string_view spec_text) {
    if (spec_text.empty()) return py_str(v);
    Spec sp = parse_spec(spec_text);
    if (v.is_string() || (!v.is_number())) {
        if (!v.is_string()) fault("unsupported format string passed to " + type_name(v) + ".__format__");
        if (sp.type && sp.type != 's') fault(std::string("Unknown format code '") + sp.type + "' for object of type 'str'");
        if (sp.sign != '-' || sp.alt || sp.grouping || sp.align == '=')
            fault("Sign not allowed in string format specifier");
        std::string s = v.str();
        if (sp.precision >= 0) {
            const std::vector<char32_t> cps = to_code_points(s);
            if (cps.size() > static_cast<size_t>(sp.precision))
                s = from_code_points(cps.data(), cps.data() + sp.precision);
        }
        return pad_to(s, sp.width, sp.fill, sp.align ? sp.align : '<', 0);
    }
    const char align = sp.align ? sp.align : '>';
    const bool int_type = sp.type == 0 || std::string_view("bcdoxXn").find(sp.type) != std::string_view::npos;
    if (v.is_integral() && int_type) {
        if (sp.precision >= 0) fault("Precision not allowed in integer format specifier");
        const int64_t i = v.as_int();
        const uint64_t mag = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
        if (sp.type == 'c') return pad_to(std::string(1, static_cast<char>(i & 0x7F)), sp.width, sp.fill, align, 0);
        const int base = sp.type == 'b' ? 2 : sp.type == 'o' ? 8 : (sp.type == 'x' || sp.type == 'X') ? 16 : 10;
        char buf[72];
        auto res = std::to_chars(buf, buf + sizeof buf, mag, base);
        std::string digits(buf, res.ptr);
        if (sp.type == 'X')
            for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        digits = group_digits(digits, sp.grouping, base == 10 ? 3 : 4);
        std::string prefix = sign_prefix(i < 0, sp.sign);
        if (sp.alt && base != 10) prefix += base == 2 ? "0b" : base == 8 ? "0o" : sp.type == 'X' ? "0X" : "0x";
        return pad_to(prefix + digits, sp.width, sp.fill, align, prefix.size());
    }
    if (std::string_view("eEfFgG%").find(sp.type) == std::string_view::npos && sp.type != 0)
        fault(std::string("Unknown format code '") + sp.type + "' for object of type '" + type_name(v) + "'");
    const double d = v.as_double();
    std::string body;
    if (sp.type == 0 && sp.precision < 0) {
        body = float_repr(std::fabs(d));
    } else {
        body = format_float_body(std::fabs(d), sp.type ? sp.type : 'g', sp.precision < 0 ? 6 : sp.precision);
    }
    if (sp.grouping) {
        const size_t end = body.find_first_not_of("0123456789");
        body = group_digits(body.substr(0, end), sp.grouping, 3) + (end == std::string::npos ? "" : body.substr(end));
    }
    const std::string prefix = sign_prefix(std::signbit(d) && !std::isnan(d), sp.sign);
    return pad_to(prefix + body, sp.width, sp.fill, align, prefix.size());
}

// ---- printf-style ----

std::string percent_one(char conv, const Value& arg, const std::string& flags, int width, int precision,
                        bool escape) {
    const bool left = flags.find('-') != std::string::npos;
    const bool zero = flags.find('0') != std::string::npos && !left;
    const char sign = flags.find('+') != std::string::npos ? '+' : flags.find(' ') != std::string::npos ? ' ' : '-';
    const size_t w = width < 0 ? 0 : static_cast<size_t>(width);
    if (conv == 's' || conv == 'r' || conv == 'a') {
        std::string s = conv == 's' ? py_str(arg) : py_repr(arg);
        if (escape && !arg.is_markup()) s = html_escape(s);
        if (precision >= 0) {
            const std::vector<char32_t> cps = to_code_points(s);
            if (cps.size() > static_cast<size_t>(precision)) s = from_code_points(cps.data(), cps.data() + precision);
        }
        return pad_to(s, w, ' ', left ? '<' : '>', 0);
    }
    if (conv == 'c') {
        if (arg.is_string() && utf8_length(arg.str()) == 1) return pad_to(arg.str(), w, ' ', left ? '<' : '>', 0);
        if (!arg.is_integral()) fault("%c requires int or char");
        std::string s;
        const int64_t cp = arg.as_int();
        append_utf8(s, cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? kReplacementChar : static_cast<char32_t>(cp));
        return pad_to(s, w, ' ', left ? '<' : '>', 0);
    }
    const bool int_conv = conv == 'd' || conv == 'i' || conv == 'u' || conv == 'o' || conv == 'x' || conv == 'X';
    if (int_conv) {
        if (!arg.is_number())
            fault(std::string("%") + conv + " format: " + (conv == 'd' || conv == 'i' || conv == 'u' ? "a real number" : "an integer") +
                  " is required, not " + type_name(arg));
        if (arg.is_float() && (conv == 'o' || conv == 'x' || conv == 'X'))
            fault(std::string("%") + conv + " format: an integer is required, not float");
        const double d = arg.is_float() ? arg.as_double() : 0;
        if (arg.is_float() && (!std::isfinite(d) || std::fabs(d) >= 9.2e18)) fault("cannot convert float to integer");
        const int64_t i = arg.is_float() ? static_cast<int64_t>(d) : arg.as_int();
        std::string spec;
        if (sign != '-') spec += sign;
        if (flags.find('#') != std::string::npos) spec += '#';
        if (zero) spec += '0';
        if (w) spec += std::to_string(w);
        if (left) spec.insert(spec.begin(), '<');
        const char type = (conv == 'o' || conv == 'x' || conv == 'X') ? conv : 'd';
        std::string body = apply_spec(Value::integer(i), spec + type);
        if (precision > 0) {  // minimum number of digits
            const size_t start = body.find_first_of("0123456789");
            const std::string digits = body.substr(start);
            if (digits.size() < static_cast<size_t>(precision))
                body = body.substr(0, start) + std::string(static_cast<size_t>(precision) - digits.size(), '0') + digits;
        }
        return body;
    }
    if (std::string_view("eEfFgG").find(conv) != std::string_view::npos) {
        if (!arg.is_number()) fault("must be real number, not " + type_name(arg));
        std::string spec;
        if (left) spec += '<';
        if (sign != '-') spec += sign;
        if (zero) spec += '0';
        if (w) spec += std::to_string(w);
        spec += std::string(".") + std::to_string(precision < 0 ? 6 : precision);
        return apply_spec(Value::number(arg.as_double()), spec + conv);
    }
    fault(std::string("unsupported format character '") + conv + "'");
}

}  // namespace

std::string percent_format(const std::string& fmt, const Value& args, bool escape_args) {
    std::vector<Value> positional;
    const DictData* mapping = nullptr;
    // Python skips the "not all arguments converted" check when the argument supports
    // subscripting (dict, list, Undefined, ...), not only for real mappings.
    bool subscriptable = false;
    if (args.is_list() && args.list_kind() == ListKind::Tuple) {
        positional = args.items();
    } else {
        if (args.is_dict()) mapping = &args.dict_data();
        subscriptable = args.is_dict() || args.is_undefined() ||
                        (args.is_list() && args.list_kind() == ListKind::List);
        positional.push_back(args);
    }
    size_t next = 0;
    auto take = [&]() -> const Value& {
        if (next >= positional.size()) fault("not enough arguments for format string");
        return positional[next++];
    };
    std::string out;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        if (++i >= fmt.size()) fault("incomplete format");
        if (fmt[i] == '%') {
            out += '%';
            continue;
        }
        std::optional<Value> arg;
        if (fmt[i] == '(') {
            if (args.is_undefined()) fault(args.undefined_message());
            if (!mapping) fault("format requires a mapping");
            int depth = 1;
            const size_t start = ++i;
            while (i < fmt.size() && depth) depth += fmt[i] == '(' ? 1 : fmt[i] == ')' ? -1 : 0, ++i;
            if (depth) fault("incomplete format key");
            const std::string key = fmt.substr(start, i - 1 - start);
            const Value* v = mapping->find(std::string_view(key));
            if (!v) fault(string_repr(key));
            arg = *v;
        }
        std::string flags;
        while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) flags += fmt[i++];
        int width = 0, precision = -1;
        auto number = [&](bool is_precision) {
            int n = 0;
            if (i < fmt.size() && fmt[i] == '*') {
                const Value& v = take();
                if (!v.is_integral()) fault("* wants int");
                n = static_cast<int>(std::clamp<int64_t>(v.as_int(), -(1 << 20), 1 << 20));
                ++i;
            } else {
                while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') n = std::min(n * 10 + (fmt[i++] - '0'), 1 << 20);
            }
            if (is_precision) {
                precision = std::max(n, 0);
            } else if (n < 0) {  // a negative * width left-justifies
                flags += '-';
                width = -n;
            } else {
                width = n;
            }
        };
        number(false);
        if (i < fmt.size() && fmt[i] == '.') {
            ++i;
            number(true);
        }
        while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
        if (i >= fmt.size()) fault("incomplete format");
        const Value& value = arg ? *arg : take();
        out += percent_one(fmt[i], value, flags, width, precision, escape_args);
    }
    if (!subscriptable && next < positional.size()) fault("not all arguments converted during string formatting");
    return out;
}

std::string brace_format(const std::string& fmt, const CallArgs& args) {
    int numbering = 0;  // 0 unknown, 1 automatic, 2 manual
    size_t auto_index = 0;
    std::string out;
    for (size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (c == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
                out += '}';
                ++i;
                continue;
            }
            fault("Single '}' encountered in format string");
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i + 1);
        if (close == std::string::npos) fault("Single '{' encountered in format string");
        std::string field = fmt.substr(i + 1, close - i - 1);
        if (field.find('{') != std::string::npos) fault("nested replacement fields are not supported");
        i = close;
        std::string spec, conv;
        if (const size_t colon = field.find(':'); colon != std::string::npos) {
            spec = field.substr(colon + 1);
            field.resize(colon);
        }
        if (const size_t bang = field.find('!'); bang != std::string::npos) {
            conv = field.substr(bang + 1);
            field.resize(bang);
        }
        const size_t end = field.find_first_of(".[");
        const std::string name = field.substr(0, end);
        Value v;
        if (name.empty() || std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
            const bool automatic = name.empty();
            if (numbering && numbering != (automatic ? 1 : 2))
                fault(automatic ? "cannot switch from manual field specification to automatic field numbering"
                                : "cannot switch from automatic field numbering to manual field specification");
            numbering = automatic ? 1 : 2;
            const size_t idx = automatic ? auto_index++ : std::stoul(name.substr(0, 9));
            if (idx >= args.pos.size()) fault("Replacement index " + std::to_string(idx) + " out of range for positional args tuple");
            v = args.pos[idx];
        } else {
            auto it = std::find_if(args.kw.begin(), args.kw.end(), [&](const auto& kv) { return kv.first == name; });
            if (it == args.kw.end()) fault(string_repr(name));
            v = it->second;
        }
        for (size_t p = end; p != std::string::npos && p < field.size();) {
            if (field[p] == '.') {
                const size_t next = field.find_first_of(".[", p + 1);
                v = get_attribute(v, field.substr(p + 1, next == std::string::npos ? std::string::npos : next - p - 1));
                p = next;
            } else {
                const size_t rb = field.find(']', p);
                if (rb == std::string::npos) fault("Missing ']' in format string");
                const std::string key = field.substr(p + 1, rb - p - 1);
                const bool digits = !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
                v = get_item(v, digits && key.size() < 18 ? Value::integer(std::stoll(key)) : Value::string(key));
                p = rb + 1;
            }
        }
        if (!conv.empty()) {
            if (conv == "r" || conv == "a")
                v = Value::string(py_repr(v));
            else if (conv == "s")
                v = Value::string(py_str(v));
            else
                fault("Unknown conversion specifier " + conv);
        }
        if (v.is_undefined() && !spec.empty()) fault(v.undefined_message());
        out += apply_spec(v, spec);
    }
    return out;
}

}  // namespace edgeseek::jinja
