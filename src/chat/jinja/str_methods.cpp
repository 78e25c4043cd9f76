// Python's str methods that chat templates call (split, strip, startswith, replace, format,
// ...), on code points where Python counts code points.
#include <algorithm>

#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/format.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

namespace {

const std::string& str_arg(const std::optional<Value>& v, const char* func) {
    if (!v || !v->is_string()) fault(std::string(func) + "() argument must be str, not " + (v ? type_name(*v) : "None"));
    return v->str();
}

int64_t int_arg(const std::optional<Value>& v, int64_t fallback, const char* func) {
    if (!v || v->is_none()) return fallback;
    if (!v->is_integral())
        fault(std::string("'") + type_name(*v) + "' object cannot be interpreted as an integer", std::string("in ") + func + "()");
    return v->as_int();
}

std::vector<Value> split_whitespace(std::string_view s, int64_t maxsplit, bool from_right) {
    std::vector<std::string> parts;
    if (!from_right) {
        size_t i = 0;
        auto skip = [&](size_t p) { while (size_t n = space_at(s, p)) p += n; return p; };
        i = skip(i);
        while (i < s.size()) {
            if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
                parts.emplace_back(s.substr(i));
                break;
            }
            size_t j = i;
            while (j < s.size() && !space_at(s, j)) {
                size_t q = j;
                decode_utf8(s, q);
                j = q;
            }
            parts.emplace_back(s.substr(i, j - i));
            i = skip(j);
        }
    } else {
        const std::vector<char32_t> cps = to_code_points(s);
        size_t end = cps.size();
        while (end > 0 && is_py_space(cps[end - 1])) --end;
        while (end > 0) {
            if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
                parts.push_back(from_code_points(cps.data(), cps.data() + end));
                break;
            }
            size_t start = end;
            while (start > 0 && !is_py_space(cps[start - 1])) --start;
            parts.push_back(from_code_points(cps.data() + start, cps.data() + end));
            end = start;
            while (end > 0 && is_py_space(cps[end - 1])) --end;
        }
        std::reverse(parts.begin(), parts.end());
    }
    std::vector<Value> out;
    for (auto& p : parts) out.push_back(Value::string(std::move(p)));
    return out;
}

std::vector<Value> split_sep(const std::string& s, const std::string& sep, int64_t maxsplit, bool from_right) {
    if (sep.empty()) fault("empty separator");
    std::vector<std::string> parts;
    if (!from_right) {
        size_t start = 0;
        for (size_t p; (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) &&
                       (p = s.find(sep, start)) != std::string::npos;
             start = p + sep.size())
            parts.push_back(s.substr(start, p - start));
        parts.push_back(s.substr(start));
    } else {
        size_t end = s.size();
        while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
            if (end < sep.size()) break;
            const size_t p = s.rfind(sep, end - sep.size());
            if (p == std::string::npos) break;
            parts.push_back(s.substr(p + sep.size(), end - p - sep.size()));
            end = p;
        }
        parts.push_back(s.substr(0, end));
        std::reverse(parts.begin(), parts.end());
    }
    std::vector<Value> out;
    for (auto& p : parts) out.push_back(Value::string(std::move(p)));
    return out;
}

template <class Pred>
bool all_chars(const std::string& s, Pred pred) {
    if (s.empty()) return false;
    for (size_t pos = 0; pos < s.size();)
        if (!pred(decode_utf8(s, pos))) return false;
    return true;
}

std::string pad(const std::string& s, int64_t width, char32_t fill, int align /* -1 left, 0 center, 1 right */) {
    const auto len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return s;
    if (width > (int64_t{1} << 24)) fault("padding width too large");
    const int64_t total = width - len;
    int64_t left = align < 0 ? 0 : align > 0 ? total : total / 2 + (total & width & 1);
    std::string f;
    append_utf8(f, fill);
    std::string out;
    for (int64_t i = 0; i < left; ++i) out += f;
    out += s;
    for (int64_t i = 0; i < total - left; ++i) out += f;
    return out;
}

// One call: the receiver, the method name and its arguments.
struct StrCall {
    Evaluator& ev;
    const Value& self;
    const std::string& s;
    const std::string name;
    CallArgs& args;

    std::vector<std::optional<Value>> bind(std::initializer_list<std::string_view> params, size_t required) {
        return bind_args("str." + name, args, params, required);
    }
    Value make(std::string r) {
        ev.charge(r.size());
        return Value::string(std::move(r));
    }
};

Value m_case(StrCall& c) {
    c.bind({}, 0);
    if (c.name == "upper") return c.make(str_upper(c.s));
    if (c.name == "title") return c.make(str_title(c.s));
    if (c.name == "capitalize") return c.make(str_capitalize(c.s));
    if (c.name == "swapcase") return c.make(str_swapcase(c.s));
    return c.make(str_lower(c.s));  // lower, casefold
}

