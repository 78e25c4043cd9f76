// jinja2's string and number filters, transformers' tojson, and the filter dispatcher.
// https://github.com/pallets/jinja/blob/main/src/jinja2/filters.py
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/filter_table.h"
#include "chat/jinja/format.h"
#include "chat/jinja/operators.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

namespace {

constexpr const char* kJinja2Filters[] = {
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join", "last",
    "length", "list", "lower", "items", "map", "min", "max", "pprint", "random", "reject", "rejectattr",
    "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags",
    "sum", "title", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap",
    "xmlattr", "tojson"};

Value text(Evaluator& ev, std::string s, bool markup = false) {
    ev.charge(s.size());
    return Value::string(std::move(s), markup);
}

// ---- Python number parsing (int("..."), float("...")) ----

std::string_view strip_spaces(std::string_view s) { return str_strip(s, nullptr, true, true); }

// Digits with single underscores between them; returns false on any other character.
bool clean_digits(std::string_view s, std::string& out) {
    out.clear();
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_') {
            if (i == 0 || i + 1 == s.size() || s[i + 1] == '_') return false;
            continue;
        }
        out += s[i];
    }
    return !out.empty();
}

bool parse_py_int(std::string_view s, int base, int64_t& value) {
    s = strip_spaces(s);
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s.size() > 2 && s[0] == '0') {
        const char p = static_cast<char>(s[1] | 0x20);
        if (base == 0) base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 10;
        if ((p == 'x' && base == 16) || (p == 'o' && base == 8) || (p == 'b' && base == 2)) {
            s.remove_prefix(2);
            if (!s.empty() && s[0] == '_') s.remove_prefix(1);
        }
    }
    if (base == 0) base = 10;
    std::string digits;
    if (!clean_digits(s, digits)) return false;
    if (neg) digits.insert(digits.begin(), '-');
    auto res = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (res.ec == std::errc::result_out_of_range) fault("integer too large", "this engine computes with 64-bit integers");
    return res.ec == std::errc() && res.ptr == digits.data() + digits.size();
}

bool parse_py_float(std::string_view s, double& value) {
    s = strip_spaces(s);
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s.remove_prefix(1);
    }
    std::string lower = str_lower(s);
    if (lower == "inf" || lower == "infinity") {
        value = neg ? -HUGE_VAL : HUGE_VAL;
        return true;
    }
    if (lower == "nan") {
        value = std::nan("");
        return true;
    }
    std::string clean;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '_') {
            const bool ok = i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                            std::isdigit(static_cast<unsigned char>(s[i + 1]));
            if (!ok) return false;
            continue;
        }
        if (!std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.' && s[i] != 'e' && s[i] != 'E' &&
            s[i] != '+' && s[i] != '-')
            return false;
        clean += s[i];
    }
    if (clean.empty()) return false;
    auto res = std::from_chars(clean.data(), clean.data() + clean.size(), value);
    if (res.ptr != clean.data() + clean.size()) return false;
    if (res.ec == std::errc::result_out_of_range)  // Python: inf on overflow, 0.0 on underflow
        value = clean.find_first_of("-") != std::string::npos ? 0.0 : HUGE_VAL;
    else if (res.ec != std::errc())
        return false;
    if (neg) value = -value;
    return true;
}

// ---- filters ----

