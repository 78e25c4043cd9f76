// Internal: how filters are looked up. filters.cpp has the string and number filters and the
// dispatcher; sequence_filters.cpp has the ones that walk sequences.
#pragma once
#include <string_view>

#include "chat/jinja/value.h"

namespace edgeseek::jinja {

using FilterFn = Value (*)(Evaluator& ev, const Value& input, CallArgs& args);

FilterFn find_sequence_filter(std::string_view name);

// `value|lower` for sort/unique/min/max/dictsort without case_sensitive.
Value ignore_case(const Value& v);

// jinja2's make_attrgetter: "a.b.0" looked up with getitem semantics, part by part.
Value lookup_path(const Value& item, const Value& attribute);

}  // namespace edgeseek::jinja
