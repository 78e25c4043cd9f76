#include "chat/chat_engine.h"

#include <algorithm>
#include <chrono>

#include "chat/reasoning_parser.h"
#include "core/error.h"

namespace edgeseek {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// What the engine writes when the think budget runs out: the closing tag and a blank line,
// as R1 writes it before its answer.
constexpr const char* kCloseThought = "\n</think>\n\n";

}  // namespace

const char* stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::EndOfText: return "stop";
        case StopReason::TokenLimit: return "length";
        case StopReason::Interrupted: return "interrupted";
        case StopReason::ContextFull: return "context_full";
    }
    return "stop";
}

// The state of one reply being generated.
struct ChatEngine::Turn {
    TurnStats st;
    StopReason stop = StopReason::EndOfText;
    std::string prompt;              // rendered conversation
    std::vector<TokenId> output;     // evaluated tokens after the prompt (sampled and inserted)
    std::vector<TokenId> pending;    // to evaluate before the next token is sampled
    const std::vector<float>* logits = nullptr;  // of the last evaluated token
    ReasoningParser parser{false};
    Utf8StreamDecoder utf8;
    Clock::time_point gen_start;
    bool thought_reported = false;

    void deliver(const ReasoningDelta& d, const TurnEvents& ev) const {
        if (!d.reasoning.empty() && ev.reasoning) ev.reasoning(d.reasoning);
        if (!d.content.empty() && ev.content) ev.content(d.content);
    }
    void feed(const std::string& piece, const TurnEvents& ev) {
        deliver(parser.push(utf8.push(piece)), ev);
        if (!thought_reported && parser.thought_closed()) {
            thought_reported = true;
            st.reasoning_ms = ms_since(gen_start);
            if (ev.thought_done) ev.thought_done(st.reasoning_tokens, st.reasoning_ms / 1000.0);
        }
    }
};

ChatEngine::ChatEngine(Session& session, const Tokenizer& tokenizer, ChatFormat format, ChatOptions options)
    : session_(session), tok_(tokenizer), format_(std::move(format)), opts_(std::move(options)),
      sampler_(opts_.sampling) {}

void ChatEngine::reset_stats() {
    last_ = {};
    totals_ = {};
}

std::string ChatEngine::render_prompt(const Conversation& conv) const {
    return format_.render(conv.messages(), true, opts_.template_vars);
}

std::vector<TokenId> ChatEngine::tokenize(const std::string& rendered) const {
    // The template writes BOS itself; encode() adds one only when the text lacks it.
    return tok_.encode(rendered, true, true);
}

int64_t ChatEngine::generation_reserve() const {
    const int64_t n_ctx = session_.n_ctx();
    return opts_.max_tokens > 0 ? std::min(opts_.max_tokens, n_ctx / 2) : n_ctx / 4;
}

TurnResult ChatEngine::respond(Conversation& conv, const std::string& user_text, const TurnEvents& events) {
    const Conversation before = conv;
    conv.add_user(user_text);
    try {
        return reply(conv, events);
    } catch (...) {
        conv = before;
        throw;
    }
}

std::vector<TokenId> ChatEngine::fit_prompt(Conversation& conv, const TurnEvents& ev, Turn& t) {
    const int64_t n_ctx = session_.n_ctx();
    for (;;) {
        t.prompt = render_prompt(conv);
        std::vector<TokenId> tokens = tokenize(t.prompt);
        const auto n = static_cast<int64_t>(tokens.size());
        if (n + (opts_.context_shift ? generation_reserve() : 1) <= n_ctx) return tokens;
        if (opts_.context_shift && conv.drop_oldest_turn()) {
            ++t.st.dropped_turns;
            if (ev.notice) {
                ev.notice("context nearly full (" + std::to_string(n) + " of " + std::to_string(n_ctx) +
                          " tokens): dropped the oldest turn; the system prompt is kept");
            }
            continue;
        }
        if (n < n_ctx) return tokens;  // no turn left to drop: answer in what room there is
        throw Error("the conversation needs " + std::to_string(n) + " tokens, which does not fit in a context of " +
                        std::to_string(n_ctx),
                    "chat",
                    opts_.context_shift ? "use a shorter message or a larger --ctx-size"
                                        : "/reset the conversation, or use a larger --ctx-size (context shift is off)");
    }
}

