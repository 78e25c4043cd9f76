// Attribute and item access as jinja2's ImmutableSandboxedEnvironment does it, the list and
// dict methods templates call, and Python-style argument binding. str methods: str_methods.cpp.
#include <algorithm>
#include <cstring>

#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/format.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

std::vector<std::optional<Value>> bind_args(std::string_view func, const CallArgs& args,
                                            std::initializer_list<std::string_view> params,
                                            size_t required) {
    const std::vector<std::string_view> names(params);
    std::vector<std::optional<Value>> out(names.size());
    const std::string f(func);
    if (args.pos.size() > names.size())
        fault(f + "() takes at most " + std::to_string(names.size()) + " argument(s) (" +
              std::to_string(args.pos.size()) + " given)");
    for (size_t i = 0; i < args.pos.size(); ++i) out[i] = args.pos[i];
    for (const auto& [key, value] : args.kw) {
        auto it = std::find(names.begin(), names.end(), key);
        if (it == names.end()) fault(f + "() got an unexpected keyword argument '" + key + "'");
        auto& slot = out[static_cast<size_t>(it - names.begin())];
        if (slot) fault(f + "() got multiple values for argument '" + key + "'");
        slot = value;
    }
    for (size_t i = 0; i < required; ++i)
        if (!out[i]) fault(f + "() missing required argument '" + std::string(names[i]) + "'");
    return out;
}

namespace {

Value no_attribute(const Value& obj, std::string_view name) {
    return Value::undefined(string_repr(object_type_repr(obj)) + " has no attribute " + string_repr(name));
}

Value no_element(const Value& obj, const Value& key) {
    return Value::undefined(object_type_repr(obj) + " has no element " + py_repr(key));
}

Value unsafe(const Value& obj, std::string_view name) {
    return Value::undefined("access to attribute " + string_repr(name) + " of " + string_repr(type_name(obj)) +
                            " object is unsafe.");
}

bool one_of(std::string_view name, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

Value list_method(Evaluator&, const Value& self, std::string_view name, CallArgs& args) {
    const std::string n(name);
    if (name == "copy") {
        bind_args("list.copy", args, {}, 0);
        return Value::list(self.items(), self.list_kind());
    }
    auto a = bind_args(type_name(self) + "." + n, args, {"value"}, 1);
    const auto& items = self.items();
    if (name == "count")
        return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& v) { return py_equal(v, *a[0]); }));
    for (size_t i = 0; i < items.size(); ++i)
        if (py_equal(items[i], *a[0])) return Value::integer(static_cast<int64_t>(i));
    fault(py_repr(*a[0]) + " is not in " + type_name(self));
}

Value dict_method(Evaluator& ev, const Value& self, std::string_view name, CallArgs& args) {
    const DictData& d = self.dict_data();
    const std::string n(name);
    if (name == "get") {
        auto a = bind_args("dict.get", args, {"key", "default"}, 1);
        if (const Value* v = d.find(*a[0])) return *v;
        return a[1] ? *a[1] : Value::none();
    }
    bind_args("dict." + n, args, {}, 0);
    if (name == "copy") return self;
    ev.count_steps(d.entries.size());
    std::vector<Value> out;
    for (const auto& [k, v] : d.entries) {
        if (name == "keys")
            out.push_back(k);
        else if (name == "values")
            out.push_back(v);
        else
            out.push_back(Value::list({k, v}, ListKind::Tuple));
    }
    return Value::list(std::move(out));
}

Value bound(const char* name, NativeFunction::Fn fn, const Value& self) {
    return Value::object(std::make_shared<NativeFunction>(name, fn, self));
}

bool is_dunder(std::string_view name) {
    return name.size() > 4 && name.substr(0, 2) == "__" && name.substr(name.size() - 2) == "__";
}

}  // namespace

