#include "chat/jinja/operators.h"

#include <cmath>
#include <limits>

#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/format.h"

namespace edgeseek::jinja {

namespace {

const char* symbol(BinOp op) {
    switch (op) {
        case BinOp::Add: return "+";
        case BinOp::Sub: return "-";
        case BinOp::Mul: return "*";
        case BinOp::Div: return "/";
        case BinOp::FloorDiv: return "//";
        case BinOp::Mod: return "%";
        case BinOp::Pow: return "** or pow()";
    }
    return "?";
}

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
    fault(std::string("unsupported operand type(s) for ") + symbol(op) + ": '" + type_name(a) + "' and '" +
          type_name(b) + "'");
}

[[noreturn]] void overflow() {
    fault("integer overflow", "this engine computes with 64-bit integers");
}

Value int_op(BinOp op, int64_t x, int64_t y) {
    int64_t r = 0;
    switch (op) {
        case BinOp::Add:
            if (__builtin_add_overflow(x, y, &r)) overflow();
            return Value::integer(r);
        case BinOp::Sub:
            if (__builtin_sub_overflow(x, y, &r)) overflow();
            return Value::integer(r);
        case BinOp::Mul:
            if (__builtin_mul_overflow(x, y, &r)) overflow();
            return Value::integer(r);
        case BinOp::Div:
            if (y == 0) fault("division by zero");
            return Value::number(static_cast<double>(x) / static_cast<double>(y));
        case BinOp::FloorDiv:
        case BinOp::Mod: {
            if (y == 0) fault(op == BinOp::Mod ? "integer modulo by zero" : "integer division or modulo by zero");
            if (x == std::numeric_limits<int64_t>::min() && y == -1) overflow();
            int64_t q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) {
                --q;
                m += y;
            }
            return Value::integer(op == BinOp::Mod ? m : q);
        }
        case BinOp::Pow: {
            if (y < 0) {
                if (x == 0) fault("0.0 cannot be raised to a negative power");
                return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
            }
            int64_t result = 1, base = x;
            for (int64_t e = y; e > 0; e >>= 1) {
                if ((e & 1) && __builtin_mul_overflow(result, base, &result)) overflow();
                if (e > 1 && __builtin_mul_overflow(base, base, &base)) overflow();
            }
            return Value::integer(result);
        }
    }
    return {};
}

Value float_op(BinOp op, double x, double y) {
    switch (op) {
        case BinOp::Add: return Value::number(x + y);
        case BinOp::Sub: return Value::number(x - y);
        case BinOp::Mul: return Value::number(x * y);
        case BinOp::Div:
            if (y == 0) fault("float division by zero");
            return Value::number(x / y);
        case BinOp::FloorDiv:
        case BinOp::Mod: {
            if (y == 0) fault(op == BinOp::Mod ? "float modulo" : "float floor division by zero");
            double m = std::fmod(x, y);
            double q = (x - m) / y;
            if (m != 0 && ((y < 0) != (m < 0))) {
                m += y;
                q -= 1.0;
            }
            if (op == BinOp::Mod) return Value::number(m == 0 ? std::copysign(0.0, y) : m);
            double fq = std::floor(q);
            if (q - fq > 0.5) fq += 1.0;
            return Value::number(q == 0 ? std::copysign(0.0, x / y) : fq);
        }
        case BinOp::Pow:
            if (x == 0 && y < 0) fault("0.0 cannot be raised to a negative power");
            return Value::number(std::pow(x, y));
    }
    return {};
}

Value repeat(Evaluator& ev, const Value& seq, int64_t times) {
    if (times <= 0) return seq.is_string() ? Value::string("", seq.is_markup()) : Value::list({}, seq.list_kind());
    if (seq.is_string()) {
        const std::string& s = seq.str();
        if (!s.empty() && static_cast<uint64_t>(times) > (uint64_t{1} << 40) / s.size()) overflow();
        ev.charge(s.size() * static_cast<size_t>(times));
        std::string out;
        out.reserve(s.size() * static_cast<size_t>(times));
        for (int64_t i = 0; i < times; ++i) out += s;
        return Value::string(std::move(out), seq.is_markup());
    }
    const auto& items = seq.items();
    if (!items.empty() && static_cast<uint64_t>(times) > (uint64_t{1} << 32) / items.size()) overflow();
    ev.count_steps(items.size() * static_cast<size_t>(times));
    std::vector<Value> out;
    out.reserve(items.size() * static_cast<size_t>(times));
    for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
    return Value::list(std::move(out), seq.list_kind());
}

bool is_sequence(const Value& v) { return v.is_string() || (v.is_list() && v.list_kind() != ListKind::Generator); }

}  // namespace

Value binary_op(Evaluator& ev, BinOp op, const Value& a, const Value& b) {
    if (a.is_undefined()) fault(a.undefined_message());
    if (op == BinOp::Mod && a.is_string()) {  // str % x formats; x may even be undefined
        std::string s = percent_format(a.str(), b, a.is_markup());
        ev.charge(s.size());
        return Value::string(std::move(s), a.is_markup());
    }
    if (b.is_undefined()) fault(b.undefined_message());
    if (a.is_number() && b.is_number()) {
        if (a.is_integral() && b.is_integral()) return int_op(op, a.as_int(), b.as_int());
        return float_op(op, a.as_double(), b.as_double());
    }
    switch (op) {
        case BinOp::Add:
            if (a.is_string() && b.is_string()) {
                // Markup + str and str + Markup (Markup.__radd__ wins, being a str subclass)
                // escape the plain side and give Markup.
                const bool markup = a.is_markup() || b.is_markup();
                const std::string left = markup && !a.is_markup() ? html_escape(a.str()) : a.str();
                const std::string right = markup && !b.is_markup() ? html_escape(b.str()) : b.str();
                ev.charge(left.size() + right.size());
                return Value::string(left + right, markup);
            }
            if (a.is_string()) fault("can only concatenate str (not \"" + type_name(b) + "\") to str");
            if (a.is_list() && b.is_list() && a.list_kind() == b.list_kind() &&
                a.list_kind() != ListKind::Generator) {
                std::vector<Value> items = a.items();
                items.insert(items.end(), b.items().begin(), b.items().end());
                ev.count_steps(items.size());
                return Value::list(std::move(items), a.list_kind());
            }
            if (a.is_list() && a.list_kind() != ListKind::Generator)
                fault("can only concatenate " + type_name(a) + " (not \"" + type_name(b) + "\") to " + type_name(a));
            break;
        case BinOp::Mul:
            if (is_sequence(a) && b.is_integral()) return repeat(ev, a, b.as_int());
            if (is_sequence(b) && a.is_integral()) return repeat(ev, b, a.as_int());
            if (is_sequence(a) || is_sequence(b))
                fault("can't multiply sequence by non-int of type '" + type_name(is_sequence(a) ? b : a) + "'");
            break;
        default: break;
    }
    unsupported(op, a, b);
}

Value unary_op(ExprKind op, const Value& v) {
    if (v.is_undefined()) fault(v.undefined_message());
    if (v.is_integral()) {
        if (op == ExprKind::Pos) return Value::integer(v.as_int());
        if (v.as_int() == std::numeric_limits<int64_t>::min()) overflow();
        return Value::integer(-v.as_int());
    }
    if (v.is_float()) return Value::number(op == ExprKind::Pos ? v.as_double() : -v.as_double());
    fault(std::string("bad operand type for unary ") + (op == ExprKind::Pos ? "+" : "-") + ": '" +
          type_name(v) + "'");
}

}  // namespace edgeseek::jinja
