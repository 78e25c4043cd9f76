// Expression half of the evaluator.
#include "chat/jinja/builtins.h"
#include "chat/jinja/evaluator.h"
#include "chat/jinja/format.h"
#include "chat/jinja/operators.h"
#include "core/error.h"

namespace edgeseek::jinja {

Value Evaluator::eval(const Expr& e) {
    Depth depth(*this, e.pos);
    try {
        if (e.constant && e.kind != ExprKind::Const && !folding_) return eval_folded(e);
        return eval_inner(e);
    } catch (const TemplateFault& f) {
        rethrow_at(e.pos, f);
    }
}

namespace {

// jinja2's has_safe_repr: the values its optimizer may put back into the template.
bool safe_repr(const Value& v) {
    switch (v.type()) {
        case Value::Type::None:
        case Value::Type::Bool:
        case Value::Type::Int:
        case Value::Type::Float:
        case Value::Type::String: return true;
        case Value::Type::List:
            if (v.list_kind() == ListKind::Generator) return false;
            for (const Value& x : v.items())
                if (!safe_repr(x)) return false;
            return true;
        case Value::Type::Dict:
            for (const auto& [k, x] : v.dict_data().entries)
                if (!safe_repr(k) || !safe_repr(x)) return false;
            return true;
        default: return false;
    }
}

}  // namespace

// A constant expression as jinja2's optimizer folds it: evaluated with compile-time
// semantics, kept when it succeeds with a representable value, else evaluated at run time.
Value Evaluator::eval_folded(const Expr& e) {
    {
        Swap<bool> folding(folding_, true);
        try {
            Value v = eval_inner(e);
            if (safe_repr(v)) return v;
        } catch (const TemplateFault&) {
        } catch (const Error&) {
        }
    }
    return eval_inner(e);
}

Value Evaluator::eval_inner(const Expr& e) {
    switch (e.kind) {
        case ExprKind::Const: return static_cast<const ConstExpr&>(e).value;
        case ExprKind::Name: return eval_name(static_cast<const NameExpr&>(e));
        case ExprKind::NsRef: fault("namespace attribute references can only be assigned to");
        case ExprKind::Getattr: {
            const auto& g = static_cast<const GetattrExpr&>(e);
            return get_attribute(eval(*g.object), g.attr);
        }
        case ExprKind::Getitem: return eval_getitem(static_cast<const GetitemExpr&>(e));
        case ExprKind::Slice: fault("a slice can only be used inside [ ]");
        case ExprKind::Call: return eval_call(static_cast<const CallExpr&>(e));
        case ExprKind::Filter: return eval_filter(static_cast<const FilterExpr&>(e), nullptr);
        case ExprKind::Test: return eval_test(static_cast<const TestExpr&>(e));
        case ExprKind::Neg:
        case ExprKind::Pos: return unary_op(e.kind, eval(*static_cast<const UnaryExpr&>(e).operand));
        case ExprKind::Not: return Value::boolean(!truthy(eval(*static_cast<const UnaryExpr&>(e).operand)));
        case ExprKind::And:
        case ExprKind::Or: {
            const auto& b = static_cast<const BinaryExpr&>(e);
            Value left = eval(*b.left);
            if (truthy(left) == (e.kind == ExprKind::Or)) return left;
            return eval(*b.right);
        }
        case ExprKind::Binary: return eval_binary(static_cast<const BinaryExpr&>(e));
        case ExprKind::Compare: return eval_compare(static_cast<const CompareExpr&>(e));
        case ExprKind::Concat: return eval_concat(static_cast<const ConcatExpr&>(e));
        case ExprKind::Cond: return eval_cond(static_cast<const CondExpr&>(e));
        case ExprKind::List:
        case ExprKind::Tuple: return eval_sequence(static_cast<const SequenceExpr&>(e));
        case ExprKind::Dict: return eval_dict(static_cast<const DictExpr&>(e));
    }
    fault("unsupported expression");
}

Value Evaluator::eval_name(const NameExpr& e) {
    if (const Value* v = scope_->find(e.name)) return *v;
    return Value::undefined(string_repr(e.name) + " is undefined");
}

Value Evaluator::eval_getitem(const GetitemExpr& e) {
    const Value obj = eval(*e.object);
    if (e.index->kind == ExprKind::Slice) {
        const auto& s = static_cast<const SliceExpr&>(*e.index);
        auto part = [&](const ExprPtr& p) { return p ? eval(*p) : Value::none(); };
        const Value start = part(s.start), stop = part(s.stop), step = part(s.step);
        try {
            return get_slice(obj, start, stop, step);
        } catch (const TemplateFault&) {
            if (!folding_ || obj.is_undefined()) throw;
            return Value::undefined(object_type_repr(obj) + " has no element slice");
        }
    }
    return get_item(obj, eval(*e.index));
}

CallArgs Evaluator::eval_args(const ArgList& a) {
    CallArgs args;
    for (const auto& x : a.args) args.pos.push_back(eval(*x));
    for (const auto& [k, x] : a.kwargs) args.kw.emplace_back(k, eval(*x));
    if (a.dyn_args) {
        const Value extra = eval(*a.dyn_args);
        for (Value& v : iterate(extra)) args.pos.push_back(std::move(v));
    }
    if (a.dyn_kwargs) {
        const Value extra = eval(*a.dyn_kwargs);
        if (!extra.is_dict()) fault("argument after ** must be a mapping, not " + type_name(extra));
        for (const auto& [k, v] : extra.dict_data().entries) {
            if (!k.is_string()) fault("keywords must be strings");
            args.kw.emplace_back(k.str(), v);
        }
    }
    return args;
}

Value Evaluator::eval_call(const CallExpr& e, const Value* caller) {
    const Value callee = eval(*e.callee);
    CallArgs args = eval_args(e.args);
    if (caller) args.kw.emplace_back("caller", *caller);
    return call(callee, args);
}

Value Evaluator::eval_filter(const FilterExpr& e, const Value* block_input) {
    Value input;
    if (!e.input) {
        input = *block_input;
    } else if (block_input && e.input->kind == ExprKind::Filter) {
        input = eval_filter(static_cast<const FilterExpr&>(*e.input), block_input);
    } else {
        input = eval(*e.input);
    }
    CallArgs args = eval_args(e.args);
    try {
        return apply_filter(*this, e.name, input, args);
    } catch (const TemplateFault& f) {
        rethrow_at(e.pos, f);
    }
}

Value Evaluator::eval_test(const TestExpr& e) {
    const Value input = eval(*e.input);
    CallArgs args = eval_args(e.args);
    return Value::boolean(apply_test(*this, e.name, input, args));
}

Value Evaluator::eval_compare(const CompareExpr& e) {
    Value left = eval(*e.first);
    bool result = true;
    for (const auto& [op, expr] : e.rest) {
        Value right = eval(*expr);
        switch (op) {
            case CompareOp::Eq: result = py_compare(CmpOp::Eq, left, right); break;
            case CompareOp::Ne: result = py_compare(CmpOp::Ne, left, right); break;
            case CompareOp::Lt: result = py_compare(CmpOp::Lt, left, right); break;
            case CompareOp::Le: result = py_compare(CmpOp::Le, left, right); break;
            case CompareOp::Gt: result = py_compare(CmpOp::Gt, left, right); break;
            case CompareOp::Ge: result = py_compare(CmpOp::Ge, left, right); break;
            case CompareOp::In: result = py_contains(right, left); break;
            case CompareOp::NotIn: result = !py_contains(right, left); break;
        }
        if (!result) return Value::boolean(false);
        left = std::move(right);
    }
    return Value::boolean(result);
}

Value Evaluator::eval_binary(const BinaryExpr& e) {
    const Value left = eval(*e.left);
    const Value right = eval(*e.right);
    return binary_op(*this, e.op, left, right);
}

Value Evaluator::eval_concat(const ConcatExpr& e) {
    std::string out;
    for (const auto& part : e.parts) {
        const std::string text = py_str(eval(*part));
        charge(text.size());
        out += text;
    }
    return Value::string(std::move(out));
}

Value Evaluator::eval_cond(const CondExpr& e) {
    if (truthy(eval(*e.test))) return eval(*e.then);
    if (e.otherwise) return eval(*e.otherwise);
    return Value::undefined("the inline if-expression on line " + std::to_string(program_.map.line(e.pos)) +
                            " evaluated to false and no else section was defined.");
}

Value Evaluator::eval_sequence(const SequenceExpr& e) {
    std::vector<Value> items;
    items.reserve(e.items.size());
    for (const auto& x : e.items) items.push_back(eval(*x));
    return Value::list(std::move(items), e.kind == ExprKind::Tuple ? ListKind::Tuple : ListKind::List);
}

Value Evaluator::eval_dict(const DictExpr& e) {
    std::vector<std::pair<Value, Value>> entries;
    entries.reserve(e.items.size());
    for (const auto& [k, v] : e.items) {
        Value key = eval(*k);
        entries.emplace_back(std::move(key), eval(*v));
    }
    return make_dict(std::move(entries));
}

}  // namespace edgeseek::jinja
