// Statement half of the parser (jinja2/parser.py: subparse, parse_for, parse_if, ...), the
// load-time check for unknown filters and tests, and Program.
#include <algorithm>

#include "chat/jinja/ast_walk.h"
#include "chat/jinja/builtins.h"
#include "chat/jinja/parser_internal.h"
#include "core/error.h"

namespace edgeseek::jinja {

Body Parser::parse() {
    Body body = subparse({});
    if (cur().type != TokenType::Eof) fail(cur().pos, "unexpected " + describe(cur()));
    return body;
}

Body Parser::subparse(const EndTokens& end_tokens) {
    Body body;
    std::unique_ptr<OutputStmt> out;
    auto flush = [&] {
        if (out) body.push_back(std::move(out));
    };
    auto output = [&]() -> OutputStmt& {
        if (!out) out = std::make_unique<OutputStmt>(cur().pos);
        return *out;
    };
    while (cur().type != TokenType::Eof) {
        if (cur().type == TokenType::Data) {
            output().pieces.push_back({next().text, nullptr});
        } else if (cur().type == TokenType::VariableBegin) {
            OutputStmt& o = output();
            next();
            o.pieces.push_back({{}, parse_tuple(false, true, {}, false)});
            expect(TokenType::VariableEnd);
        } else if (cur().type == TokenType::BlockBegin) {
            flush();
            next();
            for (const char* end : end_tokens)
                if (is_name(end)) return body;
            body.push_back(parse_statement(end_tokens));
            expect(TokenType::BlockEnd);
        } else {
            fail(cur().pos, "unexpected " + describe(cur()));
        }
    }
    flush();
    return body;
}

Body Parser::parse_statements(const EndTokens& end_tokens, bool drop_needle, uint32_t opener) {
    skip_op(":");
    expect(TokenType::BlockEnd);
    Body body = subparse(end_tokens);
    if (cur().type == TokenType::Eof) {
        std::string want;
        for (const char* e : end_tokens) want += std::string(want.empty() ? "'" : " or '") + e + "'";
        fail(opener, "unexpected end of template, expected " + want, "the block opened here is never closed");
    }
    if (drop_needle) next();
    return body;
}

StmtPtr Parser::parse_statement(const EndTokens& end_tokens) {
    if (cur().type != TokenType::Name) fail(cur().pos, "tag name expected, got " + describe(cur()));
    NestGuard guard(*this, cur().pos);
    const std::string tag = cur().text;
    if (tag == "for") return parse_for();
    if (tag == "if") return parse_if();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "print") return parse_print();
    if (tag == "generation") {
        auto s = std::make_unique<ScopeStmt>(next().pos);
        s->body = parse_statements({"endgeneration"}, true, s->pos);
        return s;
    }
    if (tag == "break" || tag == "continue") {
        if (loop_depth_ == 0) fail(cur().pos, std::string("'") + tag + "' outside of a for loop");
        return std::make_unique<SimpleStmt>(tag == "break" ? StmtKind::Break : StmtKind::Continue,
                                            next().pos);
    }
    static const char* const kUnsupported[] = {"block", "extends", "include", "import", "from",
                                               "autoescape", "do", "trans", "debug"};
    for (const char* u : kUnsupported)
        if (tag == u)
            fail(cur().pos, "unsupported tag '" + tag + "'",
                 "chat templates are rendered standalone; edgeseek does not support this tag");
    std::string hint;
    if (!end_tokens.empty()) {
        hint = "the innermost open block expects";
        for (const char* e : end_tokens) hint += std::string(" '") + e + "'";
    }
    fail(cur().pos, "unknown tag '" + tag + "'", hint);
}

StmtPtr Parser::parse_for() {
    auto s = std::make_unique<ForStmt>(next().pos);
    s->target = parse_assign_target(true, false, {"in"}, false);
    if (!skip_name("in")) fail(cur().pos, "expected 'in', got " + describe(cur()));
    s->iter = parse_tuple(false, false, {"recursive"}, false);
    if (skip_name("if")) s->filter = parse_expression(true);
    s->recursive = skip_name("recursive");
    ++loop_depth_;
    s->body = parse_statements({"endfor", "else"}, false, s->pos);
    --loop_depth_;
    if (next().text == "else") s->else_body = parse_statements({"endfor"}, true, s->pos);
    return s;
}

StmtPtr Parser::parse_if() {
    auto s = std::make_unique<IfStmt>(next().pos);
    while (true) {
        ExprPtr test = parse_tuple(false, false, {}, false);
        Body body = parse_statements({"elif", "else", "endif"}, false, s->pos);
        s->branches.emplace_back(std::move(test), std::move(body));
        const Token& tok = next();
        if (tok.text == "elif") continue;
        if (tok.text == "else") s->else_body = parse_statements({"endif"}, true, s->pos);
        break;
    }
    return s;
}

StmtPtr Parser::parse_set() {
    const uint32_t pos = next().pos;
    ExprPtr target = parse_assign_target(true, false, {}, true);
    if (skip_op("=")) {
        auto s = std::make_unique<SetStmt>(pos);
        s->target = std::move(target);
        s->value = parse_tuple(false, true, {}, false);
        return s;
    }
    auto s = std::make_unique<SetBlockStmt>(pos);
    s->target = std::move(target);
    if (is_op("|")) s->filter = parse_filter(nullptr, false);
    s->body = parse_statements({"endset"}, true, pos);
    return s;
}

