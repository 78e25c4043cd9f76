// Code point classes for the pre-tokenizer regexes. The tables are generated from Python's
// unicodedata by scripts/gen_unicode_tables.py into unicode_tables.cpp.
#pragma once
#include <cstddef>
#include <cstdint>

namespace edgeseek::unicode {

// Major general category, reduced to what the regexes ask about: \p{L}, \p{N}, \p{P}.
enum class CpClass : uint8_t { Other = 0, Letter = 1, Number = 2, Punct = 3 };

struct ClassRun {
    char32_t first;  // the run covers [first, next run's first)
    CpClass cls;
};

extern const ClassRun kClassRuns[];
extern const size_t kClassRunCount;
extern const char32_t kWhitespace[];  // the White_Space property, ascending
extern const size_t kWhitespaceCount;

}  // namespace edgeseek::unicode
