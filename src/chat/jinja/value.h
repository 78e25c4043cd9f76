// Values of the template language, modelled on the Python objects jinja2 works with: None,
// bool, int, float, str (optionally Markup), list/tuple/generator, dict (insertion-ordered)
// and a few objects (namespace, loop, macro, builtin function). Undefined carries the
// message jinja2 would raise when it is used for something other than printing or testing.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace edgeseek::jinja {

class Value;
class Object;
class Evaluator;

// An error raised while evaluating (Python's TypeError, UndefinedError, ...). The evaluator
// turns it into edgeseek::Error with the template position of the innermost expression.
struct TemplateFault {
    std::string message;
    std::string hint;
};
[[noreturn]] void fault(std::string message, std::string hint = {});

// Appends the parts into one string (avoids gcc 12's -Wrestrict false positive on
// `"literal" + std::string(...)` chains).
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string s;
    ((s += parts), ...);
    return s;
}

// Containers deeper than this are refused; it keeps recursive printing, comparison and
// destruction of values bounded.
constexpr size_t kMaxValueDepth = 256;

enum class ListKind : uint8_t { List, Tuple, Generator };

struct ListData {
    std::vector<Value> items;
    ListKind kind = ListKind::List;
    size_t depth = 1;
    mutable size_t consumed = 0;  // generators are single-use: items before this are gone
};

struct DictData {
    std::vector<std::pair<Value, Value>> entries;  // in insertion order
    std::unordered_map<std::string, size_t> index;  // hash_key(key) -> position
    size_t depth = 1;

    const Value* find(const Value& key) const;
    const Value* find(std::string_view key) const;
    void set(Value key, Value value);  // replaces in place when the key exists
};

struct UndefinedInfo {
    std::string message;  // e.g. "'x' is undefined"
};

class Value {
public:
    enum class Type : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Object };

    Value() = default;  // undefined
    static Value undefined(std::string message);
    static Value none();
    static Value boolean(bool b);
    static Value integer(int64_t i);
    static Value number(double d);
    static Value string(std::string s, bool markup = false);
    static Value list(std::vector<Value> items, ListKind kind = ListKind::List);
    static Value dict(DictData data);
    static Value object(std::shared_ptr<Object> obj);

    Type type() const { return static_cast<Type>(v_.index()); }
    bool is_undefined() const { return type() == Type::Undefined; }
    bool is_none() const { return type() == Type::None; }
    bool is_bool() const { return type() == Type::Bool; }
    bool is_int() const { return type() == Type::Int; }
    bool is_float() const { return type() == Type::Float; }
    bool is_integral() const { return is_int() || is_bool(); }  // Python int (bool included)
    bool is_number() const { return is_int() || is_bool() || is_float(); }
    bool is_string() const { return type() == Type::String; }
    bool is_list() const { return type() == Type::List; }
    bool is_dict() const { return type() == Type::Dict; }
    bool is_object() const { return type() == Type::Object; }
    bool is_markup() const { return is_string() && markup_; }

    bool as_bool() const { return std::get<bool>(v_); }
    int64_t as_int() const;     // int or bool
    double as_double() const;   // any number
    const std::string& str() const { return *std::get<StrPtr>(v_); }
    const ListData& list_data() const { return *std::get<ListPtr>(v_); }
    const std::vector<Value>& items() const { return list_data().items; }
    ListKind list_kind() const { return list_data().kind; }
    const DictData& dict_data() const { return *std::get<DictPtr>(v_); }
    Object& object() const { return *std::get<ObjPtr>(v_); }
    const std::shared_ptr<Object>& object_ptr() const { return std::get<ObjPtr>(v_); }
    const std::string& undefined_message() const;

    size_t depth() const;                        // container nesting (scalars: 0)
    bool same_identity(const Value& o) const;    // Python `is`

private:
    using StrPtr = std::shared_ptr<const std::string>;
    using ListPtr = std::shared_ptr<const ListData>;
    using DictPtr = std::shared_ptr<const DictData>;
    using ObjPtr = std::shared_ptr<Object>;
    using UndefPtr = std::shared_ptr<const UndefinedInfo>;
    std::variant<UndefPtr, std::nullptr_t, bool, int64_t, double, StrPtr, ListPtr, DictPtr, ObjPtr> v_;
    bool markup_ = false;
};

// Positional and keyword arguments of a call, as Python passes them.
struct CallArgs {
    std::vector<Value> pos;
    std::vector<std::pair<std::string, Value>> kw;
};

// Objects with attributes and/or a call operator (namespace, loop, macro, functions).
class Object : public std::enable_shared_from_this<Object> {
public:
    virtual ~Object() = default;
    virtual std::string type_name() const = 0;   // Python's type(x).__name__
    virtual std::string repr() const;            // str()/repr() of the object
    virtual std::optional<Value> get_attr(std::string_view name) const;
    virtual bool callable() const { return false; }
    virtual Value call(Evaluator& ev, CallArgs& args);
};

// jinja2's namespace(): the only object whose attributes templates may assign.
class Namespace : public Object {
public:
    std::string type_name() const override { return "Namespace"; }
    std::string repr() const override;
    std::optional<Value> get_attr(std::string_view name) const override;
    void set_attr(const std::string& name, Value v) { attrs.set(Value::string(name), std::move(v)); }
    DictData attrs;
};

// A host function (range, raise_exception, ...) or a method bound to its receiver.
class NativeFunction : public Object {
public:
    using Fn = Value (*)(Evaluator&, const Value& self, std::string_view name, CallArgs& args);
    NativeFunction(std::string name, Fn fn, Value self = {})
        : name_(std::move(name)), fn_(fn), self_(std::move(self)) {}
    std::string type_name() const override { return "builtin_function_or_method"; }
    std::string repr() const override;
    bool callable() const override { return true; }
    Value call(Evaluator& ev, CallArgs& args) override { return fn_(ev, self_, name_, args); }

private:
    std::string name_;
    Fn fn_;
    Value self_;
};

// Python semantics shared by the operators, filters and tests.
bool truthy(const Value& v);
std::string type_name(const Value& v);          // "str", "int", "NoneType", ...
std::string object_type_repr(const Value& v);   // "dict object", "None" (jinja2's wording)
std::string hash_key(const Value& v);           // dict key identity; throws for unhashable
size_t py_len(const Value& v);
std::vector<Value> iterate(const Value& v);     // list(v); consumes generators
bool py_equal(const Value& a, const Value& b, size_t depth = 0);
// a < b, a <= b, ... ; throws TypeError's message for unorderable types.
enum class CmpOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
bool py_compare(CmpOp op, const Value& a, const Value& b, size_t depth = 0);
bool py_contains(const Value& container, const Value& item);  // item in container

// Builds a dict value from ordered (key, value) pairs, checking hashability.
Value make_dict(std::vector<std::pair<Value, Value>> entries);

}  // namespace edgeseek::jinja
