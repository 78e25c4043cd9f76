// Test helper: where two rendered prompts first differ, readable in a failure message.
#pragma once
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace edgeseek::test {

// "" when equal; otherwise the byte offset, line and column of the first difference with
// some context from both strings (JSON-escaped so newlines and control bytes are visible).
inline std::string first_difference(const std::string& expected, const std::string& got) {
    if (expected == got) return {};
    size_t i = 0;
    while (i < expected.size() && i < got.size() && expected[i] == got[i]) ++i;
    size_t line = 1, col = 1;
    for (size_t k = 0; k < i; ++k) {
        if (expected[k] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    const size_t from = i > 40 ? i - 40 : 0;
    auto window = [&](const std::string& s) {
        std::string w = from < s.size() ? s.substr(from, i - from + 40) : std::string();
        return nlohmann::json(w).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    std::ostringstream os;
    os << "first difference at byte " << i << " (line " << line << ", column " << col << "); expected "
       << expected.size() << " bytes, got " << got.size() << " bytes\n  expected: ..." << window(expected)
       << "\n  got:      ..." << window(got);
    return os.str();
}

inline std::string read_text_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline std::string chat_test_data(const std::string& name) {
    return std::string(EDGESEEK_SOURCE_DIR) + "/tests/chat/data/" + name;
}

}  // namespace edgeseek::test
