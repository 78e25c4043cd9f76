// UTF-8 helpers for the template engine: Python strings count, index and case-map code
// points, so the engine does too. Invalid UTF-8 is read one byte per code point (as U+FFFD
// would be) so hostile input never desynchronises a loop.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"  // decode_utf8, append_utf8, to_code_points

namespace edgeseek::jinja {

size_t utf8_length(std::string_view s);
std::string from_code_points(const char32_t* begin, const char32_t* end);
// Byte offset -> code point index (for str.find results).
size_t code_point_index(std::string_view s, size_t byte_offset);

// Python's str.isspace() for one code point.
bool is_py_space(char32_t c);
// Byte length of the whitespace code point at s[pos], 0 when there is none.
size_t space_at(std::string_view s, size_t pos);
// Python's str.isprintable() (approximate outside Latin, Greek, Cyrillic and CJK).
bool is_printable(char32_t c);

// Simple case mapping for ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and fullwidth
// Latin; other scripts are left as they are.
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
bool is_cased(char32_t c);
bool is_lower_char(char32_t c);
bool is_upper_char(char32_t c);
bool is_alpha_char(char32_t c);
bool is_digit_char(char32_t c);

std::string str_upper(std::string_view s);
std::string str_lower(std::string_view s);
std::string str_capitalize(std::string_view s);  // str.capitalize()
std::string str_title(std::string_view s);       // str.title()
std::string str_swapcase(std::string_view s);

// Python's str.splitlines(): \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029.
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);

// Python str.strip()/lstrip()/rstrip(); chars == nullptr strips whitespace.
std::string_view str_strip(std::string_view s, const std::string* chars, bool left, bool right);

}  // namespace edgeseek::jinja
