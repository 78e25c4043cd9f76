// Turns tokens into the AST with jinja2's grammar and operator precedence.
// https://github.com/pallets/jinja/blob/main/src/jinja2/parser.py
#pragma once
#include <string>

#include "chat/jinja/ast.h"
#include "chat/jinja/lexer.h"

namespace edgeseek::jinja {

// Parser limits: nesting of blocks/parentheses and the height of any expression tree. They
// keep recursion (here and in the evaluator) far from the stack's end on hostile input.
constexpr int kMaxNesting = 100;
constexpr uint32_t kMaxExprDepth = 200;

// A compiled template. Not movable: the SourceMap points into `source`.
struct Program {
    explicit Program(std::string_view template_source);  // throws edgeseek::Error
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    std::string source;  // newline-normalised
    SourceMap map;
    Body body;
};

}  // namespace edgeseek::jinja
