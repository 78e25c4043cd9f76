// How a thought appears in a terminal stream: shown as is between <think> tags, dimmed
// (ANSI faint, only on a terminal; elsewhere as shown), or hidden behind a one-line
// "[thought for N tokens, S s]" summary. The answer follows without its leading blank lines.
#pragma once
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace edgeseek {

enum class ReasoningDisplay { Show, Dim, Hide };

std::optional<ReasoningDisplay> parse_reasoning_display(std::string_view name);  // show|dim|hide
const char* reasoning_display_name(ReasoningDisplay d);

class ReasoningPrinter {
public:
    // ansi: out is a terminal (escape sequences allowed).
    ReasoningPrinter(std::FILE* out, ReasoningDisplay mode, bool ansi);

    void reasoning(const std::string& text);
    void content(const std::string& text);
    void thought_done(int64_t tokens, double seconds);
    // End of the reply: closes a thought left open (interrupted, never closed) and the line.
    void finish(int64_t reasoning_tokens, double reasoning_seconds);

private:
    void write(std::string_view s);
    void write_text(std::string_view s);  // model text: control characters neutralised on a terminal
    void write_trimmed(std::string_view text, size_t from);
    void end_thought(int64_t tokens, double seconds);

    std::FILE* out_;
    ReasoningDisplay mode_;
    bool ansi_;
    bool thought_started_ = false;  // something of the thought was printed (or the indicator)
    bool thought_ended_ = false;
    bool content_started_ = false;
    std::string held_space_;        // trailing whitespace, printed only if text follows
    char last_ = '\n';              // last character written
};

}  // namespace edgeseek
