// Python's arithmetic operators on template values (+ - * / // % **, unary -/+), with
// 64-bit integers: an overflow is an error rather than a silent wrap.
#pragma once
#include "chat/jinja/ast.h"
#include "chat/jinja/value.h"

namespace edgeseek::jinja {

Value binary_op(Evaluator& ev, BinOp op, const Value& a, const Value& b);
Value unary_op(ExprKind op, const Value& v);  // ExprKind::Neg or ExprKind::Pos

}  // namespace edgeseek::jinja
