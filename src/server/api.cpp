#include "server/api.h"

#include "chat/reasoning_parser.h"
#include "core/error.h"
#include "server/api_error.h"

namespace edgeseek {
namespace {

using json = nlohmann::json;

ApiResponse json_response(const json& j, int status = 200) {
    ApiResponse r;
    r.status = status;
    r.body = dump_json(j);
    return r;
}

ApiError engine_error(const StreamEvent& e) {
    return ApiError(e.status, e.error, "server_error", e.status == 503 ? "unavailable" : "internal_error");
}

}  // namespace

SseStream::SseStream(Kind kind, ResponseMeta meta, bool include_usage, std::shared_ptr<RequestChannel> channel)
    : kind_(kind), meta_(std::move(meta)), include_usage_(include_usage), channel_(std::move(channel)) {}

bool SseStream::next(std::string& out, std::chrono::milliseconds wait) {
    if (done_) return false;
    const bool chat = kind_ == Kind::Chat;
    auto chunk = [&](const json& delta, const std::string& text, const std::string& finish) {
        json j = chat ? chat_chunk_json(meta_, delta, finish) : text_chunk_json(meta_, text, finish);
        if (include_usage_) j["usage"] = nullptr;
        out += sse_data(j);
    };
    if (!started_) {
        started_ = true;
        if (chat) chunk({{"role", "assistant"}, {"content", ""}}, "", "");
    }
    StreamEvent e;
    // Everything already waiting goes out in one write.
    for (bool first = true; channel_->pop(e, first ? wait : std::chrono::milliseconds(0)); first = false) {
        switch (e.kind) {
            case StreamEvent::Kind::Delta: {
                json delta = json::object();
                if (!e.reasoning.empty()) delta["reasoning_content"] = e.reasoning;
                if (!e.content.empty()) delta["content"] = e.content;
                chunk(delta, e.content, "");
                break;
            }
            case StreamEvent::Kind::Done:
                chunk(json::object(), "", e.finish_reason);
                if (include_usage_) out += sse_data(usage_chunk_json(meta_, chat ? "chat.completion.chunk" : "text_completion", e.usage));
                out += "data: [DONE]\n\n";
                done_ = true;
                return true;
            case StreamEvent::Kind::Error:
                out += sse_data(engine_error(e).to_json());
                out += "data: [DONE]\n\n";
                done_ = true;
                return true;
        }
    }
    return true;
}

Api::Api(const Tokenizer& tok, const ChatFormat* format, Scheduler& scheduler, ServerMetrics& metrics, ApiConfig config)
    : tok_(tok), format_(format), scheduler_(scheduler), metrics_(metrics), config_(std::move(config)) {}

Api::Collected Api::collect(RequestChannel& channel) {
    Collected c;
    StreamEvent e;
    for (;;) {
        if (!channel.pop(e, std::chrono::milliseconds(1000))) continue;
        switch (e.kind) {
            case StreamEvent::Kind::Delta:
                c.reasoning += e.reasoning;
                c.content += e.content;
                break;
            case StreamEvent::Kind::Done:
                c.finish_reason = e.finish_reason;
                c.usage = e.usage;
                return c;
            case StreamEvent::Kind::Error: throw engine_error(e);
        }
    }
}

ApiResponse Api::chat_completions(const std::string& body) {
    ChatRequest req = parse_chat_request(body, config_.defaults);
    if (!format_) {
        throw ApiError(400, "this model has no chat template: use /v1/completions, or start the server with --chat-template FILE",
                       "invalid_request_error", "no_chat_template", "messages");
    }
    std::string prompt;
    try {
        prompt = format_->render(req.messages, true, req.template_vars);
    } catch (const Error& e) {
        throw ApiError::invalid("messages", std::string("the chat template refused the messages: ") + e.what());
    }
    GenerationJob job;
    job.prompt = tok_.encode(prompt, true, true);
    job.gen = std::move(req.gen);
    if (job.gen.think_budget < 0) job.gen.think_budget = config_.default_think_budget;
    job.chat = true;
    job.thought_open = prompt_opens_reasoning(prompt);
    job.prompt_field = "messages";
    return run(std::move(job), SseStream::Kind::Chat);
}

ApiResponse Api::completions(const std::string& body) {
    CompletionRequest req = parse_completion_request(body, config_.defaults);
    GenerationJob job;
    job.prompt = req.has_ids ? req.prompt_ids : tok_.encode(req.prompt, true, true);
    job.gen = std::move(req.gen);
    job.prompt_field = "prompt";
    return run(std::move(job), SseStream::Kind::Completion);
}

ApiResponse Api::run(GenerationJob job, SseStream::Kind kind) {
    const bool chat = kind == SseStream::Kind::Chat;
    const bool stream = job.gen.stream, include_usage = job.gen.include_usage;
    auto channel = scheduler_.submit(std::move(job));
    const ResponseMeta meta = new_response_meta(chat ? "chatcmpl-" : "cmpl-", config_.model_id);
    ApiResponse r;
    if (stream) {
        r.content_type = "text/event-stream";
        r.stream = std::make_shared<SseStream>(kind, meta, include_usage, channel);
        return r;
    }
    const Collected c = collect(*channel);
    return json_response(chat ? chat_completion_json(meta, c.reasoning, c.content, c.finish_reason, c.usage)
                              : text_completion_json(meta, c.content, c.finish_reason, c.usage));
}

ApiResponse Api::models() const {
    const ResponseMeta m = new_response_meta("", config_.model_id);
    json model = {{"id", config_.model_id}, {"object", "model"}, {"created", m.created}, {"owned_by", "edgeseek"}};
    model["meta"] = {{"n_ctx", scheduler_.options().n_ctx}, {"n_parallel", scheduler_.options().n_slots}};
    return json_response({{"object", "list"}, {"data", json::array({model})}});
}

ApiResponse Api::tokenize(const std::string& body) const {
    const json j = parse_json_body(body);
    if (!j.contains("content") || !j["content"].is_string()) throw ApiError::invalid("content", "'content' must be a string");
    bool add_special = false;
    if (j.contains("add_special")) {
        if (!j["add_special"].is_boolean()) throw ApiError::invalid("add_special", "'add_special' must be true or false");
        add_special = j["add_special"].get<bool>();
    }
    return json_response({{"tokens", tok_.encode(j["content"].get<std::string>(), add_special, true)}});
}

ApiResponse Api::detokenize(const std::string& body) const {
    const json j = parse_json_body(body);
    if (!j.contains("tokens") || !j["tokens"].is_array()) throw ApiError::invalid("tokens", "'tokens' must be an array of token ids");
    std::vector<TokenId> ids;
    for (const json& t : j["tokens"]) {
        if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= tok_.n_vocab()) {
            throw ApiError::invalid("tokens", "'tokens' must hold token ids between 0 and " + std::to_string(tok_.n_vocab() - 1));
        }
        ids.push_back(t.get<TokenId>());
    }
    return json_response({{"content", tok_.decode(ids)}});
}

ApiResponse Api::metrics() const {
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.prometheus(scheduler_.snapshot());
    return r;
}

}  // namespace edgeseek
