// jinja2's tests (`x is defined`, `x is string`, `x is equalto y`, ...).
// https://github.com/pallets/jinja/blob/main/src/jinja2/tests.py
#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/format.h"
#include "chat/jinja/operators.h"
#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

namespace {

constexpr const char* kJinja2Tests[] = {
    "odd",    "even",   "divisibleby", "defined", "undefined", "filter",   "test",      "none",
    "boolean", "false", "true",        "integer", "float",     "lower",    "upper",     "string",
    "mapping", "number", "sequence",   "iterable", "callable", "sameas",   "escaped",   "in",
    "==",     "eq",     "equalto",     "!=",      "ne",        ">",        "gt",        "greaterthan",
    "ge",     ">=",     "<",           "lt",      "lessthan",  "<=",       "le"};

bool case_test(const Value& v, bool want_lower) {
    const std::string s = py_str(v);
    bool cased = false;
    for (size_t pos = 0; pos < s.size();) {
        const char32_t c = decode_utf8(s, pos);
        if (is_upper_char(c)) {
            if (want_lower) return false;
            cased = true;
        } else if (is_lower_char(c)) {
            if (!want_lower) return false;
            cased = true;
        }
    }
    return cased;
}

bool remainder_is(Evaluator& ev, const Value& v, const Value& divisor, int64_t want) {
    return py_equal(binary_op(ev, BinOp::Mod, v, divisor), Value::integer(want));
}

}  // namespace

bool jinja2_has_test(std::string_view name) {
    for (const char* t : kJinja2Tests)
        if (name == t) return true;
    return false;
}

bool apply_test(Evaluator& ev, std::string_view name, const Value& v, CallArgs& args) {
    const std::string n(name);
    auto no_args = [&] { bind_args(n, args, {}, 0); };
    auto other = [&] { return *bind_args(n, args, {"other"}, 1)[0]; };
    if (name == "defined") return no_args(), !v.is_undefined();
    if (name == "undefined") return no_args(), v.is_undefined();
    if (name == "none") return no_args(), v.is_none();
    if (name == "boolean") return no_args(), v.is_bool();
    if (name == "true") return no_args(), v.is_bool() && v.as_bool();
    if (name == "false") return no_args(), v.is_bool() && !v.as_bool();
    if (name == "integer") return no_args(), v.is_int();
    if (name == "float") return no_args(), v.is_float();
    if (name == "number") return no_args(), v.is_number();
    if (name == "string") return no_args(), v.is_string();
    if (name == "mapping") return no_args(), v.is_dict();
    if (name == "escaped") return no_args(), v.is_markup();
    if (name == "callable") return no_args(), v.is_object() && v.object().callable();
    if (name == "sequence") {
        no_args();
        return v.is_string() || v.is_dict() || v.is_undefined() ||
               (v.is_list() && v.list_kind() != ListKind::Generator);
    }
    if (name == "iterable") return no_args(), v.is_string() || v.is_dict() || v.is_list() || v.is_undefined();
    if (name == "lower" || name == "upper") return no_args(), case_test(v, name == "lower");
    if (name == "odd") return no_args(), remainder_is(ev, v, Value::integer(2), 1);
    if (name == "even") return no_args(), remainder_is(ev, v, Value::integer(2), 0);
    if (name == "divisibleby") return remainder_is(ev, v, *bind_args(n, args, {"num"}, 1)[0], 0);
    if (name == "filter") return no_args(), v.is_string() && jinja2_has_filter(v.str());
    if (name == "test") return no_args(), v.is_string() && jinja2_has_test(v.str());
    if (name == "sameas") return v.same_identity(other());
    if (name == "in") return py_contains(*bind_args(n, args, {"seq"}, 1)[0], v);
    if (name == "==" || name == "eq" || name == "equalto") return py_compare(CmpOp::Eq, v, other());
    if (name == "!=" || name == "ne") return py_compare(CmpOp::Ne, v, other());
    if (name == ">" || name == "gt" || name == "greaterthan") return py_compare(CmpOp::Gt, v, other());
    if (name == ">=" || name == "ge") return py_compare(CmpOp::Ge, v, other());
    if (name == "<" || name == "lt" || name == "lessthan") return py_compare(CmpOp::Lt, v, other());
    if (name == "<=" || name == "le") return py_compare(CmpOp::Le, v, other());
    fault("no test named '" + n + "'");
}

}  // namespace edgeseek::jinja
