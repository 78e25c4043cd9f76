#include "server/reply_text.h"

#include <algorithm>

namespace edgeseek {

std::string StopMatcher::push(std::string_view text) {
    if (matched_) return {};
    held_.append(text);
    size_t first = std::string::npos;
    for (const std::string& s : stops_) first = std::min(first, held_.find(s));
    if (first != std::string::npos) {
        matched_ = true;
        std::string out = held_.substr(0, first);
        held_.clear();
        return out;
    }
    // Keep the longest suffix that is a proper prefix of a stop string.
    size_t keep = 0;
    for (const std::string& s : stops_) {
        for (size_t k = std::min(held_.size(), s.size() - 1); k > keep; --k) {
            if (held_.compare(held_.size() - k, k, s, 0, k) == 0) {
                keep = k;
                break;
            }
        }
    }
    std::string out = held_.substr(0, held_.size() - keep);
    held_.erase(0, held_.size() - keep);
    return out;
}

std::string StopMatcher::flush() {
    std::string out;
    out.swap(held_);
    return matched_ ? std::string() : out;
}

std::string TrimmedStream::push(std::string_view text) {
    if (!enabled_) return std::string(text);
    const char* ws = " \t\r\n";
    if (!started_) {
        const size_t b = text.find_first_not_of(ws);
        if (b == std::string_view::npos) return {};
        text.remove_prefix(b);
        started_ = true;
    }
    held_.append(text);
    const size_t last = held_.find_last_not_of(ws);
    if (last == std::string::npos) return {};
    std::string out = held_.substr(0, last + 1);
    held_.erase(0, last + 1);
    return out;
}

ReplyText::ReplyText(bool chat, bool thought_open, std::vector<std::string> stops)
    : stop_(std::move(stops)), trim_reasoning_(chat), trim_content_(chat) {
    if (chat) parser_.emplace(thought_open);
}

ReasoningDelta ReplyText::route(const ReasoningDelta& d, bool final) {
    ReasoningDelta out;
    out.reasoning = trim_reasoning_.push(d.reasoning);
    std::string content = stop_.push(d.content);
    if (final) content += stop_.flush();
    out.content = trim_content_.push(content);
    reasoning_ += out.reasoning;
    content_ += out.content;
    return out;
}

ReasoningDelta ReplyText::push(const std::string& piece) {
    if (stop_.matched()) return {};
    const std::string text = utf8_.push(piece);
    if (!parser_) return route({{}, text}, false);
    return route(parser_->push(text), false);
}

ReasoningDelta ReplyText::finish() {
    if (stop_.matched()) return {};
    const std::string text = utf8_.flush();
    if (!parser_) return route({{}, text}, true);
    ReasoningDelta d = parser_->push(text);
    const ReasoningDelta rest = parser_->flush();
    d.reasoning += rest.reasoning;
    d.content += rest.content;
    return route(d, true);
}

}  // namespace edgeseek
