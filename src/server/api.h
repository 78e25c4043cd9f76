// The OpenAI-compatible endpoints, independent of the HTTP library: each takes the request
// body and returns a complete response or an SSE stream. Errors are thrown as ApiError.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/chat_format.h"
#include "server/metrics.h"
#include "server/openai_protocol.h"
#include "server/request_channel.h"
#include "server/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

// The server-sent events of one streamed reply: chunks as deltas arrive, the finish chunk,
// the usage chunk when asked for, then "data: [DONE]". An engine error mid-stream becomes an
// event {"error": {...}} (OpenAI clients raise it) before [DONE].
class SseStream {
public:
    enum class Kind { Chat, Completion };
    SseStream(Kind kind, ResponseMeta meta, bool include_usage, std::shared_ptr<RequestChannel> channel);

    // Appends the next text to send to `out`, waiting up to `wait` for the engine (out stays
    // empty on timeout). False once the stream is complete (after its last text).
    bool next(std::string& out, std::chrono::milliseconds wait);
    // The client went away: the engine stops and frees the slot.
    void cancel() { channel_->cancel(); }

private:
    Kind kind_;
    ResponseMeta meta_;
    bool include_usage_;
    std::shared_ptr<RequestChannel> channel_;
    bool started_ = false, done_ = false;
};

struct ApiResponse {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::shared_ptr<SseStream> stream;  // set: the body is this event stream
};

struct ApiConfig {
    std::string model_id;         // what /v1/models lists and replies name
    SamplingParams defaults;      // for fields a request leaves out
    int64_t default_think_budget = -1;
};

class Api {
public:
    // format may be null (the model has no chat template: chat requests are refused).
    Api(const Tokenizer& tok, const ChatFormat* format, Scheduler& scheduler, ServerMetrics& metrics, ApiConfig config);

    ApiResponse chat_completions(const std::string& body);
    ApiResponse completions(const std::string& body);
    ApiResponse models() const;
    ApiResponse tokenize(const std::string& body) const;
    ApiResponse detokenize(const std::string& body) const;
    ApiResponse metrics() const;

private:
    // Waits for the whole reply of a non-streamed request.
    struct Collected {
        std::string reasoning, content, finish_reason;
        Usage usage;
    };
    static Collected collect(RequestChannel& channel);
    // Submits a generation; the SSE stream of `kind`, or the whole reply as one JSON body.
    ApiResponse run(GenerationJob job, SseStream::Kind kind);

    const Tokenizer& tok_;
    const ChatFormat* format_;
    Scheduler& scheduler_;
    ServerMetrics& metrics_;
    ApiConfig config_;
};

}  // namespace edgeseek