// Makes room for `needed` more tokens. With context shift on, drops the oldest turns and
// re-evaluates the shortened conversation plus the reply so far.
bool ChatEngine::make_room(Conversation& conv, const TurnEvents& ev, Turn& t, size_t needed) {
    const int64_t n_ctx = session_.n_ctx();
    if (session_.n_past() + static_cast<int64_t>(needed) <= n_ctx) return true;
    if (!opts_.context_shift) return false;
    std::vector<TokenId> tokens;
    int64_t dropped = 0;
    for (;;) {
        if (!conv.drop_oldest_turn()) return false;
        ++dropped;
        tokens = tokenize(render_prompt(conv));
        tokens.insert(tokens.end(), t.output.begin(), t.output.end());
        if (static_cast<int64_t>(tokens.size() + needed) + n_ctx / 8 <= n_ctx) break;
    }
    t.st.dropped_turns += dropped;
    if (ev.notice) {
        ev.notice("context full (" + std::to_string(n_ctx) + " tokens): dropped the " + std::to_string(dropped) +
                  " oldest turn(s); the system prompt is kept");
    }
    int64_t reuse = session_.common_prefix(tokens);
    if (reuse == static_cast<int64_t>(tokens.size())) --reuse;
    session_.truncate(reuse);
    t.logits = &session_.eval(std::vector<TokenId>(tokens.begin() + reuse, tokens.end()));
    return true;
}

void ChatEngine::close_thought(Turn& t, const TurnEvents& ev) {
    const std::vector<TokenId> ids = tok_.encode(kCloseThought, false, true);
    t.pending.insert(t.pending.end(), ids.begin(), ids.end());
    t.st.inserted_tokens += static_cast<int64_t>(ids.size());
    t.feed(kCloseThought, ev);
}

TurnResult ChatEngine::reply(Conversation& conv, const TurnEvents& ev) {
    Turn t;
    const auto t_prompt = Clock::now();
    const std::vector<TokenId> tokens = fit_prompt(conv, ev, t);
    // Reuse the cached prefix; at least the last token is evaluated again for its logits.
    int64_t reuse = session_.common_prefix(tokens);
    if (reuse == static_cast<int64_t>(tokens.size())) --reuse;
    session_.truncate(reuse);
    t.logits = &session_.eval(std::vector<TokenId>(tokens.begin() + reuse, tokens.end()));
    t.st.prompt_tokens = static_cast<int64_t>(tokens.size());
    t.st.reused_tokens = reuse;
    t.st.evaluated_tokens = t.st.prompt_tokens - reuse;
    t.st.prompt_ms = ms_since(t_prompt);
    const size_t penalty_from = tokens.size() - std::min<size_t>(tokens.size(), 256);
    for (size_t i = penalty_from; i < tokens.size(); ++i) sampler_.accept(tokens[i]);

    generate(conv, ev, t);

    TurnResult r;
    r.reasoning = trim(t.parser.reasoning());
    r.content = trim(t.parser.content());
    r.stop = t.stop;
    r.stats = t.st;
    conv.add_assistant(r.content, r.reasoning);
    last_ = t.st;
    ++totals_.turns;
    totals_.reused_tokens += t.st.reused_tokens;
    totals_.evaluated_tokens += t.st.evaluated_tokens;
    totals_.completion_tokens += t.st.completion_tokens;
    totals_.reasoning_tokens += t.st.reasoning_tokens;
    totals_.dropped_turns += t.st.dropped_turns;
    return r;
}

void ChatEngine::generate(Conversation& conv, const TurnEvents& ev, Turn& t) {
    t.parser = ReasoningParser(prompt_opens_reasoning(t.prompt));
    t.gen_start = Clock::now();
    const int64_t budget = opts_.think_budget;
    const int64_t n_vocab = session_.model().config().n_vocab;  // logits per token
    if (t.parser.in_reasoning() && budget == 0) close_thought(t, ev);
    for (;;) {
        if (!t.pending.empty()) {
            if (!make_room(conv, ev, t, t.pending.size())) {
                t.stop = StopReason::ContextFull;
                break;
            }
            t.logits = &session_.eval(t.pending);
            t.output.insert(t.output.end(), t.pending.begin(), t.pending.end());
            t.pending.clear();
        }
        if (ev.stop_requested && ev.stop_requested()) {
            t.stop = StopReason::Interrupted;
            break;
        }
        if (opts_.max_tokens >= 0 && t.st.completion_tokens >= opts_.max_tokens) {
            t.stop = StopReason::TokenLimit;
            break;
        }
        const TokenId next = sampler_.sample(t.logits->data(), n_vocab);
        if (tok_.is_end_of_generation(next)) break;
        sampler_.accept(next);
        ++t.st.completion_tokens;
        const bool was_reasoning = t.parser.in_reasoning();
        t.feed(tok_.token_to_piece(next, true), ev);
        if (was_reasoning && t.parser.in_reasoning()) ++t.st.reasoning_tokens;
        t.pending.push_back(next);
        if (t.parser.in_reasoning() && budget >= 0 && t.st.reasoning_tokens >= budget) close_thought(t, ev);
    }
    t.deliver(t.parser.push(t.utf8.flush()), ev);
    t.deliver(t.parser.flush(), ev);
    t.st.generation_ms = ms_since(t.gen_start);
    if (!t.thought_reported && t.st.reasoning_tokens > 0) t.st.reasoning_ms = t.st.generation_ms;
}

}  // namespace edgeseek
