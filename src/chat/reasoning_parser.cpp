#include "chat/reasoning_parser.h"

#include <algorithm>

namespace edgeseek {
namespace {

size_t skip_space(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && is_blank(s[i])) ++i;
    return i;
}

// Length of the longest suffix of s that is a proper prefix of tag (text that may become
// the tag once more arrives).
size_t partial_tag_suffix(std::string_view s, std::string_view tag) {
    for (size_t k = std::min(s.size(), tag.size() - 1); k > 0; --k) {
        if (s.substr(s.size() - k) == tag.substr(0, k)) return k;
    }
    return 0;
}

}  // namespace

ReasoningParser::ReasoningParser(bool thought_open, ReasoningTags tags)
    : tags_(std::move(tags)), state_(thought_open ? State::Reasoning : State::Start) {}

ReasoningDelta ReasoningParser::push(std::string_view text) {
    ReasoningDelta out;
    pending_.append(text);
    process(out, false);
    return out;
}

ReasoningDelta ReasoningParser::flush() {
    ReasoningDelta out;
    process(out, true);
    return out;
}

void ReasoningParser::emit_reasoning(ReasoningDelta& out, std::string_view s) {
    if (s.empty()) return;
    if (skip_space(s) < s.size()) thought_blank_ = false;
    out.reasoning.append(s);
    reasoning_.append(s);
}

void ReasoningParser::emit_content(ReasoningDelta& out, std::string_view s) {
    out.content.append(s);
    content_.append(s);
}

void ReasoningParser::process(ReasoningDelta& out, bool final) {
    const std::string_view open = tags_.open, close = tags_.close;
    for (;;) {
        const std::string_view p = pending_;
        if (state_ == State::Start) {
            // Only leading whitespace may come before a thought the model opens itself.
            const size_t ws = skip_space(p);
            const std::string_view rest = p.substr(ws);
            if (rest.starts_with(open)) {
                pending_.erase(0, ws + open.size());
                state_ = State::Reasoning;
                continue;
            }
            if (!final && open.starts_with(rest)) return;  // maybe the open tag, not complete yet
            state_ = State::Content;
            continue;
        }
        if (state_ == State::Content) {
            emit_content(out, p);
            pending_.clear();
            return;
        }
        // Reasoning. A model may repeat the open tag the prompt already wrote: drop it.
        if (thought_blank_) {
            const size_t ws = skip_space(p);
            const std::string_view rest = p.substr(ws);
            if (rest.starts_with(open)) {
                pending_.erase(0, ws + open.size());
                continue;
            }
            if (!final && !rest.empty() && open.starts_with(rest)) return;
        }
        const size_t at = p.find(close);
        if (at != std::string_view::npos) {
            emit_reasoning(out, p.substr(0, at));
            pending_.erase(0, at + close.size());
            state_ = State::Content;
            closed_ = true;
            continue;
        }
        const size_t keep = final ? 0 : partial_tag_suffix(p, close);
        emit_reasoning(out, p.substr(0, p.size() - keep));
        pending_.erase(0, p.size() - keep);
        return;
    }
}

bool prompt_opens_reasoning(std::string_view prompt, const ReasoningTags& tags) {
    size_t end = prompt.size();
    while (end > 0 && is_blank(prompt[end - 1])) --end;
    return prompt.substr(0, end).ends_with(tags.open);
}

}  // namespace edgeseek
