// jinja2's filters over sequences and mappings: map, select/reject(attr), sort, unique,
// dictsort, join, first/last, min/max, sum, batch, items, list, reverse. Like jinja2, map,
// select*, reject*, unique, items, batch and reverse return one-shot generators.
#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/filter_table.h"
#include "chat/jinja/format.h"
#include "chat/jinja/operators.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

Value ignore_case(const Value& v) {
    if (v.is_string()) return Value::string(str_lower(v.str()));
    return v;
}

Value lookup_path(const Value& item, const Value& attribute) {
    if (attribute.is_none() || attribute.is_undefined()) return item;
    if (!attribute.is_string()) return get_item(item, attribute);
    Value cur = item;
    const std::string& path = attribute.str();
    size_t start = 0;
    while (true) {
        const size_t dot = path.find('.', start);
        const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits && part.size() < 18)
            cur = get_item(cur, Value::integer(std::stoll(part)));
        else
            cur = get_item(cur, Value::string(part));
        if (dot == std::string::npos) return cur;
        start = dot + 1;
    }
}

namespace {

Value generator(std::vector<Value> items) { return Value::list(std::move(items), ListKind::Generator); }

std::vector<Value> items_of(Evaluator& ev, const Value& v) {
    std::vector<Value> items = iterate(v);
    ev.count_steps(items.size());
    return items;
}

bool flag(const std::optional<Value>& v) { return v && truthy(*v); }

Value f_list(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("list", args, {}, 0);
    return Value::list(items_of(ev, v));
}

Value f_first(Evaluator&, const Value& v, CallArgs& args) {
    bind_args("first", args, {}, 0);
    if (v.is_list() && v.list_kind() == ListKind::Generator) {
        const ListData& d = v.list_data();
        if (d.consumed < d.items.size()) return d.items[d.consumed++];
    } else if (v.is_string() || v.is_list() || v.is_dict() || v.is_undefined()) {
        if (v.is_list() && !v.items().empty()) return v.items().front();
        if (v.is_dict() && !v.dict_data().entries.empty()) return v.dict_data().entries.front().first;
        if (v.is_string() && !v.str().empty()) return iterate(v).front();
    } else {
        iterate(v);  // raises "'int' object is not iterable"
    }
    return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Evaluator&, const Value& v, CallArgs& args) {
    bind_args("last", args, {}, 0);
    if (v.is_list() && v.list_kind() != ListKind::Generator) {
        if (!v.items().empty()) return v.items().back();
    } else if (v.is_dict()) {
        if (!v.dict_data().entries.empty()) return v.dict_data().entries.back().first;
    } else if (v.is_string()) {
        if (!v.str().empty()) return iterate(v).back();
    } else if (!v.is_undefined()) {
        fault(std::string("'") + type_name(v) + "' object is not reversible");
    }
    return Value::undefined("No last item, sequence was empty.");
}

Value f_reverse(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("reverse", args, {}, 0);
    if (v.is_string()) {
        std::vector<char32_t> cps = to_code_points(v.str());
        std::reverse(cps.begin(), cps.end());
        return Value::string(from_code_points(cps.data(), cps.data() + cps.size()), v.is_markup());
    }
    if (!(v.is_list() || v.is_dict() || v.is_undefined())) fault("argument must be iterable");
    std::vector<Value> items = items_of(ev, v);
    std::reverse(items.begin(), items.end());
    if (v.is_list() && v.list_kind() == ListKind::Generator) return Value::list(std::move(items));
    return generator(std::move(items));
}

Value f_items(Evaluator& ev, const Value& v, CallArgs& args) {
    bind_args("items", args, {}, 0);
    if (v.is_undefined()) return generator({});
    if (!v.is_dict()) fault("Can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& [k, val] : v.dict_data().entries) out.push_back(Value::list({k, val}, ListKind::Tuple));
    ev.count_steps(out.size());
    return generator(std::move(out));
}

Value f_join(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("join", args, {"d", "attribute"}, 0);
    const std::string sep = a[0] ? py_str(*a[0]) : "";
    const Value attribute = a[1] ? *a[1] : Value::none();
    std::string out;
    bool first = true;
    for (const Value& item : items_of(ev, v)) {
        if (!first) out += sep;
        first = false;
        const std::string s = py_str(lookup_path(item, attribute));
        ev.charge(s.size() + sep.size());
        out += s;
    }
    return Value::string(std::move(out));
}

Value f_map(Evaluator& ev, const Value& v, CallArgs& args) {
    std::vector<Value> out;
    if (!truthy(v)) return generator({});  // jinja2: `if value:` before iterating
    if (args.pos.empty() && !args.kw.empty()) {
        std::optional<Value> attribute, dflt;
        for (const auto& [k, val] : args.kw) {
            if (k == "attribute")
                attribute = val;
            else if (k == "default")
                dflt = val;
            else
                fault("Unexpected keyword argument '" + k + "'");
        }
        if (!attribute) fault("map requires a filter argument");
        for (const Value& item : items_of(ev, v)) {
            Value x = lookup_path(item, *attribute);
            if (dflt && x.is_undefined()) x = *dflt;
            out.push_back(std::move(x));
        }
        return generator(std::move(out));
    }
    if (args.pos.empty()) fault("map requires a filter argument");
    const std::string name = py_str(args.pos.front());
    CallArgs rest;
    rest.pos.assign(args.pos.begin() + 1, args.pos.end());
    rest.kw = args.kw;
    for (const Value& item : items_of(ev, v)) {
        CallArgs copy = rest;
        out.push_back(apply_filter(ev, name, item, copy));
    }
    return generator(std::move(out));
}

Value select_like(Evaluator& ev, const Value& v, CallArgs& args, bool keep_if, bool by_attr) {
    std::vector<Value> out;
    if (!truthy(v)) return generator({});
    const size_t off = by_attr ? 1 : 0;
    if (by_attr && args.pos.empty()) fault("Missing parameter for attribute name");
    const Value attribute = by_attr ? args.pos[0] : Value::none();
    const bool has_test = args.pos.size() > off;
    const std::string test = has_test ? py_str(args.pos[off]) : "";
    CallArgs test_args;
    if (has_test) test_args.pos.assign(args.pos.begin() + static_cast<ptrdiff_t>(off) + 1, args.pos.end());
    test_args.kw = args.kw;
    for (const Value& item : items_of(ev, v)) {
        const Value x = by_attr ? lookup_path(item, attribute) : item;
        CallArgs copy = test_args;
        const bool r = has_test ? apply_test(ev, test, x, copy) : truthy(x);
        if (r == keep_if) out.push_back(item);
    }
    return generator(std::move(out));
}

Value f_select(Evaluator& ev, const Value& v, CallArgs& a) { return select_like(ev, v, a, true, false); }
Value f_reject(Evaluator& ev, const Value& v, CallArgs& a) { return select_like(ev, v, a, false, false); }
Value f_selectattr(Evaluator& ev, const Value& v, CallArgs& a) { return select_like(ev, v, a, true, true); }
Value f_rejectattr(Evaluator& ev, const Value& v, CallArgs& a) { return select_like(ev, v, a, false, true); }

// Stable sort of items by keys; Python's sorted(reverse=True) keeps equal items in order.
std::vector<Value> sorted_by(std::vector<Value> items, const std::vector<Value>& keys, bool reverse) {
    std::vector<size_t> order(items.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return reverse ? py_compare(CmpOp::Lt, keys[y], keys[x]) : py_compare(CmpOp::Lt, keys[x], keys[y]);
    });
    std::vector<Value> out;
    out.reserve(items.size());
    for (size_t i : order) out.push_back(std::move(items[i]));
    return out;
}

Value f_sort(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("sort", args, {"reverse", "case_sensitive", "attribute"}, 0);
    const bool case_sensitive = flag(a[1]);
    std::vector<Value> attrs;  // "a,b" sorts by a then b
    if (a[2] && a[2]->is_string()) {
        const std::string& spec = a[2]->str();
        for (size_t start = 0;;) {
            const size_t comma = spec.find(',', start);
            attrs.push_back(Value::string(spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    } else {
        attrs.push_back(a[2] ? *a[2] : Value::none());
    }
    std::vector<Value> items = items_of(ev, v);
    std::vector<Value> keys;
    keys.reserve(items.size());
    for (const Value& item : items) {
        std::vector<Value> key;
        for (const Value& attr : attrs) {
            Value k = lookup_path(item, attr);
            key.push_back(case_sensitive ? k : ignore_case(k));
        }
        keys.push_back(Value::list(std::move(key)));
    }
    return Value::list(sorted_by(std::move(items), keys, flag(a[0])));
}

Value f_dictsort(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("dictsort", args, {"case_sensitive", "by", "reverse"}, 0);
    if (!v.is_dict()) fault(std::string("'") + type_name(v) + "' object has no attribute 'items'");
    const std::string by = a[1] ? py_str(*a[1]) : "key";
    if (by != "key" && by != "value") fault("You can only sort by either \"key\" or \"value\"");
    std::vector<Value> items, keys;
    for (const auto& [k, val] : v.dict_data().entries) {
        items.push_back(Value::list({k, val}, ListKind::Tuple));
        const Value& key = by == "key" ? k : val;
        keys.push_back(flag(a[0]) ? key : ignore_case(key));
    }
    ev.count_steps(items.size());
    return Value::list(sorted_by(std::move(items), keys, flag(a[2])));
}

Value f_unique(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("unique", args, {"case_sensitive", "attribute"}, 0);
    const Value attribute = a[1] ? *a[1] : Value::none();
    std::unordered_set<std::string> seen;
    std::vector<Value> out;
    for (const Value& item : items_of(ev, v)) {
        Value key = lookup_path(item, attribute);
        if (!flag(a[0])) key = ignore_case(key);
        if (seen.insert(hash_key(key)).second) out.push_back(item);
    }
    return generator(std::move(out));
}

Value min_max(Evaluator& ev, const Value& v, CallArgs& args, bool want_max) {
    auto a = bind_args(want_max ? "max" : "min", args, {"case_sensitive", "attribute"}, 0);
    const Value attribute = a[1] ? *a[1] : Value::none();
    const std::vector<Value> items = items_of(ev, v);
    if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
    size_t best = 0;
    auto key_of = [&](const Value& item) {
        Value k = lookup_path(item, attribute);
        return flag(a[0]) ? k : ignore_case(k);
    };
    Value best_key = key_of(items[0]);
    for (size_t i = 1; i < items.size(); ++i) {
        Value k = key_of(items[i]);
        if (py_compare(want_max ? CmpOp::Gt : CmpOp::Lt, k, best_key)) {
            best = i;
            best_key = std::move(k);
        }
    }
    return items[best];
}

Value f_max(Evaluator& ev, const Value& v, CallArgs& a) { return min_max(ev, v, a, true); }
Value f_min(Evaluator& ev, const Value& v, CallArgs& a) { return min_max(ev, v, a, false); }

Value f_sum(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("sum", args, {"attribute", "start"}, 0);
    const Value attribute = a[0] ? *a[0] : Value::none();
    Value acc = a[1] ? *a[1] : Value::integer(0);
    for (const Value& item : items_of(ev, v)) acc = binary_op(ev, BinOp::Add, acc, lookup_path(item, attribute));
    return acc;
}

Value f_batch(Evaluator& ev, const Value& v, CallArgs& args) {
    auto a = bind_args("batch", args, {"linecount", "fill_with"}, 1);
    if (!a[0]->is_integral() || a[0]->as_int() < 1) fault("batch linecount must be a positive integer");
    const auto n = static_cast<size_t>(a[0]->as_int());
    std::vector<Value> out, cur;
    for (const Value& item : items_of(ev, v)) {
        if (cur.size() == n) {
            out.push_back(Value::list(std::move(cur)));
            cur.clear();
        }
        cur.push_back(item);
    }
    if (!cur.empty()) {
        if (a[1] && !a[1]->is_none()) cur.resize(n, *a[1]);
        out.push_back(Value::list(std::move(cur)));
    }
    return generator(std::move(out));
}

struct Entry {
    const char* name;
    FilterFn fn;
};

constexpr Entry kFilters[] = {
    {"batch", f_batch},   {"dictsort", f_dictsort}, {"first", f_first},   {"items", f_items},
    {"join", f_join},     {"last", f_last},         {"list", f_list},     {"map", f_map},
    {"max", f_max},       {"min", f_min},           {"reject", f_reject}, {"rejectattr", f_rejectattr},
    {"reverse", f_reverse}, {"select", f_select},   {"selectattr", f_selectattr}, {"sort", f_sort},
    {"sum", f_sum},       {"unique", f_unique},
};

}  // namespace

FilterFn find_sequence_filter(std::string_view name) {
    for (const Entry& e : kFilters)
        if (name == e.name) return e.fn;
    return nullptr;
}

}  // namespace edgeseek::jinja
