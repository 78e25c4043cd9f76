// Splits a template into tokens exactly as jinja2's lexer does with trim_blocks=True and
// lstrip_blocks=True: {{ }}, {% %}, {# #}, {% raw %}, whitespace control with - and +.
// https://github.com/pallets/jinja/blob/main/src/jinja2/lexer.py
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgeseek::jinja {

// Maps byte offsets of the (newline-normalised) source to "line L, column C".
class SourceMap {
public:
    explicit SourceMap(std::string_view source);
    std::string describe(uint32_t offset) const;  // "chat template line 3, column 7"
    uint32_t line(uint32_t offset) const;

private:
    std::string_view source_;
    std::vector<uint32_t> line_starts_;
};

// jinja2 normalises \r\n and \r to \n and drops one trailing newline (keep_trailing_newline
// is off in transformers).
std::string normalize_template_source(std::string_view source);

enum class TokenType : uint8_t {
    Data, VariableBegin, VariableEnd, BlockBegin, BlockEnd,
    Name, String, Integer, Float, Operator, Eof,
};

struct Token {
    TokenType type = TokenType::Eof;
    std::string text;        // data, name, operator spelling, or the decoded string literal
    int64_t int_value = 0;
    double float_value = 0;
    uint32_t pos = 0;        // byte offset in the normalised source
};

// Throws edgeseek::Error (with line and column) on lexical errors.
std::vector<Token> tokenize(const std::string& source, const SourceMap& map);

const char* token_type_name(TokenType t);

}  // namespace edgeseek::jinja
