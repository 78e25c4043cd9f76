#include "chat/jinja/ast_walk.h"

namespace edgeseek::jinja {

void for_each_child(const Expr& e, const std::function<void(const Expr&)>& f) {
    auto one = [&](const ExprPtr& x) {
        if (x) f(*x);
    };
    auto args = [&](const ArgList& a) {
        for (const auto& x : a.args) one(x);
        for (const auto& [k, x] : a.kwargs) one(x);
        one(a.dyn_args);
        one(a.dyn_kwargs);
    };
    switch (e.kind) {
        case ExprKind::Getattr: one(static_cast<const GetattrExpr&>(e).object); break;
        case ExprKind::Getitem: {
            const auto& g = static_cast<const GetitemExpr&>(e);
            one(g.object);
            one(g.index);
            break;
        }
        case ExprKind::Slice: {
            const auto& s = static_cast<const SliceExpr&>(e);
            one(s.start);
            one(s.stop);
            one(s.step);
            break;
        }
        case ExprKind::Call: {
            const auto& c = static_cast<const CallExpr&>(e);
            one(c.callee);
            args(c.args);
            break;
        }
        case ExprKind::Filter: {
            const auto& f2 = static_cast<const FilterExpr&>(e);
            one(f2.input);
            args(f2.args);
            break;
        }
        case ExprKind::Test: {
            const auto& t = static_cast<const TestExpr&>(e);
            one(t.input);
            args(t.args);
            break;
        }
        case ExprKind::Neg:
        case ExprKind::Pos:
        case ExprKind::Not: one(static_cast<const UnaryExpr&>(e).operand); break;
        case ExprKind::And:
        case ExprKind::Or:
        case ExprKind::Binary: {
            const auto& b = static_cast<const BinaryExpr&>(e);
            one(b.left);
            one(b.right);
            break;
        }
        case ExprKind::Compare: {
            const auto& c = static_cast<const CompareExpr&>(e);
            one(c.first);
            for (const auto& [op, x] : c.rest) one(x);
            break;
        }
        case ExprKind::Concat:
            for (const auto& x : static_cast<const ConcatExpr&>(e).parts) one(x);
            break;
        case ExprKind::Cond: {
            const auto& c = static_cast<const CondExpr&>(e);
            one(c.test);
            one(c.then);
            one(c.otherwise);
            break;
        }
        case ExprKind::List:
        case ExprKind::Tuple:
            for (const auto& x : static_cast<const SequenceExpr&>(e).items) one(x);
            break;
        case ExprKind::Dict:
            for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
                one(k);
                one(v);
            }
            break;
        default: break;
    }
}

// jinja2's Expr.as_const: literals and operators over them fold; names, calls, filters that
// need the context (map, select, ...) and a filter block's input do not.
bool folds_to_constant(const Expr& e) {
    switch (e.kind) {
        case ExprKind::Const: return true;
        case ExprKind::Name:
        case ExprKind::NsRef:
        case ExprKind::Call: return false;
        case ExprKind::Filter: {
            const auto& f = static_cast<const FilterExpr&>(e);
            static const char* const kContextFilters[] = {"map", "select", "reject", "selectattr", "rejectattr",
                                                          "random"};
            for (const char* c : kContextFilters)
                if (f.name == c) return false;
            if (!f.input) return false;
            break;
        }
        default: break;
    }
    bool all = true;
    for_each_child(e, [&](const Expr& c) { all = all && c.constant; });
    return all;
}

namespace {

void walk_args(const ArgList& a, const std::function<void(const Expr&, bool)>& fn, bool soft) {
    for (const auto& x : a.args) walk_expr(*x, fn, soft);
    for (const auto& [k, x] : a.kwargs) walk_expr(*x, fn, soft);
    if (a.dyn_args) walk_expr(*a.dyn_args, fn, soft);
    if (a.dyn_kwargs) walk_expr(*a.dyn_kwargs, fn, soft);
}

void walk_opt(const ExprPtr& e, const std::function<void(const Expr&, bool)>& fn, bool soft) {
    if (e) walk_expr(*e, fn, soft);
}

}  // namespace