void Parser::parse_signature(MacroDef& def) {
    expect_op("(");
    while (!is_op(")")) {
        if (!def.params.empty()) expect_op(",");
        const uint32_t pos = cur().pos;
        def.params.push_back(expect_name());
        if (skip_op("="))
            def.defaults.push_back(parse_expression(true));
        else if (!def.defaults.empty())
            fail(pos, "non-default argument follows default argument");
    }
    expect_op(")");
}

Body Parser::parse_function_body(const char* end, uint32_t opener) {
    const int saved = loop_depth_;
    loop_depth_ = 0;
    Body body = parse_statements({end}, true, opener);
    loop_depth_ = saved;
    return body;
}

void Parser::analyse_names(MacroDef& def) {
    walk_exprs(def.body, [&](const Expr& e, bool) {
        if (e.kind != ExprKind::Name) return;
        const std::string& n = static_cast<const NameExpr&>(e).name;
        def.uses_caller |= n == "caller";
        def.uses_varargs |= n == "varargs";
        def.uses_kwargs |= n == "kwargs";
    });
}

StmtPtr Parser::parse_macro() {
    auto s = std::make_unique<MacroStmt>(next().pos);
    s->def.pos = s->pos;
    s->def.name = expect_name();
    parse_signature(s->def);
    s->def.body = parse_function_body("endmacro", s->pos);
    analyse_names(s->def);
    return s;
}

StmtPtr Parser::parse_call_block() {
    auto s = std::make_unique<CallBlockStmt>(next().pos);
    s->caller.name = "caller";
    s->caller.pos = s->pos;
    if (is_op("(")) parse_signature(s->caller);
    s->call = parse_expression(true);
    if (s->call->kind != ExprKind::Call) fail(s->call->pos, "expected a macro call after 'call'");
    s->caller.body = parse_function_body("endcall", s->pos);
    analyse_names(s->caller);
    return s;
}

StmtPtr Parser::parse_filter_block() {
    auto s = std::make_unique<FilterBlockStmt>(next().pos);
    s->filter = parse_filter(nullptr, true);
    s->body = parse_statements({"endfilter"}, true, s->pos);
    return s;
}

StmtPtr Parser::parse_with() {
    auto s = std::make_unique<WithStmt>(next().pos);
    while (cur().type != TokenType::BlockEnd) {
        if (!s->assignments.empty()) expect_op(",");
        ExprPtr target = parse_assign_target(true, false, {}, false);
        expect_op("=");
        s->assignments.emplace_back(std::move(target), parse_expression(true));
    }
    s->body = parse_statements({"endwith"}, true, s->pos);
    return s;
}

StmtPtr Parser::parse_print() {
    auto s = std::make_unique<OutputStmt>(next().pos);
    while (cur().type != TokenType::BlockEnd) {
        if (!s->pieces.empty()) expect_op(",");
        s->pieces.push_back({{}, parse_expression(true)});
    }
    return s;
}

bool Parser::can_assign(const Expr& e) {
    if (e.kind == ExprKind::Name || e.kind == ExprKind::NsRef) return true;
    if (e.kind != ExprKind::Tuple) return false;
    for (const auto& item : static_cast<const SequenceExpr&>(e).items)
        if (!can_assign(*item)) return false;
    return true;
}

ExprPtr Parser::parse_assign_target(bool with_tuple, bool name_only, const EndTokens& extra_end,
                                   bool with_namespace) {
    ExprPtr target;
    if (name_only) {
        const uint32_t pos = cur().pos;
        target = std::make_unique<NameExpr>(pos, expect_name());
    } else if (with_tuple) {
        target = parse_tuple(true, true, extra_end, false, with_namespace);
    } else {
        target = parse_primary(with_namespace);
    }
    if (!can_assign(*target)) fail(target->pos, "cannot assign to this expression");
    return target;
}

namespace {

// jinja2 reports an unknown filter or test when compiling, unless it sits in an {% if %} or
// an inline if, where it only fails if it runs.
void check_names(const Body& body, const SourceMap& map) {
    walk_exprs(body, [&](const Expr& e, bool soft) {
        if (soft) return;
        if (e.kind == ExprKind::Filter) {
            const auto& f = static_cast<const FilterExpr&>(e);
            if (!jinja2_has_filter(f.name))
                throw Error("no filter named '" + f.name + "'", map.describe(f.pos),
                            "the chat template uses a filter jinja2 does not have");
        } else if (e.kind == ExprKind::Test) {
            const auto& t = static_cast<const TestExpr&>(e);
            if (!jinja2_has_test(t.name))
                throw Error("no test named '" + t.name + "'", map.describe(t.pos),
                            "the chat template uses a test jinja2 does not have");
        }
    });
}

}  // namespace

Program::Program(std::string_view template_source)
    : source(normalize_template_source(template_source)), map(source) {
    const std::vector<Token> tokens = tokenize(source, map);
    body = Parser(tokens, map).parse();
    check_names(body, map);
}

}  // namespace edgeseek::jinja
