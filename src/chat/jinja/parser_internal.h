// Internal: the recursive-descent parser shared by parser.cpp (statements) and
// expression_parser.cpp (expressions). Mirrors jinja2/parser.py method for method.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/ast_walk.h"
#include "chat/jinja/lexer.h"
#include "chat/jinja/parser.h"
#include "core/error.h"

namespace edgeseek::jinja {

class Parser {
public:
    Parser(const std::vector<Token>& tokens, const SourceMap& map) : t_(tokens), map_(map) {}
    Body parse();

private:
    using EndTokens = std::vector<const char*>;

    // ---- token stream ----
    const Token& cur() const { return t_[i_]; }
    const Token& look() const { return t_[std::min(i_ + 1, t_.size() - 1)]; }
    const Token& next() {
        const Token& t = t_[i_];
        if (i_ + 1 < t_.size()) ++i_;
        return t;
    }
    bool is_op(const char* op) const { return cur().type == TokenType::Operator && cur().text == op; }
    bool is_name(const char* n) const { return cur().type == TokenType::Name && cur().text == n; }
    bool skip_op(const char* op) {
        if (!is_op(op)) return false;
        next();
        return true;
    }
    bool skip_name(const char* n) {
        if (!is_name(n)) return false;
        next();
        return true;
    }
    void expect_op(const char* op) {
        if (!skip_op(op)) fail(cur().pos, std::string("expected '") + op + "', got " + describe(cur()));
    }
    void expect(TokenType type) {
        if (cur().type != type)
            fail(cur().pos, std::string("expected ") + token_type_name(type) + ", got " + describe(cur()));
        next();
    }
    const std::string& expect_name() {
        if (cur().type != TokenType::Name) fail(cur().pos, "expected a name, got " + describe(cur()));
        return next().text;
    }
    static std::string describe(const Token& t) {
        switch (t.type) {
            case TokenType::Name:
            case TokenType::Operator: return "'" + t.text + "'";
            case TokenType::Integer:
            case TokenType::Float: return "number " + t.text;
            default: return token_type_name(t.type);
        }
    }
    [[noreturn]] void fail(uint32_t pos, const std::string& what, const std::string& hint = {}) const {
        throw Error(what, map_.describe(pos), hint.empty() ? "fix the chat template's syntax" : hint);
    }

    // Every recursive descent (blocks, parentheses, unary operators) takes one level.
    struct NestGuard {
        NestGuard(Parser& p, uint32_t pos) : p_(p) {
            if (++p_.nesting_ > kMaxNesting)
                p_.fail(pos, "template nested more than " + std::to_string(kMaxNesting) + " levels deep");
        }
        ~NestGuard() { --p_.nesting_; }
        Parser& p_;
    };

    // Finishes a node: its height (bounded, so evaluation and destruction recurse boundedly)
    // and whether jinja2 would fold it as a constant.
    template <class T>
    ExprPtr seal(std::unique_ptr<T> node) {
        uint32_t h = 0;
        for_each_child(*node, [&](const Expr& c) { h = std::max(h, c.depth); });
        node->depth = h + 1;
        node->constant = folds_to_constant(*node);
        if (node->depth > kMaxExprDepth)
            fail(node->pos, "expression nested more than " + std::to_string(kMaxExprDepth) + " levels deep");
        return node;
    }

    // ---- statements (parser.cpp) ----
    Body subparse(const EndTokens& end_tokens);
    // `opener` is the tag that opened the block, for the error when it is never closed.
    Body parse_statements(const EndTokens& end_tokens, bool drop_needle, uint32_t opener);
    StmtPtr parse_statement(const EndTokens& end_tokens);
    StmtPtr parse_for();
    StmtPtr parse_if();
    StmtPtr parse_set();
    void parse_signature(MacroDef& def);
    // Macro bodies are functions in jinja2: break/continue of an outer loop cannot reach in.
    Body parse_function_body(const char* end, uint32_t opener);
    static void analyse_names(MacroDef& def);
    StmtPtr parse_macro();
    StmtPtr parse_call_block();
    StmtPtr parse_filter_block();
    StmtPtr parse_with();
    StmtPtr parse_print();
    static bool can_assign(const Expr& e);
    ExprPtr parse_assign_target(bool with_tuple, bool name_only, const EndTokens& extra_end, bool with_namespace);

    // ---- expressions (expression_parser.cpp) ----
    bool is_tuple_end(const EndTokens& extra_end) const;
    ExprPtr parse_tuple(bool simplified, bool with_condexpr, const EndTokens& extra_end, bool explicit_parens,
                        bool with_namespace = false);
    ExprPtr parse_expression(bool with_condexpr);
    ExprPtr parse_condexpr();
    ExprPtr parse_or();
    ExprPtr parse_and();
    ExprPtr parse_not();
    ExprPtr parse_compare();
    ExprPtr binary(uint32_t pos, BinOp op, ExprPtr l, ExprPtr r);
    ExprPtr parse_math1();
    ExprPtr parse_concat();
    ExprPtr parse_math2();
    ExprPtr parse_pow();
    ExprPtr parse_unary(bool with_filter);
    ExprPtr parse_primary(bool with_namespace);
    ExprPtr parse_list();
    ExprPtr parse_dict();
    ExprPtr parse_postfix(ExprPtr node);
    ExprPtr parse_filter_expr(ExprPtr node);
    ExprPtr parse_subscript(ExprPtr node);
    ExprPtr parse_subscribed();
    ArgList parse_call_args();
    ExprPtr parse_call(ExprPtr node);
    std::string dotted_name();
    ExprPtr parse_filter(ExprPtr node, bool start_inline);
    ExprPtr parse_test(ExprPtr node);

    const std::vector<Token>& t_;
    const SourceMap& map_;
    size_t i_ = 0;
    int nesting_ = 0;
    int loop_depth_ = 0;
};

}  // namespace edgeseek::jinja