Value m_strip(StrCall& c) {
    auto a = c.bind({"chars"}, 0);
    const std::string* chars = (a[0] && !a[0]->is_none()) ? &str_arg(a[0], "strip") : nullptr;
    return c.make(std::string(str_strip(c.s, chars, c.name != "rstrip", c.name != "lstrip")));
}

Value m_split(StrCall& c) {
    auto a = c.bind({"sep", "maxsplit"}, 0);
    const int64_t maxsplit = int_arg(a[1], -1, "split");
    c.ev.count_steps(c.s.size() / 16);
    if (!a[0] || a[0]->is_none()) return Value::list(split_whitespace(c.s, maxsplit, c.name == "rsplit"));
    return Value::list(split_sep(c.s, str_arg(a[0], "split"), maxsplit, c.name == "rsplit"));
}

Value m_splitlines(StrCall& c) {
    auto a = c.bind({"keepends"}, 0);
    std::vector<Value> lines;
    for (std::string& line : py_splitlines(c.s, a[0] && truthy(*a[0]))) lines.push_back(Value::string(std::move(line)));
    return Value::list(std::move(lines));
}

Value m_startswith_endswith(StrCall& c) {
    auto a = c.bind({"prefix", "start", "end"}, 1);
    if ((a[1] && !a[1]->is_none()) || (a[2] && !a[2]->is_none()))
        fault("str." + c.name + "() with start/end is not supported");
    std::vector<Value> candidates;
    if (a[0]->is_list() && a[0]->list_kind() == ListKind::Tuple)
        candidates = a[0]->items();
    else
        candidates.push_back(*a[0]);
    for (const Value& candidate : candidates) {
        if (!candidate.is_string())
            fault(c.name + " first arg must be str or a tuple of str, not " + type_name(candidate));
        const std::string& p = candidate.str();
        if (p.size() > c.s.size()) continue;
        const size_t at = c.name == "startswith" ? 0 : c.s.size() - p.size();
        if (c.s.compare(at, p.size(), p) == 0) return Value::boolean(true);
    }
    return Value::boolean(false);
}

Value m_replace(StrCall& c) {
    auto a = c.bind({"old", "new", "count"}, 2);
    const std::string& from = str_arg(a[0], "replace");
    const std::string& to = str_arg(a[1], "replace");
    int64_t count = int_arg(a[2], -1, "replace");
    const std::string& s = c.s;
    std::string out;
    if (from.empty()) {
        // Python inserts `to` before every character and at the end.
        size_t pos = 0;
        while (pos < s.size()) {
            if (count-- == 0) break;
            out += to;
            const size_t start = pos;
            decode_utf8(s, pos);
            out.append(s, start, pos - start);
            c.ev.charge(to.size() + pos - start);
        }
        out.append(s, pos);
        if (pos == s.size() && count != 0) out += to;
        return c.make(std::move(out));
    }
    size_t start = 0;
    for (size_t p; count != 0 && (p = s.find(from, start)) != std::string::npos; start = p + from.size(), --count) {
        out.append(s, start, p - start);
        out += to;
        c.ev.charge(to.size());
    }
    out.append(s, start);
    return c.make(std::move(out));
}

Value m_find(StrCall& c) {  // find, rfind, index, rindex, count
    auto a = c.bind({"sub", "start", "end"}, 1);
    if ((a[1] && !a[1]->is_none()) || (a[2] && !a[2]->is_none()))
        fault("str." + c.name + "() with start/end is not supported");
    const std::string& sub = str_arg(a[0], c.name.c_str());
    const std::string& s = c.s;
    if (c.name == "count") {
        if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_length(s) + 1));
        int64_t n = 0;
        for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
        return Value::integer(n);
    }
    const size_t p = (c.name == "find" || c.name == "index") ? s.find(sub) : s.rfind(sub);
    if (p == std::string::npos) {
        if (c.name == "index" || c.name == "rindex") fault("substring not found");
        return Value::integer(-1);
    }
    return Value::integer(static_cast<int64_t>(code_point_index(s, p)));
}

