#include "tokenizer/unicode.h"

#include <algorithm>

namespace edgeseek::unicode {

CpClass classify(char32_t cp) {
    // Binary search over ~1800 runs; the first run starts at 0 so the result is never before it.
    const ClassRun* begin = kClassRuns;
    const ClassRun* end = kClassRuns + kClassRunCount;
    const ClassRun* it = std::upper_bound(begin, end, cp, [](char32_t c, const ClassRun& r) { return c < r.first; });
    return (it - 1)->cls;
}

bool is_whitespace(char32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    return std::binary_search(kWhitespace, kWhitespace + kWhitespaceCount, cp);
}

}  // namespace edgeseek::unicode
