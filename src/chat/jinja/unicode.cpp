#include "chat/jinja/unicode.h"

namespace edgeseek::jinja {

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (size_t pos = 0; pos < s.size(); ++n) decode_utf8(s, pos);
    return n;
}

std::string from_code_points(const char32_t* begin, const char32_t* end) {
    std::string out;
    out.reserve(static_cast<size_t>(end - begin));
    for (const char32_t* p = begin; p != end; ++p) append_utf8(out, *p);
    return out;
}

size_t code_point_index(std::string_view s, size_t byte_offset) {
    return utf8_length(s.substr(0, byte_offset));
}

bool is_py_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

size_t space_at(std::string_view s, size_t pos) {
    if (pos >= s.size()) return 0;
    size_t p = pos;
    return is_py_space(decode_utf8(s, p)) ? p - pos : 0;
}

bool is_printable(char32_t c) {
    if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F)) return false;
    if ((c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF) return false;
    if ((c >= 0x600 && c <= 0x605) || c == 0x61C || c == 0x6DD || c == 0x70F || c == 0x180E)
        return false;
    if ((c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFDD0 && c <= 0xFDEF)) return false;
    if ((c >= 0xFFF9 && c <= 0xFFFB) || (c & 0xFFFE) == 0xFFFE) return false;
    if (c >= 0xE0000 || c > 0x10FFFF) return false;
    return true;
}

namespace {

// Ranges where upper and lower case alternate (upper on the even or odd code point).
bool in_alternating(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

struct Pair {
    char32_t upper, lower;
};

// Pairs that no arithmetic rule covers.
constexpr Pair kOddPairs[] = {
    {0x178, 0xFF},  {0x386, 0x3AC}, {0x38C, 0x3CC}, {0x38E, 0x3CD}, {0x38F, 0x3CE},
    {0x4C0, 0x4CF}, {0x1E9E, 0xDF},
};

}  // namespace

char32_t to_upper(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c == 0xB5) return 0x39C;
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if (in_alternating(c, 0x100, 0x137) || in_alternating(c, 0x14A, 0x177) ||
        in_alternating(c, 0x460, 0x481) || in_alternating(c, 0x48A, 0x4BF) ||
        in_alternating(c, 0x4D0, 0x52F) || in_alternating(c, 0x1E00, 0x1E95) ||
        in_alternating(c, 0x1EA0, 0x1EFF))
        return (c & 1) ? c - 1 : c;
    if (in_alternating(c, 0x139, 0x148) || in_alternating(c, 0x179, 0x17E) ||
        in_alternating(c, 0x4C1, 0x4CE))
        return (c & 1) ? c : c - 1;
    if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 32;
    if (c == 0x3C2) return 0x3A3;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    if (c >= 0x561 && c <= 0x586) return c - 48;
    if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
    for (const Pair& p : kOddPairs)
        if (p.lower == c && c != 0xDF) return p.upper;
    return c;
}

char32_t to_lower(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if (c == 0x130) return 'i';
    if (in_alternating(c, 0x100, 0x137) || in_alternating(c, 0x14A, 0x177) ||
        in_alternating(c, 0x460, 0x481) || in_alternating(c, 0x48A, 0x4BF) ||
        in_alternating(c, 0x4D0, 0x52F) || in_alternating(c, 0x1E00, 0x1E95) ||
        in_alternating(c, 0x1EA0, 0x1EFF))
        return (c & 1) ? c : c + 1;
    if (in_alternating(c, 0x139, 0x148) || in_alternating(c, 0x179, 0x17E) ||
        in_alternating(c, 0x4C1, 0x4CE))
        return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x531 && c <= 0x556) return c + 48;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    for (const Pair& p : kOddPairs)
        if (p.upper == c) return p.lower;
    return c;
}

bool is_cased(char32_t c) { return c == 0xDF || to_upper(c) != c || to_lower(c) != c; }
bool is_lower_char(char32_t c) { return c == 0xDF || to_upper(c) != c; }
bool is_upper_char(char32_t c) { return to_lower(c) != c; }