Value f_abs(Evaluator&, const Value& v, CallArgs& args) {
    bind_args("abs", args, {}, 0);
    if (v.is_integral()) {
        if (v.as_int() == INT64_MIN) fault("integer overflow");
        return Value::integer(std::llabs(v.as_int()));
    }
    if (v.is_float()) return Value::number(std::fabs(v.as_double()));
    fault("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_attr(Evaluator&, const Value& v, CallArgs& args) {
    auto a = bind_args("attr", args, {"name"}, 1);
    if (v.is_undefined()) fault(v.undefined_message());
    if (!a[0]->is_string()) fault("attribute name must be a string");
    if (auto attr = python_attribute(v, a[0]->str())) return *attr;
    return Value::undefined(string_repr(object_type_repr(v)) + " has no attribute " + string_repr(a[0]->str()));
}

Value f_capitalize(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("capitalize", args, {}, 0);
    return text(ev, str_capitalize(py_str(v)), v.is_markup());
}

Value f_lower(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("lower", args, {}, 0);
    return text(ev, str_lower(py_str(v)), v.is_markup());
}

Value f_upper(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("upper", args, {}, 0);
    return text(ev, str_upper(py_str(v)), v.is_markup());
}

// jinja2's title: words start after runs of [-\s({\[<]; each word is capitalised.
Value f_title(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("title", args, {}, 0);
    const std::string s = py_str(v);
    std::string out;
    bool word_start = true;
    for (size_t pos = 0; pos < s.size();) {
        const char32_t c = decode_utf8(s, pos);
        const bool sep = is_py_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
        if (sep) {
            append_utf8(out, c);
            word_start = true;
        } else if (word_start) {
            if (c == 0xDF)
                out += "Ss";
            else
                append_utf8(out, to_upper(c));
            word_start = false;
        } else {
            append_utf8(out, to_lower(c));
        }
    }
    return text(ev, std::move(out), v.is_markup());
}

Value f_trim(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("trim", args, {"chars"}, 0);
    const std::string s = py_str(v);
    const std::string* chars = nullptr;
    if (a[0] && !a[0]->is_none()) {
        if (!a[0]->is_string()) fault("strip arg must be None or str");
        chars = &a[0]->str();
    }
    return text(ev, std::string(str_strip(s, chars, true, true)), v.is_markup());
}

Value f_center(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("center", args, {"width"}, 0);
    CallArgs inner;
    inner.pos.push_back(a[0] ? *a[0] : Value::integer(80));
    return str_method(ev, Value::string(py_str(v)), "center", inner);
}

Value f_replace(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("replace", args, {"old", "new", "count"}, 2);
    CallArgs inner;
    inner.pos = {Value::string(py_str(*a[0])), Value::string(py_str(*a[1]))};
    if (a[2] && !a[2]->is_none()) inner.pos.push_back(*a[2]);
    return str_method(ev, Value::string(py_str(v)), "replace", inner);
}

Value f_default(Evaluator&, const Value& v, CallArgs& args) {
    auto a = bind_args("default", args, {"default_value", "boolean"}, 0);
    const bool boolean = a[1] && truthy(*a[1]);
    if (v.is_undefined() || (boolean && !truthy(v))) return a[0] ? *a[0] : Value::string("");
    return v;
}

Value f_length(Evaluator&, const Value& v, CallArgs& args) {
    bind_args("length", args, {}, 0);
    return Value::integer(static_cast<int64_t>(py_len(v)));
}

Value f_string(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("string", args, {}, 0);
    if (v.is_string()) return v;
    return text(ev, py_str(v));
}

Value f_safe(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("safe", args, {}, 0);
    return v.is_markup() ? v : text(ev, py_str(v), true);
}

Value f_escape(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("escape", args, {}, 0);
    if (v.is_markup()) return v;
    return text(ev, html_escape(py_str(v)), true);
}

Value f_forceescape(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("forceescape", args, {}, 0);
    return text(ev, html_escape(py_str(v)), true);
}

Value f_int(Evaluator&, const Value& v, CallArgs& args) {
    auto a = bind_args("int", args, {"default", "base"}, 0);
    const Value fallback = a[0] ? *a[0] : Value::integer(0);
    if (v.is_undefined()) fault(v.undefined_message());
    if (v.is_integral()) return Value::integer(v.as_int());
    if (v.is_float()) {
        const double d = v.as_double();
        if (std::isnan(d)) return fallback;
        if (std::isinf(d)) fault("cannot convert float infinity to integer");
        if (std::fabs(d) >= 9.2233720368547758e18) fault("integer too large", "this engine computes with 64-bit integers");
        return Value::integer(static_cast<int64_t>(d));
    }
    if (v.is_string()) {
        // An invalid base is a TypeError/ValueError in int(), which jinja2 answers by trying
        // int(float(value)).
        int64_t base = 10;
        if (a[1]) base = a[1]->is_integral() ? a[1]->as_int() : -1;
        const bool base_ok = base == 0 || (base >= 2 && base <= 36);
        int64_t i = 0;
        if (base_ok && parse_py_int(v.str(), static_cast<int>(base), i)) return Value::integer(i);
        double d = 0;
        if (parse_py_float(v.str(), d) && std::isfinite(d) && std::fabs(d) < 9.2233720368547758e18)
            return Value::integer(static_cast<int64_t>(d));
    }
    return fallback;
}

Value f_float(Evaluator&, const Value& v, CallArgs& args) {
    auto a = bind_args("float", args, {"default"}, 0);
    if (v.is_undefined()) fault(v.undefined_message());
    if (v.is_number()) return Value::number(v.as_double());
    double d = 0;
    if (v.is_string() && parse_py_float(v.str(), d)) return Value::number(d);
    return a[0] ? *a[0] : Value::number(0.0);
}

double round_half_even_digits(double x, int64_t digits) {
    if (!std::isfinite(x) || digits > 330) return x;
    if (digits >= 0) {
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
        return std::strtod(buf, nullptr);
    }
    if (digits < -308) return std::copysign(0.0, x);
    const double pow1 = std::pow(10.0, static_cast<double>(-digits));
    return std::nearbyint(x / pow1) * pow1;  // default rounding mode: half to even
}

Value f_round(Evaluator&, const Value& v, CallArgs& args) {
    auto a = bind_args("round", args, {"precision", "method"}, 0);
    const Value precision = a[0] ? *a[0] : Value::integer(0);
    const std::string method = a[1] ? py_str(*a[1]) : "common";
    if (method != "common" && method != "ceil" && method != "floor") fault("method must be common, ceil or floor");
    if (!v.is_number()) fault("type " + type_name(v) + " doesn't define __round__ method");
    if (!precision.is_integral())
        fault(std::string("'") + type_name(precision) + "' object cannot be interpreted as an integer");
    const int64_t p = precision.as_int();
    if (method != "common") {
        const double scale = std::pow(10.0, static_cast<double>(p));
        const double x = v.as_double() * scale;
        return Value::number((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
    }
    if (v.is_integral()) {
        const int64_t i = v.as_int();
        if (p >= 0) return Value::integer(i);
        if (p < -18) return Value::integer(0);
        int64_t pow = 1;
        for (int64_t k = 0; k < -p; ++k) pow *= 10;
        int64_t q = i / pow, r = i % pow;
        if (r < 0) {
            r += pow;
            --q;
        }
        if (2 * r > pow || (2 * r == pow && (q & 1))) ++q;
        int64_t out = 0;
        if (__builtin_mul_overflow(q, pow, &out)) fault("integer overflow");
        return Value::integer(out);
    }
    return Value::number(round_half_even_digits(v.as_double(), p));
}

Value f_indent(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("indent", args, {"width", "first", "blank"}, 0);
    std::string indention;
    if (a[0] && a[0]->is_string()) {
        indention = a[0]->str();
    } else {
        const int64_t w = a[0] ? (a[0]->is_integral() ? a[0]->as_int() : -1) : 4;
        if (w < 0 && a[0] && !a[0]->is_integral()) fault("indent width must be an int or a str");
        indention.assign(static_cast<size_t>(std::clamp<int64_t>(w, 0, 1 << 16)), ' ');
    }
    const bool first = a[1] && truthy(*a[1]);
    const bool blank = a[2] && truthy(*a[2]);
    // jinja2 appends "\n" to the value itself: anything but a string is a TypeError.
    if (v.is_undefined()) fault(v.undefined_message());
    if (!v.is_string()) fault(cat("unsupported operand type(s) for +=: '", type_name(v), "' and 'str'"));
    const std::vector<std::string> lines = py_splitlines(v.str() + "\n", false);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i) {
            out += '\n';
            if (blank || !lines[i].empty()) out += indention;
        }
        out += lines[i];
        ev.charge(lines[i].size() + indention.size());
    }
    if (first) out = indention + out;
    return text(ev, std::move(out), v.is_markup());
}

Value f_wordcount(Evaluator&, const Value& v, CallArgs& args) {
    bind_args("wordcount", args, {}, 0);
    const std::string s = py_str(v);
    int64_t words = 0;
    bool in_word = false;
    for (size_t pos = 0; pos < s.size();) {
        const char32_t c = decode_utf8(s, pos);
        const bool w = c == '_' || is_alpha_char(c) || is_digit_char(c);
        if (w && !in_word) ++words;
        in_word = w;
    }
    return Value::integer(words);
}

Value f_format(Evaluator& ev, const Value& v, CallArgs& args) {
    if (!args.pos.empty() && !args.kw.empty()) fault("can't handle positional and keyword arguments at the same time");
    Value params;
    if (!args.kw.empty()) {
        DictData d;
        for (auto& [k, val] : args.kw) d.set(Value::string(k), val);
        params = Value::dict(std::move(d));
    } else {
        params = Value::list(args.pos, ListKind::Tuple);
    }
    return text(ev, percent_format(py_str(v), params, v.is_markup()), v.is_markup());
}

// transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
// = json.dumps with those arguments.
Value f_tojson(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"}, 0);
    JsonOptions o;
    o.ensure_ascii = a[0] && truthy(*a[0]);
    if (a[1] && !a[1]->is_none()) {
        if (a[1]->is_string())
            o.indent = a[1]->str();
        else if (a[1]->is_integral())
            o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(a[1]->as_int(), 0, 1 << 16)), ' ');
        else
            fault("tojson indent must be an int or a str");
        o.item_separator = ",";
    }
    if (a[2] && !a[2]->is_none()) {
        const std::vector<Value> seps = iterate(*a[2]);
        if (seps.size() != 2 || !seps[0].is_string() || !seps[1].is_string())
            fault("tojson separators must be a pair of strings");
        o.item_separator = seps[0].str();
        o.key_separator = seps[1].str();
    }
    o.sort_keys = a[3] && truthy(*a[3]);
    return text(ev, to_json(v, o));
}