void walk_expr(const Expr& e, const std::function<void(const Expr&, bool soft)>& fn, bool soft) {
    if (e.kind == ExprKind::Cond) soft = true;
    fn(e, soft);
    switch (e.kind) {
        case ExprKind::Getattr: walk_expr(*static_cast<const GetattrExpr&>(e).object, fn, soft); break;
        case ExprKind::Getitem: {
            const auto& g = static_cast<const GetitemExpr&>(e);
            walk_expr(*g.object, fn, soft);
            walk_expr(*g.index, fn, soft);
            break;
        }
        case ExprKind::Slice: {
            const auto& s = static_cast<const SliceExpr&>(e);
            walk_opt(s.start, fn, soft);
            walk_opt(s.stop, fn, soft);
            walk_opt(s.step, fn, soft);
            break;
        }
        case ExprKind::Call: {
            const auto& c = static_cast<const CallExpr&>(e);
            walk_expr(*c.callee, fn, soft);
            walk_args(c.args, fn, soft);
            break;
        }
        case ExprKind::Filter: {
            const auto& f = static_cast<const FilterExpr&>(e);
            walk_opt(f.input, fn, soft);
            walk_args(f.args, fn, soft);
            break;
        }
        case ExprKind::Test: {
            const auto& t = static_cast<const TestExpr&>(e);
            walk_expr(*t.input, fn, soft);
            walk_args(t.args, fn, soft);
            break;
        }
        case ExprKind::Neg:
        case ExprKind::Pos:
        case ExprKind::Not: walk_expr(*static_cast<const UnaryExpr&>(e).operand, fn, soft); break;
        case ExprKind::And:
        case ExprKind::Or:
        case ExprKind::Binary: {
            const auto& b = static_cast<const BinaryExpr&>(e);
            walk_expr(*b.left, fn, soft);
            walk_expr(*b.right, fn, soft);
            break;
        }
        case ExprKind::Compare: {
            const auto& c = static_cast<const CompareExpr&>(e);
            walk_expr(*c.first, fn, soft);
            for (const auto& [op, x] : c.rest) walk_expr(*x, fn, soft);
            break;
        }
        case ExprKind::Concat:
            for (const auto& x : static_cast<const ConcatExpr&>(e).parts) walk_expr(*x, fn, soft);
            break;
        case ExprKind::Cond: {
            const auto& c = static_cast<const CondExpr&>(e);
            walk_expr(*c.test, fn, soft);
            walk_expr(*c.then, fn, soft);
            walk_opt(c.otherwise, fn, soft);
            break;
        }
        case ExprKind::List:
        case ExprKind::Tuple:
            for (const auto& x : static_cast<const SequenceExpr&>(e).items) walk_expr(*x, fn, soft);
            break;
        case ExprKind::Dict:
            for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
                walk_expr(*k, fn, soft);
                walk_expr(*v, fn, soft);
            }
            break;
        default: break;
    }
}

void walk_exprs(const Body& body, const std::function<void(const Expr&, bool soft)>& fn, bool soft) {
    for (const StmtPtr& sp : body) {
        const Stmt& s = *sp;
        switch (s.kind) {
            case StmtKind::Output:
                for (const auto& p : static_cast<const OutputStmt&>(s).pieces) walk_opt(p.expr, fn, soft);
                break;
            case StmtKind::For: {
                const auto& f = static_cast<const ForStmt&>(s);
                walk_expr(*f.target, fn, soft);
                walk_expr(*f.iter, fn, soft);
                walk_opt(f.filter, fn, false);
                walk_exprs(f.body, fn, false);
                walk_exprs(f.else_body, fn, false);
                break;
            }
            case StmtKind::If: {
                const auto& i = static_cast<const IfStmt&>(s);
                for (const auto& [test, b] : i.branches) {
                    walk_expr(*test, fn, true);
                    walk_exprs(b, fn, true);
                }
                walk_exprs(i.else_body, fn, true);
                break;
            }
            case StmtKind::Set: {
                const auto& st = static_cast<const SetStmt&>(s);
                walk_expr(*st.target, fn, soft);
                walk_expr(*st.value, fn, soft);
                break;
            }
            case StmtKind::SetBlock: {
                const auto& sb = static_cast<const SetBlockStmt&>(s);
                walk_opt(sb.filter, fn, soft);
                walk_exprs(sb.body, fn, false);
                break;
            }
            case StmtKind::Macro: {
                const MacroDef& d = static_cast<const MacroStmt&>(s).def;
                for (const auto& x : d.defaults) walk_expr(*x, fn, soft);
                walk_exprs(d.body, fn, false);
                break;
            }
            case StmtKind::CallBlock: {
                const auto& c = static_cast<const CallBlockStmt&>(s);
                walk_expr(*c.call, fn, soft);
                for (const auto& x : c.caller.defaults) walk_expr(*x, fn, soft);
                walk_exprs(c.caller.body, fn, false);
                break;
            }
            case StmtKind::FilterBlock: {
                const auto& fb = static_cast<const FilterBlockStmt&>(s);
                walk_expr(*fb.filter, fn, soft);
                walk_exprs(fb.body, fn, false);
                break;
            }
            case StmtKind::With: {
                const auto& w = static_cast<const WithStmt&>(s);
                for (const auto& [t, v] : w.assignments) walk_expr(*v, fn, soft);
                walk_exprs(w.body, fn, false);
                break;
            }
            case StmtKind::Scope: walk_exprs(static_cast<const ScopeStmt&>(s).body, fn, soft); break;
            default: break;
        }
    }
}

}  // namespace edgeseek::jinja
