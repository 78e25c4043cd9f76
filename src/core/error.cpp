#include "core/error.h"

#include <cstdio>

namespace edgeseek {

std::string printable_quoted(const std::string& s) {
    constexpr size_t kMax = 96;
    std::string out = "'";
    for (size_t k = 0; k < s.size() && k < kMax; ++k) {
        const auto c = static_cast<unsigned char>(s[k]);
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += "'";
    if (s.size() > kMax) out += " (cut, " + std::to_string(s.size()) + " bytes)";
    return out;
}

}  // namespace edgeseek
