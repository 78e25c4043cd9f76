// Walking the AST: direct children of a node, jinja2's constant-folding rule, and a
// pre-order walk over every expression of a statement list.
#pragma once
#include <functional>

#include "chat/jinja/ast.h"

namespace edgeseek::jinja {

// Calls f on every direct child expression of e (null children skipped).
void for_each_child(const Expr& e, const std::function<void(const Expr&)>& f);

// jinja2's Expr.as_const: literals and operators over them fold; names, calls, filters that
// need the context (map, select, ...) and a filter block's input do not. Uses the children's
// `constant` flags.
bool folds_to_constant(const Expr& e);

// Calls fn on every expression below the statements (pre-order). `soft` is true inside
// {% if %} tests/bodies and inline if-expressions, where jinja2 defers unknown-filter
// errors to run time.
void walk_exprs(const Body& body, const std::function<void(const Expr&, bool soft)>& fn, bool soft = false);
void walk_expr(const Expr& e, const std::function<void(const Expr&, bool soft)>& fn, bool soft);

}  // namespace edgeseek::jinja
