// Code point classification for the tokenizers' pre-tokenizer regexes (UTF-8 itself: core/utf8.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "tokenizer/unicode_tables.h"

namespace edgeseek::unicode {

CpClass classify(char32_t cp);
bool is_whitespace(char32_t cp);  // \s in the tokenizer regexes (Unicode White_Space)

}  // namespace edgeseek::unicode