bool is_alpha_char(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (is_cased(c) || c == 0xAA || c == 0xBA) return true;
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x5D0 && c <= 0x5EA) ||
           (c >= 0x620 && c <= 0x64A) || (c >= 0xE01 && c <= 0xE30) ||
           (c >= 0x904 && c <= 0x939) || (c >= 0x20000 && c <= 0x2A6DF);
}

bool is_digit_char(char32_t c) {
    return (c >= '0' && c <= '9') || c == 0xB2 || c == 0xB3 || c == 0xB9 ||
           (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9) ||
           (c >= 0x966 && c <= 0x96F) || (c >= 0xFF10 && c <= 0xFF19);
}

namespace {

template <class F>
std::string map_chars(std::string_view s, F f) {
    std::string out;
    out.reserve(s.size());
    for (size_t pos = 0; pos < s.size();) f(out, decode_utf8(s, pos));
    return out;
}

void append_upper(std::string& out, char32_t c) {
    if (c == 0xDF) {
        out += "SS";
        return;
    }
    append_utf8(out, to_upper(c));
}

// Title case of one character: Python maps ß to "Ss".
void append_title(std::string& out, char32_t c) {
    if (c == 0xDF) {
        out += "Ss";
        return;
    }
    append_utf8(out, to_upper(c));
}

}  // namespace

std::string str_upper(std::string_view s) { return map_chars(s, append_upper); }

std::string str_lower(std::string_view s) {
    return map_chars(s, [](std::string& out, char32_t c) { append_utf8(out, to_lower(c)); });
}

std::string str_capitalize(std::string_view s) {
    bool first = true;
    return map_chars(s, [&](std::string& out, char32_t c) {
        if (first)
            append_title(out, c);
        else
            append_utf8(out, to_lower(c));
        first = false;
    });
}

std::string str_title(std::string_view s) {
    bool prev_cased = false;
    return map_chars(s, [&](std::string& out, char32_t c) {
        if (prev_cased)
            append_utf8(out, to_lower(c));
        else
            append_title(out, c);
        prev_cased = is_cased(c);
    });
}

std::string str_swapcase(std::string_view s) {
    return map_chars(s, [](std::string& out, char32_t c) {
        if (is_upper_char(c))
            append_utf8(out, to_lower(c));
        else if (is_lower_char(c))
            append_upper(out, c);
        else
            append_utf8(out, c);
    });
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t pos = 0; pos < s.size();) {
        const size_t at = pos;
        const char32_t c = decode_utf8(s, pos);
        const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) ||
                         c == 0x85 || c == 0x2028 || c == 0x2029;
        if (!brk) continue;
        if (c == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
        lines.emplace_back(s.substr(start, (keepends ? pos : at) - start));
        start = pos;
    }
    if (start < s.size()) lines.emplace_back(s.substr(start));
    return lines;
}

std::string_view str_strip(std::string_view s, const std::string* chars, bool left, bool right) {
    std::vector<char32_t> set;
    if (chars) set = to_code_points(*chars);
    auto strip_it = [&](char32_t c) {
        if (!chars) return is_py_space(c);
        for (char32_t x : set)
            if (x == c) return true;
        return false;
    };
    size_t begin = 0, end = s.size();
    if (left) {
        while (begin < end) {
            size_t p = begin;
            if (!strip_it(decode_utf8(s, p))) break;
            begin = p;
        }
    }
    if (right) {
        while (end > begin) {
            size_t start = end - 1;
            while (start > begin && end - start < 4 &&
                   (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
                --start;
            size_t p = start;
            const char32_t c = decode_utf8(s, p);
            if (p != end || !strip_it(c)) {
                if (p != end) {
                    // Not a clean code point boundary (invalid UTF-8): treat the last byte alone.
                    p = end - 1;
                    size_t q = p;
                    if (!strip_it(decode_utf8(s, q))) break;
                    end = p;
                    continue;
                }
                break;
            }
            end = start;
        }
    }
    return s.substr(begin, end - begin);
}

}  // namespace edgeseek::jinja
