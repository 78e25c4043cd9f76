// The parsed template: expression and statement nodes, mirroring jinja2.nodes for the subset
// chat templates use. Every node keeps the byte offset it came from for error messages.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/value.h"

namespace edgeseek::jinja {

enum class ExprKind : uint8_t {
    Const, Name, NsRef, Getattr, Getitem, Slice, Call, Filter, Test,
    Neg, Pos, Not, And, Or, Binary, Compare, Concat, Cond, List, Tuple, Dict,
};

struct Expr {
    Expr(ExprKind k, uint32_t p) : kind(k), pos(p) {}
    virtual ~Expr() = default;
    ExprKind kind;
    uint32_t pos;
    uint32_t depth = 1;     // height of this subtree (bounded by the parser)
    bool constant = false;  // no variables or calls: jinja2 folds it at compile time
};
using ExprPtr = std::unique_ptr<Expr>;

struct ConstExpr : Expr {
    ConstExpr(uint32_t p, Value v) : Expr(ExprKind::Const, p), value(std::move(v)) { constant = true; }
    Value value;
};

struct NameExpr : Expr {
    NameExpr(uint32_t p, std::string n) : Expr(ExprKind::Name, p), name(std::move(n)) {}
    std::string name;
};

// `ns.attr` as an assignment target of {% set %}.
struct NsRefExpr : Expr {
    NsRefExpr(uint32_t p, std::string n, std::string a)
        : Expr(ExprKind::NsRef, p), name(std::move(n)), attr(std::move(a)) {}
    std::string name, attr;
};

struct GetattrExpr : Expr {
    GetattrExpr(uint32_t p, ExprPtr o, std::string a)
        : Expr(ExprKind::Getattr, p), object(std::move(o)), attr(std::move(a)) {}
    ExprPtr object;
    std::string attr;
};

struct GetitemExpr : Expr {
    GetitemExpr(uint32_t p, ExprPtr o, ExprPtr i)
        : Expr(ExprKind::Getitem, p), object(std::move(o)), index(std::move(i)) {}
    ExprPtr object, index;  // index may be a SliceExpr
};

struct SliceExpr : Expr {
    explicit SliceExpr(uint32_t p) : Expr(ExprKind::Slice, p) {}
    ExprPtr start, stop, step;  // each may be null
};

struct ArgList {
    std::vector<ExprPtr> args;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    ExprPtr dyn_args, dyn_kwargs;  // *args, **kwargs
};

struct CallExpr : Expr {
    CallExpr(uint32_t p, ExprPtr c) : Expr(ExprKind::Call, p), callee(std::move(c)) {}
    ExprPtr callee;
    ArgList args;
};

// `input | name(args)`; input is null for the filter of {% filter %} / {% set x | f %}.
struct FilterExpr : Expr {
    FilterExpr(uint32_t p, ExprPtr in, std::string n)
        : Expr(ExprKind::Filter, p), input(std::move(in)), name(std::move(n)) {}
    ExprPtr input;
    std::string name;
    ArgList args;
};

struct TestExpr : Expr {
    TestExpr(uint32_t p, ExprPtr in, std::string n)
        : Expr(ExprKind::Test, p), input(std::move(in)), name(std::move(n)) {}
    ExprPtr input;
    std::string name;
    ArgList args;
};

struct UnaryExpr : Expr {  // Neg, Pos, Not
    UnaryExpr(ExprKind k, uint32_t p, ExprPtr o) : Expr(k, p), operand(std::move(o)) {}
    ExprPtr operand;
};

enum class BinOp : uint8_t { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };

struct BinaryExpr : Expr {  // Binary (with op), And, Or
    BinaryExpr(ExprKind k, uint32_t p, BinOp o, ExprPtr l, ExprPtr r)
        : Expr(k, p), op(o), left(std::move(l)), right(std::move(r)) {}
    BinOp op;
    ExprPtr left, right;
};

enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct CompareExpr : Expr {
    CompareExpr(uint32_t p, ExprPtr f) : Expr(ExprKind::Compare, p), first(std::move(f)) {}
    ExprPtr first;
    std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

struct ConcatExpr : Expr {
    explicit ConcatExpr(uint32_t p) : Expr(ExprKind::Concat, p) {}
    std::vector<ExprPtr> parts;
};

struct CondExpr : Expr {
    CondExpr(uint32_t p, ExprPtr t, ExprPtr y, ExprPtr n)
        : Expr(ExprKind::Cond, p), test(std::move(t)), then(std::move(y)), otherwise(std::move(n)) {}
    ExprPtr test, then, otherwise;  // otherwise may be null
};

struct SequenceExpr : Expr {  // List, Tuple
    SequenceExpr(ExprKind k, uint32_t p) : Expr(k, p) {}
    std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
    explicit DictExpr(uint32_t p) : Expr(ExprKind::Dict, p) {}
    std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

// ---- statements ------------------------------------------------------------------------------

enum class StmtKind : uint8_t {
    Output, For, If, Set, SetBlock, Macro, CallBlock, FilterBlock, With, Break, Continue, Scope,
};

struct Stmt {
    Stmt(StmtKind k, uint32_t p) : kind(k), pos(p) {}
    virtual ~Stmt() = default;
    StmtKind kind;
    uint32_t pos;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct OutputStmt : Stmt {
    explicit OutputStmt(uint32_t p) : Stmt(StmtKind::Output, p) {}
    struct Piece {
        std::string text;  // template data, when expr is null
        ExprPtr expr;
    };
    std::vector<Piece> pieces;
};

struct ForStmt : Stmt {
    explicit ForStmt(uint32_t p) : Stmt(StmtKind::For, p) {}
    ExprPtr target, iter, filter;  // filter: `for x in y if cond`
    bool recursive = false;
    Body body, else_body;
};

struct IfStmt : Stmt {
    explicit IfStmt(uint32_t p) : Stmt(StmtKind::If, p) {}
    std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif...
    Body else_body;
};

struct SetStmt : Stmt {
    explicit SetStmt(uint32_t p) : Stmt(StmtKind::Set, p) {}
    ExprPtr target, value;
};

struct SetBlockStmt : Stmt {
    explicit SetBlockStmt(uint32_t p) : Stmt(StmtKind::SetBlock, p) {}
    ExprPtr target, filter;  // filter may be null
    Body body;
};

// A macro, or the anonymous `caller` of a {% call %} block.
struct MacroDef {
    std::string name;
    std::vector<std::string> params;
    std::vector<ExprPtr> defaults;  // for the last defaults.size() params
    Body body;
    bool uses_caller = false, uses_varargs = false, uses_kwargs = false;
    uint32_t pos = 0;
};

struct MacroStmt : Stmt {
    explicit MacroStmt(uint32_t p) : Stmt(StmtKind::Macro, p) {}
    MacroDef def;
};

struct CallBlockStmt : Stmt {
    explicit CallBlockStmt(uint32_t p) : Stmt(StmtKind::CallBlock, p) {}
    MacroDef caller;
    ExprPtr call;  // a CallExpr
};

struct FilterBlockStmt : Stmt {
    explicit FilterBlockStmt(uint32_t p) : Stmt(StmtKind::FilterBlock, p) {}
    ExprPtr filter;
    Body body;
};

struct WithStmt : Stmt {
    explicit WithStmt(uint32_t p) : Stmt(StmtKind::With, p) {}
    std::vector<std::pair<ExprPtr, ExprPtr>> assignments;
    Body body;
};

// {% generation %} (transformers' assistant-mask extension): renders its body.
struct ScopeStmt : Stmt {
    explicit ScopeStmt(uint32_t p) : Stmt(StmtKind::Scope, p) {}
    Body body;
};

struct SimpleStmt : Stmt {  // Break, Continue
    SimpleStmt(StmtKind k, uint32_t p) : Stmt(k, p) {}
};

}  // namespace edgeseek::jinja
