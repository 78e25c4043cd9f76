#include "chat/jinja/value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat/jinja/format.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

void fault(std::string message, std::string hint) {
    throw TemplateFault{std::move(message), std::move(hint)};
}

// ---- construction --------------------------------------------------------------------------

Value Value::undefined(std::string message) {
    Value v;
    v.v_ = std::make_shared<const UndefinedInfo>(UndefinedInfo{std::move(message)});
    return v;
}

Value Value::none() {
    Value v;
    v.v_ = nullptr;
    return v;
}

Value Value::boolean(bool b) {
    Value v;
    v.v_ = b;
    return v;
}

Value Value::integer(int64_t i) {
    Value v;
    v.v_ = i;
    return v;
}

Value Value::number(double d) {
    Value v;
    v.v_ = d;
    return v;
}

Value Value::string(std::string s, bool markup) {
    Value v;
    v.v_ = std::make_shared<const std::string>(std::move(s));
    v.markup_ = markup;
    return v;
}

Value Value::list(std::vector<Value> items, ListKind kind) {
    size_t depth = 0;
    for (const Value& item : items) depth = std::max(depth, item.depth());
    if (depth + 1 > kMaxValueDepth)
        fault("value nested more than " + std::to_string(kMaxValueDepth) + " levels deep");
    auto data = std::make_shared<ListData>();
    data->items = std::move(items);
    data->kind = kind;
    data->depth = depth + 1;
    Value v;
    v.v_ = ListPtr(std::move(data));
    return v;
}

Value Value::dict(DictData data) {
    size_t depth = 0;
    for (const auto& [k, val] : data.entries) depth = std::max(depth, val.depth());
    if (depth + 1 > kMaxValueDepth)
        fault("value nested more than " + std::to_string(kMaxValueDepth) + " levels deep");
    data.depth = depth + 1;
    Value v;
    v.v_ = std::make_shared<const DictData>(std::move(data));
    return v;
}

Value Value::object(std::shared_ptr<Object> obj) {
    Value v;
    v.v_ = std::move(obj);
    return v;
}

int64_t Value::as_int() const { return is_bool() ? (as_bool() ? 1 : 0) : std::get<int64_t>(v_); }

double Value::as_double() const {
    if (is_float()) return std::get<double>(v_);
    return static_cast<double>(as_int());
}

const std::string& Value::undefined_message() const {
    static const std::string kPlain = "value is undefined";
    const auto& p = std::get<UndefPtr>(v_);
    return p ? p->message : kPlain;
}

size_t Value::depth() const {
    if (is_list()) return list_data().depth;
    if (is_dict()) return dict_data().depth;
    return 0;
}

bool Value::same_identity(const Value& o) const {
    if (type() != o.type()) return false;
    switch (type()) {
        case Type::Undefined: return false;
        case Type::None: return true;
        case Type::Bool: return as_bool() == o.as_bool();
        case Type::Int: return as_int() == o.as_int();
        case Type::Float: return false;
        case Type::String: return std::get<StrPtr>(v_) == std::get<StrPtr>(o.v_);
        case Type::List: return std::get<ListPtr>(v_) == std::get<ListPtr>(o.v_);
        case Type::Dict: return std::get<DictPtr>(v_) == std::get<DictPtr>(o.v_);
        case Type::Object: return object_ptr() == o.object_ptr();
    }
    return false;
}

// ---- dict ------------------------------------------------------------------------------------

const Value* DictData::find(const Value& key) const {
    auto it = index.find(hash_key(key));
    return it == index.end() ? nullptr : &entries[it->second].second;
}

const Value* DictData::find(std::string_view key) const {
    std::string k = "S";
    k += key;
    auto it = index.find(k);
    return it == index.end() ? nullptr : &entries[it->second].second;
}

void DictData::set(Value key, Value value) {
    std::string k = hash_key(key);
    auto it = index.find(k);
    if (it != index.end()) {
        entries[it->second].second = std::move(value);
        return;
    }
    index.emplace(std::move(k), entries.size());
    entries.emplace_back(std::move(key), std::move(value));
}

Value make_dict(std::vector<std::pair<Value, Value>> entries) {
    DictData d;
    d.entries.reserve(entries.size());
    for (auto& [k, v] : entries) d.set(std::move(k), std::move(v));
    return Value::dict(std::move(d));
}

// ---- objects ---------------------------------------------------------------------------------

std::string Object::repr() const { return std::string("<") + type_name() + " object>"; }
std::optional<Value> Object::get_attr(std::string_view) const { return std::nullopt; }
Value Object::call(Evaluator&, CallArgs&) { fault(std::string("'") + type_name() + "' object is not callable"); }

