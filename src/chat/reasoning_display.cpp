#include "chat/reasoning_display.h"

#include "chat/reasoning_parser.h"

namespace edgeseek {
namespace {

constexpr const char* kFaint = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kClearLine = "\r\x1b[K";
constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// On a terminal, control characters from the model (ESC, C1 controls) would be commands to
// the terminal: they are shown as U+FFFD instead (a carriage return is dropped).
std::string terminal_safe(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\r') continue;
        const bool c0 = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
        const bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                        static_cast<unsigned char>(s[i + 1]) <= 0x9f;
        if (c0 || c1) {
            out += kReplacement;
            i += c1 ? 1 : 0;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

std::optional<ReasoningDisplay> parse_reasoning_display(std::string_view name) {
    if (name == "show") return ReasoningDisplay::Show;
    if (name == "dim") return ReasoningDisplay::Dim;
    if (name == "hide") return ReasoningDisplay::Hide;
    return std::nullopt;
}

const char* reasoning_display_name(ReasoningDisplay d) {
    switch (d) {
        case ReasoningDisplay::Show: return "show";
        case ReasoningDisplay::Dim: return "dim";
        case ReasoningDisplay::Hide: return "hide";
    }
    return "dim";
}

ReasoningPrinter::ReasoningPrinter(std::FILE* out, ReasoningDisplay mode, bool ansi)
    : out_(out), mode_(mode), ansi_(ansi) {}

void ReasoningPrinter::write(std::string_view s) {
    if (s.empty()) return;
    std::fwrite(s.data(), 1, s.size(), out_);
    std::fflush(out_);
    last_ = s.back();
}

void ReasoningPrinter::write_text(std::string_view s) { write(ansi_ ? terminal_safe(s) : std::string(s)); }

void ReasoningPrinter::reasoning(const std::string& text) {
    if (thought_ended_) return;
    if (mode_ == ReasoningDisplay::Hide) {
        if (!thought_started_ && ansi_) write(std::string(kFaint) + "thinking..." + kReset);
        thought_started_ = true;
        return;
    }
    size_t from = 0;
    if (!thought_started_) {
        while (from < text.size() && is_blank(text[from])) ++from;  // the thought's leading blank lines
        if (from == text.size()) return;
        write(mode_ == ReasoningDisplay::Dim && ansi_ ? kFaint : "<think>\n");
        thought_started_ = true;
    }
    write_trimmed(text, from);
}

void ReasoningPrinter::end_thought(int64_t tokens, double seconds) {
    if (thought_ended_) return;
    thought_ended_ = true;
    held_space_.clear();
    if (mode_ == ReasoningDisplay::Hide) {
        if (thought_started_ && ansi_) write(kClearLine);
        if (tokens > 0) {
            char line[96];
            std::snprintf(line, sizeof line, "[thought for %lld tokens, %.1f s]\n", static_cast<long long>(tokens),
                          seconds);
            write(line);
        }
        return;
    }
    if (!thought_started_) return;
    write(mode_ == ReasoningDisplay::Dim && ansi_ ? std::string(kReset) + "\n\n" : std::string("\n</think>\n\n"));
}

void ReasoningPrinter::thought_done(int64_t tokens, double seconds) { end_thought(tokens, seconds); }

// Both print text without its surrounding whitespace (R1 writes "\n\n" after </think>);
// whitespace inside is printed once more text follows it.
void ReasoningPrinter::write_trimmed(std::string_view text, size_t from) {
    size_t end = text.size();
    while (end > from && is_blank(text[end - 1])) --end;
    if (end > from) {
        write_text(held_space_);
        held_space_.clear();
        write_text(text.substr(from, end - from));
    }
    held_space_.append(text.substr(end));
}

void ReasoningPrinter::content(const std::string& text) {
    size_t from = 0;
    if (!content_started_) {
        while (from < text.size() && is_blank(text[from])) ++from;
        if (from == text.size()) return;
        content_started_ = true;
        held_space_.clear();
    }
    write_trimmed(text, from);
}

void ReasoningPrinter::finish(int64_t reasoning_tokens, double reasoning_seconds) {
    if (thought_started_ && !thought_ended_) end_thought(reasoning_tokens, reasoning_seconds);
    held_space_.clear();
    if (last_ != '\n') write("\n");
}

}  // namespace edgeseek
