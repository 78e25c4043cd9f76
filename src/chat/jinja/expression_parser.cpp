// Expression half of the parser: jinja2's precedence climbing from parse_condexpr down to
// parse_primary, postfix subscripts/calls, filters and tests.
#include <algorithm>

#include "chat/jinja/parser_internal.h"

namespace edgeseek::jinja {

bool Parser::is_tuple_end(const EndTokens& extra_end) const {
    if (cur().type == TokenType::VariableEnd || cur().type == TokenType::BlockEnd || is_op(")") ||
        cur().type == TokenType::Eof)
        return true;
    for (const char* e : extra_end)
        if (is_name(e)) return true;
    return false;
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condexpr, const EndTokens& extra_end,
                           bool explicit_parens, bool with_namespace) {
    const uint32_t pos = cur().pos;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
        if (!items.empty()) expect_op(",");
        if (is_tuple_end(extra_end)) break;
        items.push_back(simplified ? parse_primary(with_namespace) : parse_expression(with_condexpr));
        if (is_op(","))
            is_tuple = true;
        else
            break;
    }
    if (!is_tuple) {
        if (!items.empty()) return std::move(items.front());
        if (!explicit_parens) fail(cur().pos, "expected an expression, got " + describe(cur()));
    }
    auto t = std::make_unique<SequenceExpr>(ExprKind::Tuple, pos);
    t->items = std::move(items);
    return seal(std::move(t));
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
    return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
    NestGuard guard(*this, cur().pos);
    uint32_t pos = cur().pos;
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
        ExprPtr test = parse_or();
        ExprPtr otherwise = skip_name("else") ? parse_condexpr() : nullptr;
        expr1 = seal(std::make_unique<CondExpr>(pos, std::move(test), std::move(expr1), std::move(otherwise)));
        pos = cur().pos;
    }
    return expr1;
}

ExprPtr Parser::parse_or() {
    const uint32_t pos = cur().pos;
    ExprPtr left = parse_and();
    while (skip_name("or"))
        left = seal(std::make_unique<BinaryExpr>(ExprKind::Or, pos, BinOp::Add, std::move(left), parse_and()));
    return left;
}

ExprPtr Parser::parse_and() {
    const uint32_t pos = cur().pos;
    ExprPtr left = parse_not();
    while (skip_name("and"))
        left = seal(std::make_unique<BinaryExpr>(ExprKind::And, pos, BinOp::Add, std::move(left), parse_not()));
    return left;
}

ExprPtr Parser::parse_not() {
    if (is_name("not")) {
        NestGuard guard(*this, cur().pos);
        const uint32_t pos = next().pos;
        return seal(std::make_unique<UnaryExpr>(ExprKind::Not, pos, parse_not()));
    }
    return parse_compare();
}

ExprPtr Parser::parse_compare() {
    const uint32_t pos = cur().pos;
    ExprPtr first = parse_math1();
    std::unique_ptr<CompareExpr> cmp;
    while (true) {
        CompareOp op;
        if (is_op("==")) op = CompareOp::Eq;
        else if (is_op("!=")) op = CompareOp::Ne;
        else if (is_op("<")) op = CompareOp::Lt;
        else if (is_op("<=")) op = CompareOp::Le;
        else if (is_op(">")) op = CompareOp::Gt;
        else if (is_op(">=")) op = CompareOp::Ge;
        else if (is_name("in")) op = CompareOp::In;
        else if (is_name("not") && look().type == TokenType::Name && look().text == "in") {
            next();
            op = CompareOp::NotIn;
        } else {
            break;
        }
        next();
        if (!cmp) cmp = std::make_unique<CompareExpr>(pos, std::move(first));
        cmp->rest.emplace_back(op, parse_math1());
    }
    if (!cmp) return first;
    return seal(std::move(cmp));
}

ExprPtr Parser::binary(uint32_t pos, BinOp op, ExprPtr l, ExprPtr r) {
    return seal(std::make_unique<BinaryExpr>(ExprKind::Binary, pos, op, std::move(l), std::move(r)));
}

ExprPtr Parser::parse_math1() {
    const uint32_t pos = cur().pos;
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
        const BinOp op = next().text == "+" ? BinOp::Add : BinOp::Sub;
        left = binary(pos, op, std::move(left), parse_concat());
    }
    return left;
}