std::string Namespace::repr() const {
    // A namespace can contain itself (ns.x = [ns]); bound the recursion through objects.
    static thread_local size_t nesting = 0;
    struct Guard {
        Guard() {
            if (++nesting > kMaxValueDepth) {
                nesting = 0;
                fault("value nested too deeply to print (does a namespace contain itself?)");
            }
        }
        ~Guard() {
            if (nesting) --nesting;
        }
    } guard;
    std::string s = "<Namespace {";
    bool first = true;
    for (const auto& [k, v] : attrs.entries) {
        if (!first) s += ", ";
        first = false;
        s += py_repr(k) + ": " + py_repr(v);
    }
    return s + "}>";
}

std::optional<Value> Namespace::get_attr(std::string_view name) const {
    if (const Value* v = attrs.find(name)) return *v;
    return std::nullopt;
}

std::string NativeFunction::repr() const {
    if (self_.is_undefined()) return "<built-in function " + name_ + ">";
    return "<built-in method " + name_ + " of " + jinja::type_name(self_) + " object>";
}

// ---- Python semantics ------------------------------------------------------------------------

bool truthy(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined:
        case Value::Type::None: return false;
        case Value::Type::Bool: return v.as_bool();
        case Value::Type::Int: return v.as_int() != 0;
        case Value::Type::Float: return v.as_double() != 0.0;
        case Value::Type::String: return !v.str().empty();
        case Value::Type::List:
            if (v.list_kind() == ListKind::Generator) return true;
            return !v.items().empty();
        case Value::Type::Dict: return !v.dict_data().entries.empty();
        case Value::Type::Object: return true;
    }
    return false;
}

std::string type_name(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined: return "Undefined";
        case Value::Type::None: return "NoneType";
        case Value::Type::Bool: return "bool";
        case Value::Type::Int: return "int";
        case Value::Type::Float: return "float";
        case Value::Type::String: return v.is_markup() ? "Markup" : "str";
        case Value::Type::List:
            switch (v.list_kind()) {
                case ListKind::List: return "list";
                case ListKind::Tuple: return "tuple";
                case ListKind::Generator: return "generator";
            }
            return "list";
        case Value::Type::Dict: return "dict";
        case Value::Type::Object: return v.object().type_name();
    }
    return "object";
}

std::string object_type_repr(const Value& v) {
    if (v.is_none()) return "None";
    if (v.is_markup()) return "markupsafe.Markup object";
    if (v.is_object() && v.object().type_name() == "Namespace") return "jinja2.utils.Namespace object";
    if (v.is_object() && v.object().type_name() == "LoopContext") return "jinja2.runtime.LoopContext object";
    return type_name(v) + " object";
}

std::string hash_key(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined: return "U";  // jinja2: all undefined values hash alike
        case Value::Type::None: return "N";
        case Value::Type::Bool:
        case Value::Type::Int: return std::string("I") + std::to_string(v.as_int());
        case Value::Type::Float: {
            const double d = v.as_double();
            if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
                return std::string("I") + std::to_string(static_cast<int64_t>(d));
            return std::string("F") + float_repr(d);
        }
        case Value::Type::String: return std::string("S") + v.str();
        case Value::Type::List:
            if (v.list_kind() == ListKind::Tuple) {
                std::string k = std::string("T") + std::to_string(v.items().size());
                for (const Value& item : v.items()) {
                    std::string part = hash_key(item);
                    k += std::string(":") + std::to_string(part.size()) + ":" + part;
                }
                return k;
            }
            if (v.list_kind() == ListKind::Generator) {  // iterators hash by identity
                char buf[32];
                std::snprintf(buf, sizeof buf, "G%p", static_cast<const void*>(&v.list_data()));
                return buf;
            }
            break;
        case Value::Type::Object: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "O%p", static_cast<const void*>(&v.object()));
            return buf;
        }
        default: break;
    }
    fault("unhashable type: '" + type_name(v) + "'");
}

size_t py_len(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined: return 0;
        case Value::Type::String: return utf8_length(v.str());
        case Value::Type::List:
            if (v.list_kind() == ListKind::Generator) break;
            return v.items().size();
        case Value::Type::Dict: return v.dict_data().entries.size();
        default: break;
    }
    fault("object of type '" + type_name(v) + "' has no len()");
}

std::vector<Value> iterate(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined: return {};
        case Value::Type::String: {
            std::vector<Value> out;
            const std::string& s = v.str();
            for (size_t pos = 0; pos < s.size();) {
                const size_t start = pos;
                decode_utf8(s, pos);
                out.push_back(Value::string(s.substr(start, pos - start)));
            }
            return out;
        }
        case Value::Type::List: {
            const ListData& d = v.list_data();
            if (d.kind != ListKind::Generator) return d.items;
            std::vector<Value> out(d.items.begin() + static_cast<ptrdiff_t>(d.consumed), d.items.end());
            d.consumed = d.items.size();
            return out;
        }
        case Value::Type::Dict: {
            std::vector<Value> out;
            out.reserve(v.dict_data().entries.size());
            for (const auto& [k, val] : v.dict_data().entries) out.push_back(k);
            return out;
        }
        default: break;
    }
    fault(std::string("'") + type_name(v) + "' object is not iterable");
}

