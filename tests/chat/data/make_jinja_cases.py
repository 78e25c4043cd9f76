#!/usr/bin/env python3
"""Regenerates jinja_cases.json: template snippets rendered by Python jinja2 configured as
Hugging Face transformers configures it (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, tojson = json.dumps without ASCII escaping, raise_exception).

The C++ tests (tests/chat/jinja_cases_test.cpp) read the JSON; they never run Python.
Run: python3 tests/chat/data/make_jinja_cases.py   (needs Jinja2 3.1.x)
"""
import json
import os

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
ENV.filters["tojson"] = tojson
ENV.globals["raise_exception"] = raise_exception

MSGS = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi <there> & 'you'"},
    {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nHello!"},
    {"role": "user", "content": "Weather?"},
]
USERS = [
    {"name": "bob", "age": 31, "tags": ["a", "b"], "admin": False},
    {"name": "Alice", "age": 25, "tags": [], "admin": True},
    {"name": "carol", "age": 31, "tags": ["c"]},
]
CTX = {"messages": MSGS, "users": USERS, "n": 7, "f": 2.5, "s": "Hello World", "empty": "", "none": None,
       "d": {"b": 2, "a": 1, "c": {"x": [1, 2, {"y": "z"}]}}, "l": [3, 1, 2], "t": True, "u8": "héllo wörld 你好 🦀",
       "ns_like": {"x": 1}}

