#!/usr/bin/env python3
"""Regenerates official_renders.json: conversations rendered with the official chat templates
of Llama 3 / Llama 3.1 (llama3.jinja, llama31.jinja: meta-llama's tokenizer_config.json) and
Qwen2.5-Instruct (qwen25.jinja), by Python jinja2 configured as transformers configures it
and called as transformers' apply_chat_template calls it (tools and documents passed, None
when absent; special tokens only when the tokenizer has them).

Run: python3 tests/chat/data/make_official_renders.py   (needs Jinja2 3.1.x)
"""
import json
import os

from make_jinja_cases import ENV

HERE = os.path.dirname(os.path.abspath(__file__))

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
SEARCH = {"type": "function", "function": {"name": "search", "description": "Web search — ünïcode",
                                           "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}

CHATS = {
    "single_turn": [{"role": "user", "content": "What is 17 * 23?"}],
    "system_and_multi_turn": [
        {"role": "system", "content": "  You are a pirate.  "},
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Arr, hello matey. "},
        {"role": "user", "content": "解释量子计算原理 🦀"},
    ],
    "tool_call_round_trip": [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_current_weather",
                                              "arguments": {"location": "Paris, France", "unit": "celsius"}}}]},
        {"role": "tool", "name": "get_current_weather", "content": "22"},
        {"role": "assistant", "content": "It is 22 °C in Paris."},
        {"role": "user", "content": "Thanks"},
    ],
    "two_tool_results": [
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Paris"}}},
            {"type": "function", "function": {"name": "get_current_weather", "arguments": {"location": "Rome"}}}]},
        {"role": "tool", "content": "{\"temp\": 21}"},
        {"role": "tool", "content": "{\"temp\": 25}"},
    ],
    "tool_content_mapping": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"function": {"name": "search", "arguments": {"q": "x"}}}]},
        {"role": "tool", "content": {"results": ["a", "b"], "count": 2}},
    ],
}

# (template file, bos, eos, chat name, add_generation_prompt, tools, extra variables)
RENDERS = [
    ("llama3.jinja", "<|begin_of_text|>", "<|eot_id|>", "single_turn", True, None, {}),
    ("llama3.jinja", "<|begin_of_text|>", "<|eot_id|>", "system_and_multi_turn", False, None, {}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "single_turn", True, None, {}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "system_and_multi_turn", True, None, {}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "system_and_multi_turn", False, None, {"date_string": "01 Jan 2025"}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "single_turn", True, [WEATHER], {}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "system_and_multi_turn", True, [WEATHER, SEARCH],
     {"tools_in_user_message": False}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "tool_call_round_trip", True, [WEATHER], {}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "tool_content_mapping", True, None, {}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "single_turn", True, None,
     {"builtin_tools": ["brave_search", "wolfram_alpha", "code_interpreter"]}),
    ("llama31.jinja", "<|begin_of_text|>", "<|eot_id|>", "two_tool_results", True, [WEATHER], {}),
    ("qwen25.jinja", None, "<|im_end|>", "single_turn", True, None, {}),
    ("qwen25.jinja", None, "<|im_end|>", "system_and_multi_turn", False, None, {}),
    ("qwen25.jinja", None, "<|im_end|>", "single_turn", True, [WEATHER, SEARCH], {}),
    ("qwen25.jinja", None, "<|im_end|>", "system_and_multi_turn", True, [WEATHER], {}),
    ("qwen25.jinja", None, "<|im_end|>", "tool_call_round_trip", True, [WEATHER], {}),
    ("qwen25.jinja", None, "<|im_end|>", "two_tool_results", True, [WEATHER], {}),
]


def main():
    out = []
    for template, bos, eos, chat, gen, tools, extra in RENDERS:
        with open(os.path.join(HERE, template), encoding="utf-8") as f:
            source = f.read()
        ctx = {"messages": CHATS[chat], "tools": tools, "documents": None, "add_generation_prompt": gen}
        if bos is not None:
            ctx["bos_token"] = bos
        if eos is not None:
            ctx["eos_token"] = eos
        ctx.update(extra)
        entry = {"template": template, "chat": chat, "bos_token": bos, "eos_token": eos, "messages": CHATS[chat],
                 "add_generation_prompt": gen, "extra": dict(extra, **({"tools": tools} if tools else {}))}
        try:
            entry["expected"] = ENV.from_string(source).render(**ctx)
        except Exception as e:  # noqa: BLE001
            entry["error"] = f"{type(e).__name__}: {e}"
        out.append(entry)
    path = os.path.join(HERE, "official_renders.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(out)} renders to {path}")


if __name__ == "__main__":
    main()