ExprPtr Parser::parse_concat() {
    const uint32_t pos = cur().pos;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto c = std::make_unique<ConcatExpr>(pos);
    c->parts.push_back(std::move(first));
    while (skip_op("~")) c->parts.push_back(parse_math2());
    return seal(std::move(c));
}

ExprPtr Parser::parse_math2() {
    const uint32_t pos = cur().pos;
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
        const std::string& t = next().text;
        const BinOp op = t == "*" ? BinOp::Mul : t == "/" ? BinOp::Div : t == "//" ? BinOp::FloorDiv : BinOp::Mod;
        left = binary(pos, op, std::move(left), parse_pow());
    }
    return left;
}

ExprPtr Parser::parse_pow() {
    const uint32_t pos = cur().pos;
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) left = binary(pos, BinOp::Pow, std::move(left), parse_unary(true));
    return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
    NestGuard guard(*this, cur().pos);
    const uint32_t pos = cur().pos;
    ExprPtr node;
    if (skip_op("-"))
        node = seal(std::make_unique<UnaryExpr>(ExprKind::Neg, pos, parse_unary(false)));
    else if (skip_op("+"))
        node = seal(std::make_unique<UnaryExpr>(ExprKind::Pos, pos, parse_unary(false)));
    else
        node = parse_primary(false);
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
}

ExprPtr Parser::parse_primary(bool with_namespace) {
    const Token& tok = cur();
    const uint32_t pos = tok.pos;
    switch (tok.type) {
        case TokenType::Name: {
            const std::string& n = next().text;
            if (n == "true" || n == "True") return std::make_unique<ConstExpr>(pos, Value::boolean(true));
            if (n == "false" || n == "False") return std::make_unique<ConstExpr>(pos, Value::boolean(false));
            if (n == "none" || n == "None") return std::make_unique<ConstExpr>(pos, Value::none());
            if (with_namespace && skip_op(".")) return std::make_unique<NsRefExpr>(pos, n, expect_name());
            return std::make_unique<NameExpr>(pos, n);
        }
        case TokenType::String: {
            std::string s = next().text;
            while (cur().type == TokenType::String) s += next().text;
            return std::make_unique<ConstExpr>(pos, Value::string(std::move(s)));
        }
        case TokenType::Integer: return std::make_unique<ConstExpr>(pos, Value::integer(next().int_value));
        case TokenType::Float: return std::make_unique<ConstExpr>(pos, Value::number(next().float_value));
        default: break;
    }
    if (skip_op("(")) {
        ExprPtr e = parse_tuple(false, true, {}, true);
        expect_op(")");
        return e;
    }
    if (is_op("[")) return parse_list();
    if (is_op("{")) return parse_dict();
    fail(pos, "unexpected " + describe(tok));
}

ExprPtr Parser::parse_list() {
    auto l = std::make_unique<SequenceExpr>(ExprKind::List, next().pos);
    while (!is_op("]")) {
        if (!l->items.empty()) expect_op(",");
        if (is_op("]")) break;
        l->items.push_back(parse_expression(true));
    }
    expect_op("]");
    return seal(std::move(l));
}

ExprPtr Parser::parse_dict() {
    auto d = std::make_unique<DictExpr>(next().pos);
    while (!is_op("}")) {
        if (!d->items.empty()) expect_op(",");
        if (is_op("}")) break;
        ExprPtr key = parse_expression(true);
        expect_op(":");
        d->items.emplace_back(std::move(key), parse_expression(true));
    }
    expect_op("}");
    return seal(std::move(d));
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
    while (true) {
        if (is_op(".") || is_op("["))
            node = parse_subscript(std::move(node));
        else if (is_op("("))
            node = parse_call(std::move(node));
        else
            return node;
    }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
    while (true) {
        if (is_op("|"))
            node = parse_filter(std::move(node), false);
        else if (is_name("is"))
            node = parse_test(std::move(node));
        else if (is_op("("))
            node = parse_call(std::move(node));
        else
            return node;
    }
}

