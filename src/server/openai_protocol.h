// OpenAI's chat/completions request and response bodies: parsing with validation (a wrong
// field is a 400 naming it) and the JSON of replies, stream chunks and usage. Reasoning comes
// back as `reasoning_content` beside `content`, as DeepSeek's own API returns it.
// https://platform.openai.com/docs/api-reference/chat
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sampling/sampler.h"

namespace edgeseek {

// What a request asks of the generation, whichever endpoint it came through.
struct GenerationParams {
    SamplingParams sampling;
    int64_t max_tokens = -1;    // -1: until end of text or the context is full
    int64_t think_budget = -1;  // thought tokens before the engine closes the thought; -1: no limit
    std::vector<std::string> stop;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage
};

struct ChatRequest {
    std::string model;
    nlohmann::ordered_json messages;       // validated: roles and string contents
    nlohmann::ordered_json template_vars;  // chat_template_kwargs
    GenerationParams gen;
};

struct CompletionRequest {
    std::string model;
    std::string prompt;                // when given as text
    std::vector<int32_t> prompt_ids;   // when given as token ids
    bool has_ids = false;
    GenerationParams gen;
};

// Throw ApiError(400) naming the field on malformed JSON, wrong types or values out of range.
nlohmann::json parse_json_body(const std::string& body);
ChatRequest parse_chat_request(const std::string& body, const SamplingParams& defaults);
CompletionRequest parse_completion_request(const std::string& body, const SamplingParams& defaults);

struct Usage {
    int64_t prompt_tokens = 0;
    int64_t cached_tokens = 0;  // of the prompt, taken from a slot's KV cache
    int64_t completion_tokens = 0;
    int64_t reasoning_tokens = 0;
};

nlohmann::json usage_json(const Usage& u);

// Identity of one response: every chunk of a stream carries the same id/created/model.
struct ResponseMeta {
    std::string id;
    int64_t created = 0;
    std::string model;
};
ResponseMeta new_response_meta(const std::string& prefix, const std::string& model);

nlohmann::json chat_completion_json(const ResponseMeta& m, const std::string& reasoning, const std::string& content,
                                    const std::string& finish_reason, const Usage& u);
// delta: {"role"?, "content"?, "reasoning_content"?}; finish_reason "" = null.
nlohmann::json chat_chunk_json(const ResponseMeta& m, const nlohmann::json& delta, const std::string& finish_reason);
nlohmann::json text_completion_json(const ResponseMeta& m, const std::string& text, const std::string& finish_reason,
                                    const Usage& u);
nlohmann::json text_chunk_json(const ResponseMeta& m, const std::string& text, const std::string& finish_reason);
// The final chunk of a stream with include_usage: empty choices, the usage.
nlohmann::json usage_chunk_json(const ResponseMeta& m, const char* object, const Usage& u);

// One server-sent event ("data: JSON\n\n"); invalid UTF-8 is replaced, never sent.
std::string sse_data(const nlohmann::json& j);
std::string dump_json(const nlohmann::json& j);

}  // namespace edgeseek
