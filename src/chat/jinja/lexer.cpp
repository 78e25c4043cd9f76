#include "chat/jinja/lexer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "chat/jinja/unicode.h"
#include "core/error.h"

namespace edgeseek::jinja {

SourceMap::SourceMap(std::string_view source) : source_(source) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < source.size(); ++i)
        if (source[i] == '\n') line_starts_.push_back(static_cast<uint32_t>(i + 1));
}

uint32_t SourceMap::line(uint32_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    return static_cast<uint32_t>(it - line_starts_.begin());
}

std::string SourceMap::describe(uint32_t offset) const {
    const uint32_t line_no = line(offset);
    const uint32_t start = line_starts_[line_no - 1];
    const size_t end = std::min<size_t>(offset, source_.size());
    const size_t col = utf8_length(source_.substr(start, end - std::min<size_t>(start, end))) + 1;
    return "chat template line " + std::to_string(line_no) + ", column " + std::to_string(col);
}

std::string normalize_template_source(std::string_view source) {
    std::string out;
    out.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            out += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else {
            out += source[i];
        }
    }
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

const char* token_type_name(TokenType t) {
    switch (t) {
        case TokenType::Data: return "template data";
        case TokenType::VariableBegin: return "begin of print statement";
        case TokenType::VariableEnd: return "end of print statement";
        case TokenType::BlockBegin: return "begin of statement block";
        case TokenType::BlockEnd: return "end of statement block";
        case TokenType::Name: return "name";
        case TokenType::String: return "string";
        case TokenType::Integer: return "integer";
        case TokenType::Float: return "float";
        case TokenType::Operator: return "operator";
        case TokenType::Eof: return "end of template";
    }
    return "token";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

class Lexer {
public:
    Lexer(const std::string& s, const SourceMap& map) : s_(s), map_(map) {}

    std::vector<Token> run() {
        const size_t n = s_.size();
        while (pos_ < n) {
            const size_t tag = find_tag(pos_);
            if (tag == std::string::npos) {
                emit_data(std::string_view(s_).substr(pos_), pos_);
                break;
            }
            const char kind = s_[tag + 1];
            size_t after = tag + 2;
            char mod = 0;
            if (after < n && (s_[after] == '-' || s_[after] == '+')) mod = s_[after++];
            size_t raw_end = 0;
            const bool raw = kind == '%' && match_raw_begin(tag, raw_end);
            emit_data(strip_before_tag(std::string_view(s_).substr(pos_, tag - pos_), mod, kind != '{'),
                      pos_);
            line_starting_ = false;
            if (raw) {
                line_starting_ = s_[raw_end - 1] == '\n';
                pos_ = raw_end;
                lex_raw_body(tag);
            } else if (kind == '#') {
                lex_comment(after, tag);
            } else {
                emit(kind == '%' ? TokenType::BlockBegin : TokenType::VariableBegin, tag);
                pos_ = after;
                lex_tag(kind == '%');
            }
        }
        emit(TokenType::Eof, static_cast<uint32_t>(s_.size()));
        return std::move(out_);
    }

private:
    [[noreturn]] void fail(size_t at, const std::string& what) const {
        throw Error(what, map_.describe(static_cast<uint32_t>(at)), "fix the chat template's syntax");
    }

    void emit(TokenType t, size_t at, std::string text = {}) {
        Token tok;
        tok.type = t;
        tok.pos = static_cast<uint32_t>(at);
        tok.text = std::move(text);
        out_.push_back(std::move(tok));
    }

    void emit_data(std::string_view text, size_t at) {
        if (!text.empty()) emit(TokenType::Data, at, std::string(text));
    }

    bool starts(size_t p, const char* lit) const {
        return s_.compare(p, std::strlen(lit), lit) == 0;
    }

    size_t skip_spaces(size_t p) const {
        while (size_t len = space_at(s_, p)) p += len;
        return p;
    }

    size_t find_tag(size_t from) const {
        for (size_t p = s_.find('{', from); p != std::string::npos; p = s_.find('{', p + 1)) {
            if (p + 1 < s_.size() && (s_[p + 1] == '%' || s_[p + 1] == '{' || s_[p + 1] == '#')) return p;
        }
        return std::string::npos;
    }

    bool all_space(std::string_view t) const {
        for (size_t p = 0; p < t.size();) {
            const size_t len = space_at(t, p);
            if (!len) return false;
            p += len;
        }
        return true;
    }

    // `-` strips all whitespace before the tag; lstrip_blocks strips the spaces and tabs
    // between the line start and a block or comment tag.
    std::string_view strip_before_tag(std::string_view text, char mod, bool lstrip_ok) const {
        if (mod == '-') return str_strip(text, nullptr, false, true);
        if (mod == '+' || !lstrip_ok) return text;
        const size_t nl = text.rfind('\n');
        const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
        if (l_pos > 0 || line_starting_) {
            const std::string_view tail = text.substr(l_pos);
            if (!tail.empty() && all_space(tail)) return text.substr(0, l_pos);
        }
        return text;
    }

    // {%(-|+|)\s*raw\s*(-%}\s*|%})  -- note: no trim_blocks newline after raw's %}.
    bool match_raw_begin(size_t tag, size_t& end) const {
        size_t p = tag + 2;
        if (p < s_.size() && (s_[p] == '-' || s_[p] == '+')) ++p;
        p = skip_spaces(p);
        if (!starts(p, "raw")) return false;
        p = skip_spaces(p + 3);
        if (starts(p, "-%}")) {
            end = skip_spaces(p + 3);
            return true;
        }
        if (starts(p, "%}")) {
            end = p + 2;
            return true;
        }
        return false;
    }

    void lex_raw_body(size_t tag) {
        for (size_t k = s_.find("{%", pos_); k != std::string::npos; k = s_.find("{%", k + 1)) {
            size_t p = k + 2;
            char mod = 0;
            if (p < s_.size() && (s_[p] == '-' || s_[p] == '+')) mod = s_[p++];
            p = skip_spaces(p);
            if (!starts(p, "endraw")) continue;
            p = skip_spaces(p + 6);
            size_t end;
            if (starts(p, "+%}")) {
                end = p + 3;
            } else if (starts(p, "-%}")) {
                end = skip_spaces(p + 3);
            } else if (starts(p, "%}")) {
                end = p + 2;
                if (end < s_.size() && s_[end] == '\n') ++end;
            } else {
                continue;
            }
            emit_data(strip_before_tag(std::string_view(s_).substr(pos_, k - pos_), mod, true), pos_);
            line_starting_ = s_[end - 1] == '\n';
            pos_ = end;
            return;
        }
        if (pos_ >= s_.size()) return;  // jinja2 quirk: nothing after {% raw %} is not an error
        fail(tag, "missing end of raw directive ({% endraw %})");
    }

    void lex_comment(size_t content, size_t tag) {
        const size_t k = s_.find("#}", content);
        if (k == std::string::npos) {
            // jinja2 quirk: an unterminated comment tag that ends the template is ignored.
            if (content >= s_.size()) {
                pos_ = s_.size();
                return;
            }
            fail(tag, "missing end of comment tag (#})");
        }
        size_t end = k + 2;
        if (k > content && s_[k - 1] == '-') {
            end = skip_spaces(end);
        } else if (!(k > content && s_[k - 1] == '+')) {
            if (end < s_.size() && s_[end] == '\n') ++end;
        }
        line_starting_ = s_[end - 1] == '\n';
        pos_ = end;
    }

    bool end_of_tag(bool block) {
        const char* close = block ? "%}" : "}}";
        if (s_[pos_] == '-' && starts(pos_ + 1, close)) {
            emit(block ? TokenType::BlockEnd : TokenType::VariableEnd, pos_);
            const size_t end = skip_spaces(pos_ + 3);
            line_starting_ = s_[end - 1] == '\n';
            pos_ = end;
            return true;
        }
        if (block && starts(pos_, "+%}")) {
            emit(TokenType::BlockEnd, pos_);
            pos_ += 3;
            line_starting_ = false;
            return true;
        }
        if (starts(pos_, close)) {
            emit(block ? TokenType::BlockEnd : TokenType::VariableEnd, pos_);
            pos_ += 2;
            if (block && pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
            line_starting_ = s_[pos_ - 1] == '\n';
            return true;
        }
        return false;
    }

    void lex_tag(bool block) {
        std::vector<char> balance;
        while (pos_ < s_.size()) {
            if (balance.empty() && end_of_tag(block)) return;
            if (const size_t len = space_at(s_, pos_)) {
                pos_ += len;
                continue;
            }
            if (lex_number() || lex_name() || lex_string()) continue;
            lex_operator(balance);
        }
        // End of input inside a tag: the parser reports "unexpected end of template".
    }

    // (\d+_)*\d+ ; returns the end or npos.
    size_t scan_digits(size_t p) const {
        if (p >= s_.size() || !is_digit(s_[p])) return std::string::npos;
        while (true) {
            while (p < s_.size() && is_digit(s_[p])) ++p;
            if (p + 1 < s_.size() && s_[p] == '_' && is_digit(s_[p + 1])) {
                ++p;
                continue;
            }
            return p;
        }
    }

    size_t scan_float(size_t start) const {
        if (start > 0 && s_[start - 1] == '.') return std::string::npos;
        const size_t int_end = scan_digits(start);
        if (int_end == std::string::npos) return std::string::npos;
        size_t q = int_end;
        if (q < s_.size() && s_[q] == '.' && q + 1 < s_.size() && is_digit(s_[q + 1])) q = scan_digits(q + 1);
        if (q < s_.size() && (s_[q] == 'e' || s_[q] == 'E')) {
            size_t r = q + 1;
            if (r < s_.size() && (s_[r] == '+' || s_[r] == '-')) ++r;
            const size_t e_end = scan_digits(r);
            if (e_end != std::string::npos) return e_end;
        }
        if (int_end < s_.size() && s_[int_end] == '.') {
            const size_t frac_end = scan_digits(int_end + 1);
            if (frac_end != std::string::npos) return frac_end;
        }
        return std::string::npos;
    }

    bool lex_number() {
        const size_t start = pos_;
        if (!is_digit(s_[start])) return false;
        if (const size_t end = scan_float(start); end != std::string::npos) {
            std::string text;
            for (size_t i = start; i < end; ++i)
                if (s_[i] != '_') text += s_[i];
            Token tok;
            tok.type = TokenType::Float;
            tok.pos = static_cast<uint32_t>(start);
            auto res = std::from_chars(text.data(), text.data() + text.size(), tok.float_value);
            if (res.ec == std::errc::result_out_of_range)  // Python: inf on overflow, 0.0 on underflow
                tok.float_value = text.find_first_of("-") != std::string::npos ? 0.0 : HUGE_VAL;
            tok.text = std::move(text);
            out_.push_back(std::move(tok));
            pos_ = end;
            return true;
        }
        int base = 10;
        size_t p = start;
        if (s_[p] == '0' && p + 1 < s_.size()) {
            const char x = static_cast<char>(s_[p + 1] | 0x20);
            base = x == 'b' ? 2 : x == 'o' ? 8 : x == 'x' ? 16 : 10;
        }
        std::string digits;
        if (base != 10) {
            p += 2;
            while (p < s_.size()) {
                const size_t d = (s_[p] == '_' && p + 1 < s_.size()) ? p + 1 : p;
                if (digit_value(s_[d]) >= base) break;
                digits += s_[d];
                p = d + 1;
            }
            if (digits.empty()) {  // "0x" without digits lexes as the integer 0
                base = 10;
                p = start;
            }
        }
        if (base == 10) {
            const bool zero = s_[p] == '0';
            digits = s_[p++];
            while (p < s_.size()) {
                const size_t d = (s_[p] == '_' && p + 1 < s_.size()) ? p + 1 : p;
                if (!is_digit(s_[d]) || (zero && s_[d] != '0')) break;
                digits += s_[d];
                p = d + 1;
            }
        }
        Token tok;
        tok.type = TokenType::Integer;
        tok.pos = static_cast<uint32_t>(start);
        tok.text = s_.substr(start, p - start);
        auto res = std::from_chars(digits.data(), digits.data() + digits.size(), tok.int_value, base);
        if (res.ec != std::errc())
            fail(start, "integer literal " + tok.text + " is too large (64-bit integers only)");
        out_.push_back(std::move(tok));
        pos_ = p;
        return true;
    }

    bool name_char(size_t p, size_t& len, bool first) const {
        const auto c = static_cast<unsigned char>(s_[p]);
        if (c < 0x80) {
            len = 1;
            return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && is_digit(static_cast<char>(c)));
        }
        size_t q = p;
        const char32_t cp = decode_utf8(s_, q);
        len = q - p;
        return is_alpha_char(cp) || (!first && is_digit_char(cp));
    }

    bool lex_name() {
        size_t len = 0;
        if (!name_char(pos_, len, true)) return false;
        size_t p = pos_ + len;
        while (p < s_.size() && name_char(p, len, false)) p += len;
        emit(TokenType::Name, pos_, s_.substr(pos_, p - pos_));
        pos_ = p;
        return true;
    }

    bool lex_string() {
        const char q = s_[pos_];
        if (q != '\'' && q != '"') return false;
        size_t p = pos_ + 1;
        while (p < s_.size() && s_[p] != q) p += s_[p] == '\\' ? 2 : 1;
        if (p >= s_.size()) fail(pos_, "unterminated string literal");
        emit(TokenType::String, pos_, decode_escapes(pos_ + 1, p));
        pos_ = p + 1;
        return true;
    }

    // Python's unicode-escape decoding, as jinja2 applies it to string literals.
    std::string decode_escapes(size_t begin, size_t end) const {
        std::string out;
        for (size_t i = begin; i < end;) {
            if (s_[i] != '\\') {
                out += s_[i++];
                continue;
            }
            const char e = s_[i + 1];
            i += 2;
            switch (e) {
                case '\n': break;
                case '\\': out += '\\'; break;
                case '\'': out += '\''; break;
                case '"': out += '"'; break;
                case 'a': out += '\a'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'v': out += '\v'; break;
                case 'x': out_code_point(out, i, end, 2); break;
                case 'u': out_code_point(out, i, end, 4); break;
                case 'U': out_code_point(out, i, end, 8); break;
                case 'N': fail(i - 2, "\\N{...} escapes are not supported in string literals");
                default:
                    if (e >= '0' && e <= '7') {
                        char32_t v = static_cast<char32_t>(e - '0');
                        for (int k = 0; k < 2 && i < end && s_[i] >= '0' && s_[i] <= '7'; ++k)
                            v = v * 8 + static_cast<char32_t>(s_[i++] - '0');
                        append_utf8(out, v);
                    } else {
                        out += '\\';
                        out += e;
                    }
            }
        }
        return out;
    }

    void out_code_point(std::string& out, size_t& i, size_t end, int digits) const {
        char32_t v = 0;
        for (int k = 0; k < digits; ++k) {
            if (i + k >= end || digit_value(s_[i + k]) >= 16)
                fail(i - 2, "truncated \\" + std::string(1, s_[i - 1]) + " escape in string literal");
            v = v * 16 + static_cast<char32_t>(digit_value(s_[i + k]));
        }
        i += static_cast<size_t>(digits);
        if (v > 0x10FFFF) fail(i, "illegal Unicode character in string literal");
        // A \uD83D\uDE00 surrogate pair becomes one code point.
        if (v >= 0xD800 && v <= 0xDBFF && i + 6 <= end && s_[i] == '\\' && s_[i + 1] == 'u') {
            char32_t lo = 0;
            bool ok = true;
            for (int k = 0; k < 4; ++k) {
                const int d = digit_value(s_[i + 2 + k]);
                ok = ok && d < 16;
                lo = lo * 16 + static_cast<char32_t>(d);
            }
            if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        if (v >= 0xD800 && v <= 0xDFFF) v = kReplacementChar;  // a lone surrogate: no UTF-8 for it
        append_utf8(out, v);
    }

    void lex_operator(std::vector<char>& balance) {
        static const char* const kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
        for (const char* op : kTwo) {
            if (starts(pos_, op)) {
                emit(TokenType::Operator, pos_, op);
                pos_ += 2;
                return;
            }
        }
        const char c = s_[pos_];
        if (!std::strchr("+-/*%~[](){}><=.:|,;", c) || c == '\0') {
            size_t q = pos_;
            std::string ch;
            append_utf8(ch, decode_utf8(s_, q));
            fail(pos_, "unexpected character '" + ch + "'");
        }
        if (c == '(' || c == '[' || c == '{') balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
        if (c == ')' || c == ']' || c == '}') {
            if (balance.empty()) fail(pos_, std::string("unexpected '") + c + "'");
            const char expected = balance.back();
            balance.pop_back();
            if (expected != c)
                fail(pos_, std::string("unexpected '") + c + "', expected '" + expected + "'");
        }
        emit(TokenType::Operator, pos_, std::string(1, c));
        ++pos_;
    }

    const std::string& s_;
    const SourceMap& map_;
    size_t pos_ = 0;
    bool line_starting_ = true;
    std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const SourceMap& map) {
    return Lexer(source, map).run();
}

}  // namespace edgeseek::jinja