std::optional<Value> python_attribute(const Value& obj, std::string_view name) {
    switch (obj.type()) {
        case Value::Type::String:
            if (const char* m = str_method_name(name)) return bound(m, str_method, obj);
            return std::nullopt;
        case Value::Type::List:
            if (obj.list_kind() == ListKind::Generator) return std::nullopt;
            for (const char* m : {"index", "count"})
                if (name == m) return bound(m, list_method, obj);
            if (obj.list_kind() == ListKind::List) {
                if (name == "copy") return bound("copy", list_method, obj);
                if (one_of(name, {"append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove"}))
                    return unsafe(obj, name);
            }
            return std::nullopt;
        case Value::Type::Dict:
            for (const char* m : {"items", "keys", "values", "get", "copy"})
                if (name == m) return bound(m, dict_method, obj);
            if (one_of(name, {"clear", "pop", "popitem", "setdefault", "update"})) return unsafe(obj, name);
            return std::nullopt;
        case Value::Type::Object: return obj.object().get_attr(name);
        default: return std::nullopt;
    }
}

Value get_attribute(const Value& obj, std::string_view name) {
    if (obj.is_undefined()) fault(obj.undefined_message());
    if (is_dunder(name)) return unsafe(obj, name);
    if (auto attr = python_attribute(obj, name)) return *attr;
    if (obj.is_dict())
        if (const Value* v = obj.dict_data().find(name)) return *v;
    return no_attribute(obj, name);
}

Value get_item(const Value& obj, const Value& key) {
    if (obj.is_undefined()) fault(obj.undefined_message());
    const bool sequence = obj.is_string() || (obj.is_list() && obj.list_kind() != ListKind::Generator);
    if (sequence && key.is_integral()) {
        int64_t i = key.as_int();
        if (obj.is_string()) {
            const std::vector<char32_t> cps = to_code_points(obj.str());
            const auto n = static_cast<int64_t>(cps.size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return Value::string(from_code_points(&cps[static_cast<size_t>(i)], &cps[static_cast<size_t>(i)] + 1));
        } else {
            const auto n = static_cast<int64_t>(obj.items().size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
        }
        return no_element(obj, key);
    }
    if (obj.is_dict() && (!key.is_list() || key.list_kind() == ListKind::Tuple) && !key.is_dict() &&
        !key.is_object()) {
        if (const Value* v = obj.dict_data().find(key)) return *v;
    }
    if (key.is_string()) {
        if (is_dunder(key.str())) return unsafe(obj, key.str());
        if (auto attr = python_attribute(obj, key.str())) return *attr;
        return no_attribute(obj, key.str());
    }
    return no_element(obj, key);
}

// jinja2 compiles slices to plain Python subscripts (no sandbox getitem fallback), so a bad
// slice is an error rather than an undefined value.
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
    if (obj.is_undefined()) fault(obj.undefined_message());
    const bool is_str = obj.is_string();
    if (obj.is_dict()) fault("unhashable type: 'slice'");
    if (!is_str && !(obj.is_list() && obj.list_kind() != ListKind::Generator))
        fault(cat("'", type_name(obj), "' object is not subscriptable"));
    for (const Value* v : {&start, &stop, &step})
        if (!v->is_none() && !v->is_integral())
            fault("slice indices must be integers or None or have an __index__ method");
    const int64_t st = step.is_none() ? 1 : step.as_int();
    if (st == 0) fault("slice step cannot be zero");
    std::vector<char32_t> cps;
    if (is_str) cps = to_code_points(obj.str());
    const auto len = static_cast<int64_t>(is_str ? cps.size() : obj.items().size());
    auto adjust = [&](const Value& v, int64_t dflt) {
        if (v.is_none()) return dflt;
        int64_t x = v.as_int();
        if (x < 0) {
            x += len;
            if (x < 0) x = st < 0 ? -1 : 0;
        } else if (x >= len) {
            x = st < 0 ? len - 1 : len;
        }
        return x;
    };
    const int64_t b = adjust(start, st < 0 ? len - 1 : 0);
    const int64_t e = adjust(stop, st < 0 ? -1 : len);
    std::vector<size_t> picks;
    for (int64_t i = b; st > 0 ? i < e : i > e; i += st) picks.push_back(static_cast<size_t>(i));
    if (is_str) {
        std::string out;
        for (size_t i : picks) append_utf8(out, cps[i]);
        return Value::string(std::move(out));
    }
    std::vector<Value> out;
    out.reserve(picks.size());
    for (size_t i : picks) out.push_back(obj.items()[i]);
    return Value::list(std::move(out), obj.list_kind());
}

}  // namespace edgeseek::jinja