namespace {

// Exact comparison of an int with a double: -1, 0, 1, or 2 when unordered (NaN).
int compare_int_double(int64_t i, double f) {
    if (std::isnan(f)) return 2;
    const double fi = static_cast<double>(i);
    if (fi < f) return -1;
    if (fi > f) return 1;
    if (f >= 9223372036854775808.0) return -1;
    const auto back = static_cast<int64_t>(f);
    return i < back ? -1 : (i > back ? 1 : 0);
}

// -1, 0, 1 or 2 (unordered) for two numbers.
int compare_numbers(const Value& a, const Value& b) {
    if (a.is_integral() && b.is_integral()) {
        const int64_t x = a.as_int(), y = b.as_int();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (a.is_integral()) return compare_int_double(a.as_int(), b.as_double());
    if (b.is_integral()) {
        const int c = compare_int_double(b.as_int(), a.as_double());
        return c == 2 ? 2 : -c;
    }
    const double x = a.as_double(), y = b.as_double();
    if (std::isnan(x) || std::isnan(y)) return 2;
    return x < y ? -1 : (x > y ? 1 : 0);
}

bool apply_order(CmpOp op, int c) {
    if (c == 2) return op == CmpOp::Ne;
    switch (op) {
        case CmpOp::Eq: return c == 0;
        case CmpOp::Ne: return c != 0;
        case CmpOp::Lt: return c < 0;
        case CmpOp::Le: return c <= 0;
        case CmpOp::Gt: return c > 0;
        case CmpOp::Ge: return c >= 0;
    }
    return false;
}

const char* op_symbol(CmpOp op) {
    switch (op) {
        case CmpOp::Eq: return "==";
        case CmpOp::Ne: return "!=";
        case CmpOp::Lt: return "<";
        case CmpOp::Le: return "<=";
        case CmpOp::Gt: return ">";
        case CmpOp::Ge: return ">=";
    }
    return "?";
}

void check_depth(size_t depth) {
    if (depth > kMaxValueDepth) fault("value nested too deeply to compare");
}

}  // namespace

bool py_equal(const Value& a, const Value& b, size_t depth) {
    check_depth(depth);
    if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case Value::Type::Undefined:
        case Value::Type::None: return true;
        case Value::Type::String: return a.str() == b.str();
        case Value::Type::List: {
            if (a.list_kind() != b.list_kind()) return false;
            if (a.list_kind() == ListKind::Generator) return a.same_identity(b);
            const auto& x = a.items();
            const auto& y = b.items();
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!py_equal(x[i], y[i], depth + 1)) return false;
            return true;
        }
        case Value::Type::Dict: {
            const auto& x = a.dict_data();
            const auto& y = b.dict_data();
            if (x.entries.size() != y.entries.size()) return false;
            for (const auto& [k, v] : x.entries) {
                const Value* other = y.find(k);
                if (!other || !py_equal(v, *other, depth + 1)) return false;
            }
            return true;
        }
        case Value::Type::Object: return a.same_identity(b);
        default: return false;
    }
}

bool py_compare(CmpOp op, const Value& a, const Value& b, size_t depth) {
    if (op == CmpOp::Eq) return py_equal(a, b, depth);
    if (op == CmpOp::Ne) return !py_equal(a, b, depth);
    check_depth(depth);
    if (a.is_undefined()) fault(a.undefined_message());
    if (b.is_undefined()) fault(b.undefined_message());
    if (a.is_number() && b.is_number()) return apply_order(op, compare_numbers(a, b));
    if (a.is_string() && b.is_string()) {
        const int c = a.str().compare(b.str());
        return apply_order(op, c < 0 ? -1 : (c > 0 ? 1 : 0));
    }
    if (a.is_list() && b.is_list() && a.list_kind() == b.list_kind() &&
        a.list_kind() != ListKind::Generator) {
        const auto& x = a.items();
        const auto& y = b.items();
        for (size_t i = 0; i < x.size() && i < y.size(); ++i)
            if (!py_equal(x[i], y[i], depth + 1)) return py_compare(op, x[i], y[i], depth + 1);
        const int c = x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
        return apply_order(op, c);
    }
    fault(std::string("'") + op_symbol(op) + "' not supported between instances of '" +
          type_name(a) + "' and '" + type_name(b) + "'");
}

bool py_contains(const Value& container, const Value& item) {
    switch (container.type()) {
        case Value::Type::Undefined: return false;
        case Value::Type::String:
            if (!item.is_string())
                fault("'in <string>' requires string as left operand, not " + type_name(item));
            return container.str().find(item.str()) != std::string::npos;
        case Value::Type::List:
            for (const Value& v : iterate(container))
                if (py_equal(v, item)) return true;
            return false;
        case Value::Type::Dict: return container.dict_data().find(item) != nullptr;
        default: break;
    }
    fault("argument of type '" + type_name(container) + "' is not iterable");
}

}  // namespace edgeseek::jinja
