// The built-in filters, tests, globals and methods of str/list/dict, as jinja2's sandboxed
// environment and transformers provide them.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja/value.h"

namespace edgeseek::jinja {

class Evaluator;

// Names jinja2 knows (whether or not this engine implements them); an unknown name outside
// an {% if %} is a template error at load time, as in jinja2.
bool jinja2_has_filter(std::string_view name);
bool jinja2_has_test(std::string_view name);

// Throws TemplateFault for unknown/unsupported names and bad arguments.
Value apply_filter(Evaluator& ev, std::string_view name, const Value& input, CallArgs& args);
bool apply_test(Evaluator& ev, std::string_view name, const Value& input, CallArgs& args);

// range, namespace, dict, cycler, joiner, raise_exception, strftime_now.
void add_globals(DictData& globals);

// Attribute access as the sandbox does it (methods of str/list/dict, keys of dict, attributes
// of objects); unsafe (mutating) methods give an undefined that raises when called.
Value get_attribute(const Value& obj, std::string_view name);
// Python's getattr alone (no dict-key fallback); nullopt when there is no such attribute.
std::optional<Value> python_attribute(const Value& obj, std::string_view name);
// obj[key] with jinja2's fallbacks (attribute lookup for string keys, undefined when missing).
Value get_item(const Value& obj, const Value& key);
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// Calls a Python str method (split, strip, replace, ...) on a string value; str_method_name
// gives the method's static name, or nullptr when str has no such (supported) method.
Value str_method(Evaluator& ev, const Value& self, std::string_view name, CallArgs& args);
const char* str_method_name(std::string_view name);

// Python str % args and str.format(*args, **kwargs). escape_args: the format string is Markup,
// whose % escapes the string arguments (markupsafe).
std::string percent_format(const std::string& fmt, const Value& args, bool escape_args = false);
std::string brace_format(const std::string& fmt, const CallArgs& args);

// Binds Python-style arguments to parameter names; parameters not passed are nullopt.
// Throws TypeError-like faults for unknown/duplicate/too many/missing arguments.
std::vector<std::optional<Value>> bind_args(std::string_view func, const CallArgs& args,
                                            std::initializer_list<std::string_view> params, size_t required);

}  // namespace edgeseek::jinja
