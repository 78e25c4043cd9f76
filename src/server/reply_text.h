// The text of one reply as it is generated, token piece by token piece: complete UTF-8 only,
// split into thought and answer (chat), cut at the first stop string (the answer only: a stop
// string never ends a thought), and trimmed of the blank lines around each part exactly as the
// non-streaming reply is, so concatenated deltas equal the final message.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/reasoning_parser.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

// Finds the first of several stop strings in streamed text; text that may be the start of one
// is held back until decided.
class StopMatcher {
public:
    explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}
    // Text that is certainly before any stop string.
    std::string push(std::string_view text);
    // End of the stream: what was held back (nothing after a match).
    std::string flush();
    bool matched() const { return matched_; }

private:
    std::vector<std::string> stops_;
    std::string held_;
    bool matched_ = false;
};

// Drops leading whitespace and holds trailing whitespace until more text follows it, so the
// streamed parts add up to the trimmed whole.
class TrimmedStream {
public:
    explicit TrimmedStream(bool enabled) : enabled_(enabled) {}
    std::string push(std::string_view text);

private:
    bool enabled_;
    bool started_ = false;
    std::string held_;
};

class ReplyText {
public:
    // chat: split the thought from the answer and trim both (else the text is raw, as for
    // /v1/completions). thought_open: the prompt ended with <think>.
    ReplyText(bool chat, bool thought_open, std::vector<std::string> stops);

    ReasoningDelta push(const std::string& piece);
    // End of the reply: releases what was held back (a partial character becomes U+FFFD).
    ReasoningDelta finish();

    bool in_reasoning() const { return parser_ && parser_->in_reasoning(); }
    bool stopped() const { return stop_.matched(); }
    const std::string& reasoning() const { return reasoning_; }
    const std::string& content() const { return content_; }

private:
    ReasoningDelta route(const ReasoningDelta& d, bool final);

    Utf8StreamDecoder utf8_;
    std::optional<ReasoningParser> parser_;
    StopMatcher stop_;
    TrimmedStream trim_reasoning_, trim_content_;
    std::string reasoning_, content_;  // everything delivered
};

}  // namespace edgeseek