struct Entry {
    const char* name;
    FilterFn fn;
};

constexpr Entry kFilters[] = {
    {"abs", f_abs},         {"attr", f_attr},           {"capitalize", f_capitalize},
    {"center", f_center},   {"count", f_length},        {"d", f_default},
    {"default", f_default}, {"e", f_escape},            {"escape", f_escape},
    {"float", f_float},     {"forceescape", f_forceescape}, {"format", f_format},
    {"indent", f_indent},   {"int", f_int},             {"length", f_length},
    {"lower", f_lower},     {"replace", f_replace},     {"round", f_round},
    {"safe", f_safe},       {"string", f_string},       {"title", f_title},
    {"tojson", f_tojson},   {"trim", f_trim},           {"upper", f_upper},
    {"wordcount", f_wordcount},
};

}  // namespace

bool jinja2_has_filter(std::string_view name) {
    for (const char* f : kJinja2Filters)
        if (name == f) return true;
    return false;
}

Value apply_filter(Evaluator& ev, std::string_view name, const Value& input, CallArgs& args) {
    for (const Entry& e : kFilters)
        if (name == e.name) return e.fn(ev, input, args);
    if (FilterFn fn = find_sequence_filter(name)) return fn(ev, input, args);
    if (jinja2_has_filter(name))
        fault("filter '" + std::string(name) + "' is not supported",
              "edgeseek's chat template engine implements the filters chat templates use");
    fault("no filter named '" + std::string(name) + "'");
}

}  // namespace edgeseek::jinja