Value m_join(StrCall& c) {
    auto a = c.bind({"iterable"}, 1);
    std::string out;
    size_t i = 0;
    for (const Value& item : iterate(*a[0])) {
        if (!item.is_string())
            fault("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(item) + " found");
        if (i++) out += c.s;
        out += item.str();
        c.ev.charge(item.str().size() + c.s.size());
    }
    return c.make(std::move(out));
}

Value m_format(StrCall& c) { return c.make(brace_format(c.s, c.args)); }

bool is_alnum_char(char32_t ch) { return is_alpha_char(ch) || is_digit_char(ch); }

Value m_is(StrCall& c) {  // isdigit, isalpha, isalnum, isspace, islower, isupper, ...
    c.bind({}, 0);
    if (c.name == "isalpha") return Value::boolean(all_chars(c.s, is_alpha_char));
    if (c.name == "isalnum") return Value::boolean(all_chars(c.s, is_alnum_char));
    if (c.name == "isspace") return Value::boolean(all_chars(c.s, is_py_space));
    if (c.name == "islower" || c.name == "isupper") {
        bool cased = false, ok = true;
        for (size_t pos = 0; pos < c.s.size();) {
            const char32_t ch = decode_utf8(c.s, pos);
            if (is_upper_char(ch)) {
                cased = true;
                ok = ok && c.name == "isupper";
            } else if (is_lower_char(ch)) {
                cased = true;
                ok = ok && c.name == "islower";
            }
        }
        return Value::boolean(cased && ok);
    }
    return Value::boolean(all_chars(c.s, is_digit_char));  // isdigit, isdecimal, isnumeric
}

Value m_pad(StrCall& c) {  // center, ljust, rjust
    auto a = c.bind({"width", "fillchar"}, 1);
    char32_t fill = ' ';
    if (a[1]) {
        const std::string& f = str_arg(a[1], c.name.c_str());
        if (utf8_length(f) != 1) fault("The fill character must be exactly one character long");
        size_t p = 0;
        fill = decode_utf8(f, p);
    }
    const int align = c.name == "ljust" ? -1 : c.name == "rjust" ? 1 : 0;
    return c.make(pad(c.s, int_arg(a[0], 0, c.name.c_str()), fill, align));
}

Value m_zfill(StrCall& c) {
    auto a = c.bind({"width"}, 1);
    const int64_t width = int_arg(a[0], 0, "zfill");
    const bool sign = !c.s.empty() && (c.s[0] == '-' || c.s[0] == '+');
    std::string padded = pad(c.s.substr(sign ? 1 : 0), width - (sign ? 1 : 0), '0', 1);
    return c.make(sign ? c.s.substr(0, 1) + padded : padded);
}

Value m_partition(StrCall& c) {  // partition, rpartition
    auto a = c.bind({"sep"}, 1);
    const std::string& sep = str_arg(a[0], c.name.c_str());
    if (sep.empty()) fault("empty separator");
    const size_t p = c.name == "partition" ? c.s.find(sep) : c.s.rfind(sep);
    std::vector<Value> parts;
    if (p == std::string::npos) {
        const Value empty = Value::string("");
        if (c.name == "partition")
            parts = {c.self, empty, empty};
        else
            parts = {empty, empty, c.self};
    } else {
        parts = {Value::string(c.s.substr(0, p)), Value::string(sep), Value::string(c.s.substr(p + sep.size()))};
    }
    return Value::list(std::move(parts), ListKind::Tuple);
}

Value m_remove(StrCall& c) {  // removeprefix, removesuffix
    auto a = c.bind({"affix"}, 1);
    const std::string& x = str_arg(a[0], c.name.c_str());
    const std::string& s = c.s;
    if (c.name == "removeprefix" && s.compare(0, x.size(), x) == 0) return c.make(s.substr(x.size()));
    if (c.name == "removesuffix" && x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0)
        return c.make(s.substr(0, s.size() - x.size()));
    return c.self;
}

struct StrMethod {
    const char* name;
    Value (*fn)(StrCall&);
};

constexpr StrMethod kStrMethods[] = {
    {"upper", m_case},        {"lower", m_case},          {"title", m_case},
    {"capitalize", m_case},   {"swapcase", m_case},       {"casefold", m_case},
    {"strip", m_strip},       {"lstrip", m_strip},        {"rstrip", m_strip},
    {"split", m_split},       {"rsplit", m_split},        {"splitlines", m_splitlines},
    {"startswith", m_startswith_endswith}, {"endswith", m_startswith_endswith},
    {"replace", m_replace},   {"find", m_find},           {"rfind", m_find},
    {"index", m_find},        {"rindex", m_find},         {"count", m_find},
    {"join", m_join},         {"format", m_format},       {"isdigit", m_is},
    {"isdecimal", m_is},      {"isnumeric", m_is},        {"isalpha", m_is},
    {"isalnum", m_is},        {"isspace", m_is},          {"islower", m_is},
    {"isupper", m_is},        {"center", m_pad},          {"ljust", m_pad},
    {"rjust", m_pad},         {"zfill", m_zfill},         {"partition", m_partition},
    {"rpartition", m_partition}, {"removeprefix", m_remove}, {"removesuffix", m_remove},
};

}  // namespace

const char* str_method_name(std::string_view name) {
    for (const StrMethod& m : kStrMethods)
        if (name == m.name) return m.name;
    return nullptr;
}

Value str_method(Evaluator& ev, const Value& self, std::string_view name, CallArgs& args) {
    for (const StrMethod& m : kStrMethods) {
        if (name == m.name) {
            StrCall call{ev, self, self.str(), std::string(name), args};
            return m.fn(call);
        }
    }
    fault("str." + std::string(name) + "() is not supported");
}

}  // namespace edgeseek::jinja