# (group, name, template[, extra context]) -- the context is CTX plus the extra.
CASES = [
    # ---- whitespace control and lexing ----
    ("Whitespace", "trim_blocks", "{% if true %}\nyes\n{% endif %}\nafter"),
    ("Whitespace", "lstrip_blocks", "  {% if true %}\n  x\n  {% endif %}\nend"),
    ("Whitespace", "lstrip_tabs", "\t\t{% if true %}x{% endif %}"),
    ("Whitespace", "lstrip_not_after_text", "a  {% if true %}x{% endif %}"),
    ("Whitespace", "lstrip_after_variable", "{{ 1 }}  {% if true %}x{% endif %}"),
    ("Whitespace", "lstrip_not_for_variables", "  {{ 'v' }}\n  {{ 'w' }}"),
    ("Whitespace", "minus_both_sides", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c"),
    ("Whitespace", "minus_variable", "a\n  {{- 'b' -}}\n  c"),
    ("Whitespace", "plus_disables_lstrip", "  {%+ if true %}x{% endif %}"),
    ("Whitespace", "plus_disables_trim", "{% if true +%}\nx{% endif %}"),
    ("Whitespace", "comment", "a{# note #}b\n  {# whole line #}\nc"),
    ("Whitespace", "comment_minus", "a  {#- c -#}  b"),
    ("Whitespace", "trailing_newline_dropped", "x\n"),
    ("Whitespace", "only_one_trailing_newline_dropped", "x\n\n"),
    ("Whitespace", "crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc"),
    ("Whitespace", "raw", "{% raw %}{{ x }}{% if %}{% endraw %}"),
    ("Whitespace", "raw_keeps_newline", "{% raw %}\nX{{ y }}\n{% endraw %}\nZ"),
    ("Whitespace", "raw_minus", "  {%- raw -%}  {{ y }}  {%- endraw -%}  z"),
    ("Whitespace", "braces_in_text", "a } b { c %} d #} e"),
    ("Whitespace", "braces_in_strings", "{{ '{{' ~ '}}' ~ '{%' }}"),
    ("Whitespace", "dict_literal_closing_braces", "{{ {'a': {'b': 1}}}}"),
    ("Whitespace", "unicode_space_lstrip", "\u3000{% if true %}x{% endif %}"),
    ("Whitespace", "blank_lines", "{% for i in [1, 2] %}\n\n{{ i }}\n{% endfor %}"),
    # ---- literals and printing ----
    ("Literals", "numbers", "{{ 1 }} {{ -3 }} {{ 1.5 }} {{ 1e3 }} {{ 1_000 }} {{ 0x1f }} {{ 0o17 }} {{ 0b101 }} {{ 2.5e-3 }}"),
    ("Literals", "float_repr", "{{ 1.0 }} {{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 1/3 }} {{ 0.0001 }} {{ 0.00001 }} {{ -0.0 }} {{ 123456789.123 }}"),
    ("Literals", "bool_none", "{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}"),
    ("Literals", "string_escapes", "{{ 'a\\tb\\\\c\\'d' }}|{{ \"x\\\"y\" }}|{{ '\\u00e9\\x41\\101\\d' }}|{{ 'a' 'b' \"c\" }}"),
    ("Literals", "newline_escape", "{{ 'line1\\nline2' }}"),
    ("Literals", "list_repr", "{{ [1, 'a', none, true, 1.5, [2]] }}"),
    ("Literals", "dict_repr", "{{ {'a': [1, {'b': 'c'}], 2: none} }}"),
    ("Literals", "tuple_repr", "{{ (1,) }} {{ () }} {{ (1, 'x') }} {{ 1, 2 }}"),
    ("Literals", "string_repr_quotes", "{{ ['it\\'s', 'say \"hi\"', 'both \\' \"', 'back\\\\slash'] }}"),
    ("Literals", "string_repr_controls", "{{ ['\\n\\t\\r', '\\x01\\x7f', 'é中🦀', '\\u200b\\u00a0'] }}"),
    ("Literals", "context_values", "{{ messages[0] }} {{ d }} {{ l }} {{ t }} {{ none }} {{ f }} {{ n }}"),
    ("Literals", "unicode_passthrough", "{{ u8 }}|{{ u8|length }}|{{ u8[7] }}|{{ u8[-1] }}"),
    # ---- operators ----
    ("Operators", "arithmetic", "{{ 7 + 2 }} {{ 7 - 9 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 8 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }}"),
    ("Operators", "float_arithmetic", "{{ 7.5 // 2 }} {{ -7.5 // 2 }} {{ 7.5 % 2 }} {{ -7.5 % 2 }} {{ 7.5 % -2 }} {{ 1.5 * 2 }} {{ f + n }} {{ true + 1 }}"),
    ("Operators", "precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ 2 ** 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 2 * 3 ~ 4 }} {{ -1|abs }} {{ 1 + 1 is odd }}"),
    ("Operators", "string_ops", "{{ 'ab' + 'cd' }} {{ 'ab' ~ 1 ~ none ~ 1.0 ~ true }} {{ 'ab' * 3 }} {{ 2 * 'x' }} {{ 'x' * 0 }}|{{ [1] * 3 }} {{ [1, 2] + [3] }} {{ (1,) + (2,) }}"),
    ("Operators", "comparisons", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 1 == 1.0 }} {{ 1 != 2 }} {{ 'a' < 'b' < 'c' }} {{ 1 < 3 > 2 }} {{ [1, 2] < [1, 3] }} {{ 'abc' > 'abd' }} {{ none == none }} {{ true == 1 }}"),
    ("Operators", "membership", "{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'a' in {'a': 1} }} {{ 'z' not in 'abc' }} {{ 3 not in [1, 2] }} {{ 'b' in d }} {{ 'x' in undefined_var }}"),
    ("Operators", "logic_returns_operands", "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }}|{{ none or [] }} {{ not 0 }} {{ not 'x' }} {{ not none }} {{ 1 and 0 or 5 }}"),
    ("Operators", "ternary", "{{ 'yes' if t else 'no' }} {{ 'yes' if none else 'no' }} {{ 'x' if false }}|{{ 1 if false else 2 if false else 3 }}"),
    ("Operators", "is_and_is_not", "{{ n is number }} {{ s is not number }} {{ none is none }} {{ x is not defined }} {{ not x is defined }}"),
    # ---- subscripts and attributes ----
    ("Subscripts", "getitem_getattr", "{{ d['a'] }} {{ d.b }} {{ d.c.x[2].y }} {{ d['c']['x'][0] }} {{ l[0] }} {{ l[-1] }} {{ messages[1].role }} {{ messages[-1]['content'] }}"),
    ("Subscripts", "missing_is_undefined", "[{{ d.missing }}][{{ l[10] }}][{{ d['nope'] }}][{{ none.attr }}][{{ s.foo }}]"),
    ("Subscripts", "slices", "{{ s[1:4] }} {{ s[::-1] }} {{ s[6:] }} {{ s[:-6] }} {{ s[::2] }} {{ l[1:] }} {{ l[::-1] }} {{ l[5:] }} {{ l[-2:] }} {{ (1, 2, 3)[1:] }} {{ u8[1:5] }}"),
    ("Subscripts", "dict_method_shadows_key", "{{ {'items': 1}['items'] }} {{ {'x': 1}.items() | list }}"),
    ("Subscripts", "integer_attribute", "{{ l.0 }} {{ messages.1.role }}"),
    # ---- if / for ----
    ("Statements", "if_elif_else", "{% for v in [0, 1, 2, 'x', '', [], none] %}{% if v == 1 %}one{% elif v == 2 %}two{% elif v %}truthy{% else %}falsy{% endif %},{% endfor %}"),
    ("Statements", "for_loop_variables", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }}|{% endfor %}"),
    ("Statements", "for_prev_next", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}-{{ x }}-{{ loop.nextitem }}]{% endfor %}"),
    ("Statements", "for_cycle_changed", "{% for x in [1, 1, 2, 2, 3] %}{{ loop.cycle('o', 'e') }}{% if loop.changed(x) %}*{% endif %}{% endfor %}"),
    ("Statements", "for_filter", "{% for x in range(10) if x is odd %}{{ x }}{{ '/' ~ loop.length if loop.last }},{% endfor %}"),
    ("Statements", "for_else", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}|{% for x in [1] if x > 5 %}{{ x }}{% else %}filtered{% endfor %}"),
    ("Statements", "for_unpack", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for a, b in [(1, 2), [3, 4]] %}{{ a + b }}{% endfor %}"),
    ("Statements", "for_dict_and_string", "{% for k in d %}{{ k }}{% endfor %}|{% for ch in 'héy' %}[{{ ch }}]{% endfor %}"),
    ("Statements", "for_undefined_is_empty", "{% for x in nothing %}{{ x }}{% else %}none{% endfor %}"),
    ("Statements", "nested_loops_outer", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [1, 2] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}"),
    ("Statements", "break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("Statements", "recursive_loop", "{% for item in tree recursive %}{{ item.name }}{% if item.children %}({{ loop(item.children) }}){% endif %}{{ loop.depth }}{% endfor %}",
     {"tree": [{"name": "a", "children": [{"name": "b"}, {"name": "c", "children": [{"name": "d"}]}]}, {"name": "e"}]}),
    ("Statements", "loop_reversed_messages", "{% for m in messages[::-1] %}{{ (messages|length - 1) - loop.index0 }}{{ m.role[0] }}{% endfor %}"),
    # ---- set / scoping / namespace ----
    ("Set", "set_and_unpack", "{% set a = 1 %}{% set b, c = [2, 3] %}{% set t = 4, 5 %}{{ a }}{{ b }}{{ c }}{{ t }}"),
    ("Set", "set_block", "{% set block %}  hello {{ n }}  {% endset %}[{{ block }}]"),
    ("Set", "set_block_filter", "{% set block | trim | upper %}  hello  {% endset %}[{{ block }}]"),
    ("Set", "loop_scope_does_not_leak", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i * 10 %}{{ x }} {% endfor %}{{ x }}"),
    ("Set", "if_scope_leaks", "{% if true %}{% set y = 2 %}{% endif %}{{ y }}"),
    ("Set", "namespace", "{% set ns = namespace(count=0, found=false) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.count = ns.count + 1 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.found }} {{ ns.missing }}"),
    ("Set", "namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"),
    ("Set", "namespace_print", "{% set ns = namespace(a=1, b='x') %}{{ ns }}"),
    ("Set", "with_block", "{% set a = 'outer' %}{% with a = 'inner', b = a %}{{ a }} {{ b }}{% endwith %} {{ a }} [{{ b }}]"),
    ("Set", "reassign_context_var", "{% set messages = messages[1:] %}{{ messages|length }}{% set n = n + 1 %}{{ n }}"),
    # ---- macros ----
    ("Macros", "macro_defaults", "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Hi') }} {{ greet(greeting='Yo', name='X') }}"),
    ("Macros", "macro_missing_arg", "{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}"),
    ("Macros", "macro_varargs_kwargs", "{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}"),
    ("Macros", "macro_caller", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ n }}{% endcall %}"),
    ("Macros", "macro_caller_args", "{% macro each(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro %}{% call(x, i) each(['a', 'b']) %}{{ i }}:{{ x }} {% endcall %}"),
    ("Macros", "macro_scope", "{% set x = 5 %}{% macro m() %}{% set x = 7 %}{{ x }}{{ n }}{% endmacro %}{{ m() }}{{ x }}"),
    ("Macros", "macro_recursion", "{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * fact(k - 1)|int }}{% endif %}{% endmacro %}{{ fact(6) }}"),
    ("Macros", "macro_print", "{% macro m() %}{% endmacro %}{{ m }} {{ m.name }}"),
    ("Macros", "filter_block", "{% filter upper %}hello {{ s }}{% endfilter %}"),
    ("Macros", "print_tag", "{% print 'a', 1 %}"),
    # ---- filters ----
    ("Filters", "trim", "[{{ '  a b  '|trim }}][{{ 'xxaxx'|trim('x') }}][{{ none|trim }}][{{ undefined_var|trim }}][{{ '\\n\\t x \\u3000'|trim }}]"),
    ("Filters", "case", "{{ 'hELLo wOrld'|upper }} {{ 'HeLLo'|lower }} {{ 'hELLO world'|capitalize }} {{ 'hello wORLD-foo(bar [x <y'|title }} {{ 'éa'|upper }}"),
    ("Filters", "length_count", "{{ s|length }} {{ l|count }} {{ d|length }} {{ ''|length }} {{ undefined_var|length }} {{ u8|length }}"),
    ("Filters", "replace", "{{ 'aaa'|replace('a', 'b') }} {{ 'aaa'|replace('a', 'b', 2) }} {{ 'abc'|replace('', '-') }} {{ 123|replace(2, 9) }}"),
    ("Filters", "join", "{{ l|join(', ') }} {{ ['a', none, 1]|join }} {{ users|join('/', attribute='name') }} {{ 'abc'|join('.') }}"),
    ("Filters", "first_last", "{{ l|first }} {{ l|last }} {{ 'xyz'|first }} {{ 'xyz'|last }} {{ d|first }} {{ d|last }} [{{ []|first }}]"),
    ("Filters", "default", "[{{ nope|default('dflt') }}][{{ none|default('x') }}][{{ ''|default('x', true) }}][{{ ''|d('y', boolean=true) }}][{{ nope|d }}][{{ 0|default(5) }}]"),
    ("Filters", "string_int_float", "{{ 12|string ~ 3 }} {{ none|string }} {{ '42'|int + 1 }} {{ '3.7'|int }} {{ ' 42 '|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ '0x1F'|int(base=16) }} {{ 3.9|int }} {{ -3.9|int }} {{ '1_000'|int }} {{ true|int }} {{ none|int }}"),
    ("Filters", "float", "{{ '3.25'|float }} {{ 3|float }} {{ 'x'|float }} {{ 'x'|float(1.5) }} {{ ' -1e3 '|float }} {{ 'inf'|float }} {{ none|float }}"),
    ("Filters", "list_items", "{{ 'ab'|list }} {{ d|list }} {{ (1, 2)|list }} {{ d|items|list }} {% for k, v in {'x': 1}|items %}{{ k }}{{ v }}{% endfor %}"),
    ("Filters", "selectattr_rejectattr", "{{ users|selectattr('admin')|map(attribute='name')|list }} {{ users|rejectattr('admin')|map(attribute='name')|join(',') }} {{ users|selectattr('age', 'equalto', 31)|list|length }} {{ messages|selectattr('role', '==', 'user')|map(attribute='content')|first }} {{ users|selectattr('name', 'in', ['bob', 'carol'])|list|length }}"),
    ("Filters", "select_reject", "{{ [1, 2, 3, 4, 5]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('even')|list }} {{ [0, 1, '', 'a', none]|select|list }} {{ [1, 5, 10]|select('>', 3)|list }} {{ ['a', 1, 'b']|reject('string')|list }} {{ [1, 2, 6]|select('divisibleby', 3)|list }}"),
    ("Filters", "map", "{{ users|map(attribute='name')|list }} {{ users|map(attribute='admin', default='?')|list }} {{ ['a', 'B']|map('upper')|list }} {{ ['a b ', ' c']|map('trim')|join('|') }} {{ [[1, 2], [3]]|map('length')|list }} {{ ['x']|map('replace', 'x', 'y')|list }} {{ users|map(attribute='tags.0')|list }}"),
    ("Filters", "generators_truthy_and_single_use", "{% set g = [1, 2]|select('>', 5) %}{{ 'truthy' if g else 'falsy' }}|{% set h = [1, 2, 3]|select('odd') %}{{ h|list }}{{ h|list }}|{{ [3, 4]|map('string')|first }}"),
    ("Filters", "safe_escape", "{{ '<a href=\"x\">&\\'</a>'|escape }} {{ '<b>'|e }} {{ '<i>'|safe }} {{ ('<i>'|safe) + '<b>' }} {{ '<' ~ ('<'|safe) }} {{ '<p>'|escape|escape }}"),
    ("Filters", "round_abs", "{{ 2.5|round }} {{ 3.5|round }} {{ 42.55|round(1) }} {{ 42.55|round(1, 'floor') }} {{ 42.51|round(0, 'ceil') }} {{ 0.125|round(2) }} {{ 2.675|round(2) }} {{ 3|round }} {{ 1250|round(-2) }} {{ 1350|round(-2) }} {{ -2.5|round }} {{ -5|abs }} {{ -2.5|abs }} {{ 7|round(2, 'floor') }}"),
    ("Filters", "unique_sort", "{{ ['b', 'A', 'a', 'B', 'c']|unique|list }} {{ ['b', 'A', 'a']|unique(case_sensitive=true)|list }} {{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ ['b', 'A', 'c']|sort(case_sensitive=true) }} {{ users|sort(attribute='age')|map(attribute='name')|list }} {{ users|sort(attribute='age,name')|map(attribute='name')|join(',') }} {{ users|unique(attribute='age')|map(attribute='name')|list }}"),
    ("Filters", "dictsort", "{{ d|dictsort }} {{ {'b': 1, 'A': 2, 'a': 3}|dictsort }} {{ {'x': 3, 'y': 1}|dictsort(by='value') }} {{ {'x': 3, 'y': 1}|dictsort(reverse=true) }}"),
    ("Filters", "min_max_sum", "{{ l|min }} {{ l|max }} {{ ['b', 'A', 'c']|max }} {{ users|max(attribute='age')|attr('items') is defined }} {{ users|min(attribute='age')|string }} {{ l|sum }} {{ users|sum(attribute='age') }} {{ [[1], [2]]|sum(start=[]) }} [{{ []|max }}]"),
    ("Filters", "reverse_batch", "{{ 'abc'|reverse }} {{ l|reverse|list }} {{ d|reverse|list }} {{ 'abcde'|batch(2)|list }} {{ [1, 2, 3]|batch(2, 0)|list }}"),
    ("Filters", "wordcount_center_indent", "{{ 'Hello, wonderful world_x 42'|wordcount }}[{{ 'ab'|center(7) }}][{{ 'ab'|center(6) }}]{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent('--', blank=true) }}|{{ 'x'|indent }}"),
    ("Filters", "format", "{{ '%s-%d-%05.2f|%-4s|%x|%r|%%|%5s|%.2s' | format('a', 3.7, 2.5, 'b', 255, 'q', 'r', 'xyz') }} {{ '%(a)s+%(b)d' % {'a': 'x', 'b': 2} }} {{ '%s' % 'one' }} {{ '%s and %s' % ('a', 'b') }} {{ '%e %g %G' % (12345.678, 0.0001, 1e20) }}"),
    ("Filters", "attr", "{{ d|attr('b') }}|{{ (d|attr('items'))()|list|length }}|{{ ns_like|attr('x') }}"),
    ("Filters", "tojson_basic", "{{ d|tojson }} {{ l|tojson }} {{ s|tojson }} {{ none|tojson }} {{ t|tojson }} {{ f|tojson }} {{ 1.0|tojson }} {{ (1, 'a')|tojson }} {{ {}|tojson }} {{ []|tojson }}"),
    ("Filters", "tojson_escaping", "{{ 'é\"\\\\\\n\\r\\t\\b\\f\\x01\\x7f 🦀 </script>'|tojson }} {{ u8|tojson }} {{ u8|tojson(ensure_ascii=true) }}"),
    ("Filters", "tojson_indent", "{{ d|tojson(indent=2) }}\n{{ {'a': [], 'b': {}, 'c': [1]}|tojson(indent=4) }}\n{{ l|tojson(indent='\\t') }}\n{{ d|tojson(indent=0) }}"),
    ("Filters", "tojson_options", "{{ d|tojson(sort_keys=true) }} {{ d|tojson(separators=(',', ':')) }} {{ {1: 'a', 2.5: 'b', true: 'c', none: 'd'}|tojson }}"),
    ("Filters", "tojson_tools", "{% for t in tools %}{{ t|tojson }}\n{{ t|tojson(indent=4) }}\n{% endfor %}",
     {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather für a city 🌦", "parameters": {"type": "object", "properties": {"city": {"type": "string", "enum": ["Paris", "Zürich"]}, "days": {"type": "integer", "minimum": 1, "default": 1.5}}, "required": ["city"]}}}]}),
    # ---- tests ----
    ("Tests", "type_tests", "{% for v in [1, 1.5, 'x', none, true, [1], {'a': 1}, (1,)] %}{{ v is number }}{{ v is integer }}{{ v is float }}{{ v is string }}{{ v is none }}{{ v is boolean }}{{ v is mapping }}{{ v is sequence }}{{ v is iterable }}{{ v is true }}{{ v is false }}|{% endfor %}"),
    ("Tests", "undefined_tests", "{{ nope is defined }} {{ nope is undefined }} {{ nope is sequence }} {{ nope is iterable }} {{ nope is none }} {{ nope is string }} {{ d.zz is defined }} {{ n is defined }}"),
    ("Tests", "comparison_tests", "{{ 3 is equalto 3 }} {{ 3 is eq 4 }} {{ 3 is ne 4 }} {{ 3 is lt 4 }} {{ 3 is gt 4 }} {{ 3 is le 3 }} {{ 3 is ge 4 }} {{ 3 is greaterthan 2 }} {{ 'a' is in 'cat' }} {{ 2 is in [1, 2] }} {{ 3 is divisibleby 3 }} {{ 3 is odd }} {{ 3 is even }}"),
    ("Tests", "misc_tests", "{{ 'abc' is lower }} {{ 'ABC' is upper }} {{ 'aB' is lower }} {{ range is callable }} {{ 'x' is callable }} {{ none is sameas none }} {{ ('<'|safe) is escaped }} {{ '<' is escaped }} {{ 'upper' is filter }} {{ 'odd' is test }} {{ 'nope' is filter }}"),
    ("Tests", "test_with_not_and_args", "{{ 5 is not divisibleby(2) }} {{ 'x' is not in ['y'] }} {{ n is not none and n is number }} {{ 'a' if 1 is odd else 'b' }}"),
    # ---- methods ----
    ("Methods", "split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a b c'.split(' ', 1) }} {{ '  a b  c '.split(none, 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  a b c'.rsplit(none, 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ ''.split(',') }} {{ ''.split() }}"),
    ("Methods", "strip", "[{{ '  x  '.strip() }}][{{ '\\n\\nx\\n'.lstrip('\\n') }}][{{ 'x\\n\\n'.rstrip('\\n') }}][{{ 'abcxcba'.strip('ab') }}][{{ ' x '.lstrip() }}][{{ ' x '.rstrip() }}]"),
    ("Methods", "startswith_endswith", "{{ s.startswith('Hello') }} {{ s.endswith('World') }} {{ s.startswith(('x', 'He')) }} {{ s.endswith('x') }} {{ ''.startswith('') }}"),
    ("Methods", "case_methods", "{{ s.upper() }} {{ s.lower() }} {{ 'hello wORLD they\\'re'.title() }} {{ 'hELLO'.capitalize() }} {{ 'aBc'.swapcase() }}"),
    ("Methods", "find_count_replace", "{{ s.find('o') }} {{ s.rfind('o') }} {{ s.find('z') }} {{ s.count('l') }} {{ s.replace('l', 'L') }} {{ s.replace('l', 'L', 1) }} {{ u8.find('你') }} {{ s.index('W') }}"),
    ("Methods", "format_method", "{{ '{} and {}'.format('a', 'b') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name} is {age}'.format(name='Bob', age=3) }} {{ '{:>6}|{:<4}|{:^5}|{:.2f}|{:05d}|{:,}|{!r}'.format('ab', 'c', 'd', 3.14159, 42, 1234567, 'q') }} {{ '{0[role]} {1.b}'.format(messages[0], d) }} {{ '{{x}}'.format() }}"),
    ("Methods", "misc_str_methods", "{{ ', '.join(['a', 'b']) }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ '42'.isdigit() }} {{ 'a1'.isalnum() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ '7'.zfill(3) }} {{ 'k=v=w'.partition('=') }} {{ 'k=v=w'.rpartition('=') }} {{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }}{{ 'ab'.rjust(4) }}"),
    ("Methods", "dict_methods", "{{ d.keys()|list }} {{ d.values()|list|length }} {{ d.items()|list|first }} {{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'dflt') }} {% for k, v in d.items() %}{{ k }}{% endfor %}"),
    ("Methods", "list_methods", "{{ l.index(1) }} {{ l.count(3) }} {{ [1, 1, 2].count(1) }}"),
    # ---- globals ----
    ("Globals", "range", "{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }} {{ range(2, 2)|list }}"),
    ("Globals", "dict_cycler_joiner", "{{ dict(a=1, b=2) }} {{ dict({'x': 1}) }} {% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }} {% set j = joiner('|') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}"),
    # ---- realistic chat-template idioms ----
    ("Idioms", "system_message_extraction", "{% if messages[0]['role'] == 'system' %}{% set system_message = messages[0]['content']|trim %}{% set loop_messages = messages[1:] %}{% else %}{% set system_message = '' %}{% set loop_messages = messages %}{% endif %}<<{{ system_message }}>>{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}[{{ message['role'] }}:{{ message['content'] }}]{% endfor %}"),
    ("Idioms", "think_stripping", "{% for m in messages %}{% if m.role == 'assistant' and '</think>' in m.content %}{{ m.content.split('</think>')[-1].lstrip('\\n') }}|{{ m.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}{% endif %}{% endfor %}"),
    ("Idioms", "tool_call_arguments", "{% for tc in calls %}{% if tc.function is defined %}{% set tc = tc.function %}{% endif %}{\"name\": \"{{ tc.name }}\", \"arguments\": {{ tc.arguments if tc.arguments is string else tc.arguments|tojson }}}\n{% endfor %}",
     {"calls": [{"function": {"name": "a", "arguments": {"x": 1, "y": [True, None]}}}, {"name": "b", "arguments": "{\"raw\": 1}"}]}),
    ("Idioms", "content_parts", "{% for m in msgs %}{% if m.content is string %}{{ m.content }}{% else %}{% for part in m.content %}{% if part.type == 'text' %}{{ part.text }}{% elif part.type == 'image' %}<image>{% endif %}{% endfor %}{% endif %}\n{% endfor %}",
     {"msgs": [{"role": "user", "content": "plain"}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "describe"}]}]}),
    # ---- jinja2 quirks the engine reproduces ----
    ("Quirks", "generator_truthiness", "{{ 'yes' if [1]|select('>', 5) else 'no' }} {{ 'yes' if []|map('upper') else 'no' }} {{ none|map('string')|list }} {{ 'x'|map('upper')|list }}"),
    ("Quirks", "percent_with_subscriptable_args", "[{{ 'plain' % [1, 2] }}][{{ 'plain' % {'a': 1} }}][{{ '%s' % undefined_var }}][{{ 'x%sy' % [1] }}]"),
    ("Quirks", "constant_slice_folding", "[{{ (3)[1:] }}][{{ none[::-1] }}][{{ ({'a': 1})[1:]|length }}]{% if (1.5)[:2] is defined %}d{% endif %}"),
    ("Quirks", "unterminated_comment_at_end", "a {#"),
    ("Quirks", "raw_at_end", "a {% raw %}"),
    ("Quirks", "center_converts_indent_does_not", "[{{ 5|center(5) }}][{{ none|center(6) }}][{{ undefined_var|center(3) }}]"),
    ("Quirks", "undefined_and_generators_as_keys", "{{ undefined_var in {'a': 1} }} {{ [1]|reverse in {'a': 1} }}"),
    ("Quirks", "filter_name_with_dot_in_if", "{% if false %}{{ x|tojson.split() }}{% endif %}ok"),
    ("Quirks", "test_argument_without_parentheses", "{{ 3 is divisibleby 3 }} {{ 'a' is in 'abc' }} {{ n is sameas n }} {{ x is defined and 1 }}"),
    ("Quirks", "markup_propagation", "{{ ('<b>'|safe) ~ '<i>' }} {{ ('<b>'|safe) + '<i>' }} {{ '<i>' + ('<b>'|safe) }} {{ ('%s'|safe) % '<x>' }} {{ ('<'|safe)|upper }}"),
    ("Quirks", "tojson_of_tuple_and_nested_markup", "{{ ((1, 'a'), ['<'|safe])|tojson }}"),
    ("Quirks", "int_float_edge_cases", "{{ '1e3'|int }} {{ '0b101'|int(base=2) }} {{ 'z'|int(base=36) }} {{ '1_0.5'|float }} {{ 'nan'|float }} {{ '-inf'|float }} {{ '+12'|int }} {{ '12'|int(base=8) }}"),
    ("Quirks", "float_literal_overflow", "{{ 1e400 }} {{ -1e400 }} {{ 1e-400 }}"),
    ("Quirks", "string_escapes_in_literals", "{{ 'a\\\nb' }}|{{ '\\101\\x42\\u0043\\U0001F980' }}|{{ '\\q' }}"),
    ("Quirks", "dict_literal_key_types", "{{ {1: 'a', 1.0: 'b', true: 'c'} }} {{ {(1, 2): 'x'}[(1, 2)] }} {{ {none: 1}[none] }}"),
    ("Quirks", "chained_tests_and_filters", "{{ 'abc'|upper is upper }} {{ -1|abs is odd }} {{ [1, 2]|length is even }} {{ not 'x' is none }}"),
    ("Quirks", "unpacking_strings_and_nested", "{% set a, b = 'xy' %}{{ b }}{{ a }}{% for p, (q, r) in [(1, (2, 3))] %}{{ p }}{{ q }}{{ r }}{% endfor %}"),
    ("Quirks", "loop_in_else_and_after", "{{ loop is defined }}{% for x in [1] %}{{ loop is defined }}{% endfor %}{% for x in [] %}{% else %}{{ loop is defined }}{% endfor %}"),
    ("Quirks", "break_in_else_leaves_outer_loop", "{% for x in [1, 2] %}{% for y in [] %}{% else %}{% break %}{% endfor %}{{ x }}{% endfor %}after"),
    ("Quirks", "namespace_list_growth", "{% set ns = namespace(items=[]) %}{% for i in range(3) %}{% set ns.items = ns.items + [i * 2] %}{% endfor %}{{ ns.items }} {{ ns.items|sum }}"),
    ("Quirks", "set_in_loop_seen_by_nested_macro", "{% for i in [1, 2] %}{% set x = i * 10 %}{% macro m() %}{{ x }}{% endmacro %}{{ m() }}{% endfor %}"),
    ("Quirks", "macro_default_uses_earlier_param", "{%- macro m(a, b=a ~ '!') -%}{{ b }}{%- endmacro -%}{{ m('x') }}{{ m('y', 'z') }}"),
    # ---- errors (Python raises; the engine must raise too) ----
    ("Errors", "raise_exception", "{{ raise_exception('Only user and assistant roles are supported!') }}"),
    ("Errors", "undefined_attribute_chain", "{{ nope.attr }}"),
    ("Errors", "missing_key_chain", "{{ d.missing.deeper }}"),
    ("Errors", "str_plus_int", "{{ 'a' + 1 }}"),
    ("Errors", "concat_then_add", "{{ 'a' ~ 1 + 2 }}"),
    ("Errors", "compare_mixed", "{{ 1 < 'a' }}"),
    ("Errors", "list_append_is_unsafe", "{% set l2 = [] %}{{ l2.append(1) }}"),
    ("Errors", "dict_update_is_unsafe", "{{ d.update({'x': 1}) }}"),
    ("Errors", "range_too_big", "{{ range(200000)|length }}"),
    ("Errors", "division_by_zero", "{{ 1 / 0 }}"),
    ("Errors", "call_undefined", "{{ nope() }}"),
    ("Errors", "iterate_none", "{% for x in none %}{% endfor %}"),
    ("Errors", "unknown_filter", "{{ 1|no_such_filter }}"),
    ("Errors", "unknown_test", "{{ 1 is no_such_test }}"),
    ("Errors", "unknown_tag", "{% frobnicate %}"),
    ("Errors", "unclosed_if", "{% if true %}x"),
    ("Errors", "unclosed_variable", "{{ x "),
    ("Errors", "bad_expression", "{{ 1 + }}"),
    ("Errors", "endfor_without_for", "{% endfor %}"),
    ("Errors", "break_outside_loop", "{% break %}"),
    ("Errors", "macro_too_many_args", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
    ("Errors", "unpack_mismatch", "{% set a, b = [1, 2, 3] %}"),
    ("Errors", "set_attr_non_namespace", "{% set x = {} %}{% set x.a = 1 %}"),
    ("Errors", "int_of_undefined", "{{ nope|int }}"),
    ("Errors", "tojson_undefined", "{{ nope|tojson }}"),
    ("Errors", "items_of_list", "{{ l|items|list }}"),
    ("Errors", "slice_of_runtime_non_sequence", "{% set v = n %}{{ v[1:] }}"),
    ("Errors", "slice_of_dict_variable", "{{ d[1:] }}"),
    ("Errors", "indent_of_number", "{{ 3|indent }}"),
    ("Errors", "test_with_stray_argument", "{{ 1 is defined in (1, 2) }}"),
    ("Errors", "percent_not_all_converted", "{{ 'x' % 5 }}"),
    ("Errors", "generator_has_no_length", "{{ [1, 2]|select|length }}"),
    ("Errors", "pop_is_unsafe", "{{ l.pop() }}"),
    ("Errors", "dunder_is_unsafe", "{{ ''.__class__() }}"),
    ("Errors", "unterminated_comment_before_text", "{# c"),
    ("Errors", "raw_unterminated_before_text", "{% raw %}x"),
    # ---- deferred errors: jinja2 only fails when the code runs ----
    ("Deferred", "unknown_filter_in_if", "{% if false %}{{ x|no_such_filter }}{% endif %}ok"),
    ("Deferred", "unknown_filter_in_inline_if", "{{ x|no_such_filter if false }}ok"),
    ("Deferred", "raise_in_untaken_branch", "{% if false %}{{ raise_exception('boom') }}{% endif %}ok"),
]


def main():
    cases = []
    for case in CASES:
        group, name, template = case[:3]
        extra = case[3] if len(case) > 3 else {}
        ctx = dict(CTX)
        ctx.update(extra)
        entry = {"group": group, "name": name, "template": template}
        if extra:
            entry["extra"] = extra
        try:
            entry["expected"] = ENV.from_string(template).render(**ctx)
        except Exception as e:  # noqa: BLE001 -- any jinja2/Python error is an expected error
            entry["error"] = f"{type(e).__name__}: {e}"
        cases.append(entry)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jinja_cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"jinja2_version": jinja2.__version__, "context": CTX, "cases": cases}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
