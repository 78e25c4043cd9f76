// Splits a reasoning model's streamed output into its thought (between <think> and </think>)
// and its answer, as the text arrives token by token.
//
// R1 chat templates end the prompt with "<｜Assistant｜><think>\n", so the thought is already
// open when generation starts and the model only ever writes the closing tag; other models
// write "<think>" themselves. Tags may arrive split across tokens ("</thi" + "nk>"), so text
// that could be the start of a tag is held back until it is decided.
#pragma once
#include <string>
#include <string_view>

namespace edgeseek {

// The blanks around a thought and at the start of the answer (ASCII space, tab, CR, LF): what
// the parser skips after a closing tag and the terminal display trims.
inline bool is_blank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

struct ReasoningDelta {
    std::string reasoning;  // new thought text
    std::string content;    // new answer text
    bool empty() const { return reasoning.empty() && content.empty(); }
};

// The tags around a thought (R1 and Qwen3 use these).
struct ReasoningTags {
    std::string open = "<think>";
    std::string close = "</think>";
};

class ReasoningParser {
public:
    enum class State {
        Start,      // nothing decided yet: the output may open a thought itself
        Reasoning,  // inside the thought
        Content,    // the answer (a thought, if any, is over)
    };

    // thought_open: the prompt ended with the open tag (see prompt_opens_reasoning()).
    explicit ReasoningParser(bool thought_open, ReasoningTags tags = {});

    // Feeds generated text; returns what can be attributed now. Text that may be part of a
    // tag is held back until the next push() or flush().
    ReasoningDelta push(std::string_view text);
    // End of the stream: releases what was held back. A thought never closed stays reasoning.
    ReasoningDelta flush();

    State state() const { return state_; }
    bool in_reasoning() const { return state_ == State::Reasoning; }
    // The close tag was seen (the thought is complete).
    bool thought_closed() const { return closed_; }
    // Everything attributed so far.
    const std::string& reasoning() const { return reasoning_; }
    const std::string& content() const { return content_; }

private:
    void process(ReasoningDelta& out, bool final);
    void emit_reasoning(ReasoningDelta& out, std::string_view s);
    void emit_content(ReasoningDelta& out, std::string_view s);

    ReasoningTags tags_;
    State state_;
    bool closed_ = false;
    bool thought_blank_ = true;  // the thought holds only whitespace so far
    std::string pending_;        // undecided text
    std::string reasoning_, content_;
};

// True when the rendered prompt ends inside an open thought: its last tag, ignoring trailing
// whitespace, is the open tag (R1: "...<｜Assistant｜><think>\n").
bool prompt_opens_reasoning(std::string_view prompt, const ReasoningTags& tags = {});

}  // namespace edgeseek
