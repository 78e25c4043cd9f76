// One model talking: renders the whole conversation with the chat template every turn,
// reuses the KV cache for the prefix it shares with what is already cached, streams the
// reply split into thought and answer, closes an overlong thought (--think-budget), and
// drops the oldest turns when the context fills. The CLI's `chat` and `run --chat` and the
// server drive this; they only decide how the text is shown.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_format.h"
#include "chat/conversation.h"
#include "engine/session.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

struct ChatOptions {
    SamplingParams sampling;
    int64_t max_tokens = -1;    // per reply, sampled tokens; -1: until end of text or a full context
    int64_t think_budget = -1;  // thought tokens before the engine closes the thought; -1: no limit
    bool context_shift = true;  // drop the oldest turns when the context fills
    nlohmann::ordered_json template_vars = nlohmann::ordered_json::object();  // enable_thinking, tools, ...
};

enum class StopReason { EndOfText, TokenLimit, Interrupted, ContextFull };
// OpenAI-style finish_reason: "stop", "length", "interrupted", "context_full".
const char* stop_reason_name(StopReason r);

struct TurnStats {
    int64_t prompt_tokens = 0;      // the whole rendered conversation
    int64_t reused_tokens = 0;      // of those, taken from the KV cache
    int64_t evaluated_tokens = 0;   // of those, computed this turn
    int64_t completion_tokens = 0;  // sampled tokens
    int64_t reasoning_tokens = 0;   // sampled while the thought was open (closing tag excluded)
    int64_t inserted_tokens = 0;    // the engine's closing tag when the think budget ran out
    int64_t dropped_turns = 0;      // context shift
    double prompt_ms = 0, generation_ms = 0, reasoning_ms = 0;
};

// What a caller sees while a reply is generated; every member may be empty.
struct TurnEvents {
    std::function<void(const std::string&)> reasoning;  // thought text, streamed
    std::function<void(const std::string&)> content;    // answer text, streamed
    std::function<void(int64_t tokens, double seconds)> thought_done;  // the thought closed
    std::function<void(const std::string&)> notice;     // e.g. turns dropped to fit the context
    std::function<bool()> stop_requested;                // polled once per token (Ctrl-C)
};

struct TurnResult {
    std::string reasoning, content;  // trimmed, as stored in the conversation
    StopReason stop = StopReason::EndOfText;
    TurnStats stats;
};

struct ChatTotals {
    int64_t turns = 0, reused_tokens = 0, evaluated_tokens = 0, completion_tokens = 0, reasoning_tokens = 0,
            dropped_turns = 0;
};

class ChatEngine {
public:
    // session and tokenizer must outlive the engine.
    ChatEngine(Session& session, const Tokenizer& tokenizer, ChatFormat format, ChatOptions options);

    // Appends the user message, generates the reply and appends it (answer as content,
    // thought as reasoning_content; also after an interruption). On an error before
    // generation (the message does not fit) the conversation is left as it was.
    TurnResult respond(Conversation& conv, const std::string& user_text, const TurnEvents& events = {});
    // Generates and appends the assistant's reply to the conversation as it stands.
    TurnResult reply(Conversation& conv, const TurnEvents& events = {});

    // The conversation rendered with the generation prompt, and its tokens (special tokens
    // parsed, BOS only where the template did not already write it).
    std::string render_prompt(const Conversation& conv) const;
    std::vector<TokenId> tokenize(const std::string& rendered) const;

    ChatOptions& options() { return opts_; }
    const ChatFormat& format() const { return format_; }
    const Session& session() const { return session_; }
    const TurnStats& last_turn() const { return last_; }
    const ChatTotals& totals() const { return totals_; }
    void reset_stats();
    uint64_t seed() const { return sampler_.seed(); }

private:
    struct Turn;
    std::vector<TokenId> fit_prompt(Conversation& conv, const TurnEvents& ev, Turn& t);
    bool make_room(Conversation& conv, const TurnEvents& ev, Turn& t, size_t needed);
    void close_thought(Turn& t, const TurnEvents& ev);
    void generate(Conversation& conv, const TurnEvents& ev, Turn& t);
    int64_t generation_reserve() const;

    Session& session_;
    const Tokenizer& tok_;
    ChatFormat format_;
    ChatOptions opts_;
    Sampler sampler_;
    TurnStats last_;
    ChatTotals totals_;
};

}  // namespace edgeseek