ExprPtr Parser::parse_subscript(ExprPtr node) {
    const Token& tok = next();
    const uint32_t pos = node->pos;  // errors point at the start of the whole expression
    if (tok.text == ".") {
        const Token& attr = next();
        if (attr.type == TokenType::Name)
            return seal(std::make_unique<GetattrExpr>(pos, std::move(node), attr.text));
        if (attr.type != TokenType::Integer) fail(attr.pos, "expected name or number after '.'");
        return seal(std::make_unique<GetitemExpr>(
            pos, std::move(node), std::make_unique<ConstExpr>(attr.pos, Value::integer(attr.int_value))));
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
        if (!args.empty()) expect_op(",");
        args.push_back(parse_subscribed());
    }
    expect_op("]");
    ExprPtr index;
    if (args.size() == 1) {
        index = std::move(args.front());
    } else {
        auto t = std::make_unique<SequenceExpr>(ExprKind::Tuple, pos);
        t->items = std::move(args);
        index = seal(std::move(t));
    }
    return seal(std::make_unique<GetitemExpr>(pos, std::move(node), std::move(index)));
}

ExprPtr Parser::parse_subscribed() {
    const uint32_t pos = cur().pos;
    ExprPtr start;
    if (!skip_op(":")) {
        ExprPtr e = parse_expression(true);
        if (!skip_op(":")) return e;
        start = std::move(e);
    }
    auto s = std::make_unique<SliceExpr>(pos);
    s->start = std::move(start);
    if (!is_op(":") && !is_op("]") && !is_op(",")) s->stop = parse_expression(true);
    if (skip_op(":") && !is_op("]") && !is_op(",")) s->step = parse_expression(true);
    return seal(std::move(s));
}

ArgList Parser::parse_call_args() {
    const uint32_t pos = cur().pos;
    expect_op("(");
    ArgList a;
    auto ensure = [&](bool ok) {
        if (!ok) fail(pos, "invalid syntax for function call expression");
    };
    bool require_comma = false;
    while (!is_op(")")) {
        if (require_comma) {
            expect_op(",");
            if (is_op(")")) break;
        }
        if (skip_op("*")) {
            ensure(!a.dyn_args && !a.dyn_kwargs);
            a.dyn_args = parse_expression(true);
        } else if (skip_op("**")) {
            ensure(!a.dyn_kwargs);
            a.dyn_kwargs = parse_expression(true);
        } else if (cur().type == TokenType::Name && look().type == TokenType::Operator && look().text == "=") {
            ensure(!a.dyn_kwargs);
            std::string key = next().text;
            next();
            a.kwargs.emplace_back(std::move(key), parse_expression(true));
        } else {
            ensure(!a.dyn_args && !a.dyn_kwargs && a.kwargs.empty());
            a.args.push_back(parse_expression(true));
        }
        require_comma = true;
    }
    expect_op(")");
    return a;
}

ExprPtr Parser::parse_call(ExprPtr node) {
    const uint32_t pos = node->pos;
    auto c = std::make_unique<CallExpr>(pos, std::move(node));
    c->args = parse_call_args();
    return seal(std::move(c));
}

std::string Parser::dotted_name() {
    std::string name = expect_name();
    while (skip_op(".")) name += std::string(".") + expect_name();
    return name;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
        if (!start_inline) next();
        start_inline = false;
        const uint32_t pos = cur().pos;
        auto f = std::make_unique<FilterExpr>(pos, std::move(node), dotted_name());
        if (is_op("(")) f->args = parse_call_args();
        node = seal(std::move(f));
    }
    return node;
}

ExprPtr Parser::parse_test(ExprPtr node) {
    const uint32_t pos = next().pos;
    const bool negated = skip_name("not");
    auto t = std::make_unique<TestExpr>(pos, std::move(node), dotted_name());
    const TokenType ty = cur().type;
    if (is_op("(")) {
        t->args = parse_call_args();
    } else if ((ty == TokenType::Name || ty == TokenType::String || ty == TokenType::Integer ||
                ty == TokenType::Float || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
        if (is_name("is")) fail(cur().pos, "you cannot chain multiple tests with 'is'");
        t->args.args.push_back(parse_postfix(parse_primary(false)));
    }
    ExprPtr result = seal(std::move(t));
    if (negated) result = seal(std::make_unique<UnaryExpr>(ExprKind::Not, pos, std::move(result)));
    return result;
}

}  // namespace edgeseek::jinja
