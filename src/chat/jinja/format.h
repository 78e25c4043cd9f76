// How Python prints values: str(), repr(), float repr, and json.dumps as transformers'
// tojson filter calls it (ensure_ascii=False by default).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "chat/jinja/value.h"

namespace edgeseek::jinja {

std::string py_str(const Value& v);    // str(v); Undefined prints as ""
std::string py_repr(const Value& v);   // repr(v)
std::string float_repr(double d);      // repr(float): shortest round-trip, Python's layout
std::string string_repr(std::string_view s);
std::string html_escape(std::string_view s);  // markupsafe.escape

struct JsonOptions {
    bool ensure_ascii = false;
    std::optional<std::string> indent;  // json.dumps(indent=...) as a string of spaces
    std::string item_separator = ", ";
    std::string key_separator = ": ";
    bool sort_keys = false;
};
std::string to_json(const Value& v, const JsonOptions& options);

}  // namespace edgeseek::jinja
