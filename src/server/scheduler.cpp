#include "server/scheduler.h"

#include <algorithm>
#include <chrono>

#include "server/api_error.h"
#include "server/reply_text.h"

namespace edgeseek {
namespace {

using Clock = std::chrono::steady_clock;

// What the engine writes when the think budget runs out, as ChatEngine does.
constexpr const char* kCloseThought = "\n</think>\n\n";
// Prompt tokens the penalties look back on (as ChatEngine).
constexpr size_t kPenaltyPromptTail = 256;

size_t common_prefix(const std::vector<TokenId>& a, const std::vector<TokenId>& b) {
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
}

}  // namespace

struct Scheduler::Job {
    GenerationJob job;
    std::shared_ptr<RequestChannel> channel;
};

// The request a slot is working on.
struct Scheduler::Active {
    Active(Job j, bool chat)
        : job(std::move(j)), sampler(job.job.gen.sampling),
          text(chat, job.job.thought_open, job.job.gen.stop) {}
    Job job;
    Sampler sampler;
    ReplyText text;
    std::vector<TokenId> pending;  // to evaluate: the rest of the prompt, then the last sampled token
    bool prompt_done = false;      // the prompt has been read; pending holds generated tokens
    Usage usage;
};

struct Scheduler::Slot {
    int seq = 0;                   // sequence of the KV cache
    std::vector<TokenId> cached;   // tokens whose keys/values are in the cache, from position 0
    std::unique_ptr<Active> active;
    uint64_t last_used = 0;
};

Scheduler::Scheduler(const Model& model, const Tokenizer& tok, SchedulerOptions opts, ServerMetrics& metrics)
    : model_(model), tok_(tok), opts_(opts), metrics_(metrics),
      cache_(model.config(), opts.n_ctx, std::max(1, opts.n_slots)), pool_(std::max(1, opts.n_threads)) {
    opts_.n_slots = std::max(1, opts_.n_slots);
    opts_.n_batch = std::max<int64_t>(opts_.n_batch, opts_.n_slots + 1);
    close_ids_ = tok_.encode(kCloseThought, false, true);
    for (int i = 0; i < opts_.n_slots; ++i) {
        slots_.push_back(std::make_unique<Slot>());
        slots_.back()->seq = i;
    }
    thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

std::shared_ptr<RequestChannel> Scheduler::submit(GenerationJob job) {
    const auto n = static_cast<int64_t>(job.prompt.size());
    if (n == 0) throw ApiError::invalid(job.prompt_field, "the prompt produced no tokens");
    if (n >= opts_.n_ctx) {
        throw ApiError(400,
                       "the prompt has " + std::to_string(n) + " tokens; a slot's context holds " +
                           std::to_string(opts_.n_ctx) + " (prompt and reply together)",
                       "invalid_request_error", "context_length_exceeded", job.prompt_field);
    }
    for (TokenId t : job.prompt) {
        if (t < 0 || t >= model_.config().n_vocab) {
            throw ApiError::invalid(job.prompt_field, "token id " + std::to_string(t) + " is outside the vocabulary");
        }
    }
    auto channel = std::make_shared<RequestChannel>();
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!accepting_ || stop_) {
            throw ApiError(503, "the server is shutting down", "server_error", "shutting_down");
        }
        const int64_t free_slots = opts_.n_slots - busy_;
        if (static_cast<int64_t>(queue_.size()) >= opts_.max_queue + free_slots) {
            throw ApiError(429,
                           "the server is busy: " + std::to_string(queue_.size()) + " requests are waiting for a slot",
                           "rate_limit_error", "queue_full");
        }
        queue_.push_back(Job{std::move(job), channel});
    }
    cv_.notify_all();
    return channel;
}

void Scheduler::stop_accepting() {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = false;
}

bool Scheduler::idle() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.empty() && busy_ == 0;
}

void Scheduler::cancel_all(const std::string& why) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (Job& j : queue_) {
            StreamEvent e;
            e.kind = StreamEvent::Kind::Error;
            e.status = 503;
            e.error = why;
            j.channel->push(std::move(e));
        }
        queue_.clear();
        abort_why_ = why;
    }
    cv_.notify_all();
}

SchedulerSnapshot Scheduler::snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    SchedulerSnapshot s;
    s.slots_total = opts_.n_slots;
    s.slots_busy = busy_;
    // Jobs about to take a free slot are not waiting for one.
    s.queue_depth = std::max<int64_t>(0, static_cast<int64_t>(queue_.size()) - (opts_.n_slots - busy_));
    return s;
}

void Scheduler::loop() {
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [&] { return stop_ || !queue_.empty() || busy_ > 0 || !abort_why_.empty(); });
            if (stop_) {
                lock.unlock();
                abort_all("the server is shutting down");
                return;
            }
            if (!abort_why_.empty()) {
                const std::string why = std::move(abort_why_);
                abort_why_.clear();
                lock.unlock();
                abort_all(why);
                continue;
            }
            admit();
        }
        for (auto& s : slots_) {
            if (s->active && s->active->job.channel->cancelled()) drop(*s, "cancelled");
        }
        step();
    }
}

void Scheduler::abort_all(const std::string& why) {
    for (auto& s : slots_) {
        if (!s->active) continue;
        StreamEvent e;
        e.kind = StreamEvent::Kind::Error;
        e.status = 503;
        e.error = why;
        s->active->job.channel->push(std::move(e));
        drop(*s, "aborted");
    }
}

void Scheduler::admit() {
    // Clients that left while waiting give their place up at once.
    const size_t before = queue_.size();
    std::erase_if(queue_, [](const Job& j) { return j.channel->cancelled(); });
    for (size_t i = queue_.size(); i < before; ++i) metrics_.count_finished("cancelled");
    while (!queue_.empty()) {
        const std::vector<TokenId>& prompt = queue_.front().job.prompt;
        Slot* best = nullptr;
        size_t best_prefix = 0;
        for (auto& s : slots_) {
            if (s->active) continue;
            const size_t p = common_prefix(s->cached, prompt);
            if (!best || p > best_prefix || (p == best_prefix && s->last_used < best->last_used)) {
                best = s.get();
                best_prefix = p;
            }
        }
        if (!best) return;
        Job job = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
        start(*best, std::move(job));
    }
}

void Scheduler::start(Slot& s, Job job) {
    const bool chat = job.job.chat;
    s.active = std::make_unique<Active>(std::move(job), chat);
    Active& a = *s.active;
    const std::vector<TokenId>& prompt = a.job.job.prompt;
    // Reuse the cached prefix; at least the last prompt token is evaluated again for its logits.
    size_t reuse = common_prefix(s.cached, prompt);
    if (reuse == prompt.size()) --reuse;
    s.cached.resize(reuse);
    a.pending.assign(prompt.begin() + static_cast<std::ptrdiff_t>(reuse), prompt.end());
    a.usage.prompt_tokens = static_cast<int64_t>(prompt.size());
    a.usage.cached_tokens = static_cast<int64_t>(reuse);
    for (size_t i = prompt.size() - std::min(prompt.size(), kPenaltyPromptTail); i < prompt.size(); ++i) {
        a.sampler.accept(prompt[i]);
    }
    metrics_.add_prompt(a.usage.prompt_tokens, a.usage.cached_tokens);
    if (a.job.job.chat && a.text.in_reasoning() && a.job.job.gen.think_budget == 0) close_thought(a);
}

bool Scheduler::step() {
    std::vector<BatchToken> batch;
    std::vector<Slot*> owners;  // slot of each logits row
    int64_t n_prefill = 0, n_decode = 0;
    auto take = [&](Slot& s, size_t count) {
        Active& a = *s.active;
        for (size_t i = 0; i < count; ++i) {
            BatchToken bt;
            bt.token = a.pending[i];
            bt.pos = static_cast<int32_t>(s.cached.size());
            bt.seq = s.seq;
            bt.logits = i + 1 == a.pending.size();
            batch.push_back(bt);
            s.cached.push_back(a.pending[i]);
        }
        if (batch.back().logits) owners.push_back(&s);
        a.pending.erase(a.pending.begin(), a.pending.begin() + static_cast<std::ptrdiff_t>(count));
        (a.prompt_done ? n_decode : n_prefill) += static_cast<int64_t>(count);
    };
    // Generating slots first: one token each (a few more after a closed thought).
    for (auto& s : slots_) {
        if (s->active && s->active->prompt_done && !s->active->pending.empty()) take(*s, s->active->pending.size());
    }
    // Then prompt chunks, round robin, within what is left of the batch.
    const size_t n = slots_.size();
    for (size_t k = 0; k < n; ++k) {
        Slot& s = *slots_[(next_prefill_ + k) % n];
        const int64_t room = opts_.n_batch - static_cast<int64_t>(batch.size());
        if (room <= 0) break;
        if (!s.active || s.active->prompt_done || s.active->pending.empty()) continue;
        take(s, std::min(s.active->pending.size(), static_cast<size_t>(room)));
    }
    next_prefill_ = (next_prefill_ + 1) % n;
    if (batch.empty()) return false;

    const auto t0 = Clock::now();
    try {
        model_.forward(batch, cache_, pool_, scratch_, logits_);
    } catch (const std::exception& e) {
        for (auto& s : slots_) {
            if (!s->active) continue;
            s->cached.clear();
            StreamEvent ev;
            ev.kind = StreamEvent::Kind::Error;
            ev.status = 500;
            ev.error = std::string("the forward pass failed: ") + e.what();
            s->active->job.channel->push(std::move(ev));
            drop(*s, "error");
        }
        return true;
    }
    metrics_.record_step(n_prefill, n_decode, std::chrono::duration<double>(Clock::now() - t0).count());
    const int64_t n_vocab = model_.config().n_vocab;
    for (size_t r = 0; r < owners.size(); ++r) on_logits(*owners[r], logits_.data() + static_cast<int64_t>(r) * n_vocab);
    return true;
}

void Scheduler::deliver(Active& a, const ReasoningDelta& d) {
    if (d.empty()) return;
    StreamEvent e;
    e.reasoning = d.reasoning;
    e.content = d.content;
    a.job.channel->push(std::move(e));
}

void Scheduler::close_thought(Active& a) {
    a.pending.insert(a.pending.end(), close_ids_.begin(), close_ids_.end());
    deliver(a, a.text.push(kCloseThought));
}

void Scheduler::on_logits(Slot& s, const float* logits) {
    Active& a = *s.active;
    a.prompt_done = true;
    const GenerationParams& g = a.job.job.gen;
    const TokenId t = a.sampler.sample(logits, model_.config().n_vocab);
    if (tok_.is_end_of_generation(t)) return finish(s, "stop");
    a.sampler.accept(t);
    ++a.usage.completion_tokens;
    const bool was_reasoning = a.text.in_reasoning();
    deliver(a, a.text.push(tok_.token_to_piece(t, a.job.job.chat)));
    if (was_reasoning && a.text.in_reasoning()) ++a.usage.reasoning_tokens;
    if (a.text.stopped()) return finish(s, "stop");
    if (g.max_tokens >= 0 && a.usage.completion_tokens >= g.max_tokens) return finish(s, "length");
    a.pending.assign(1, t);
    if (a.text.in_reasoning() && g.think_budget >= 0 && a.usage.reasoning_tokens >= g.think_budget) close_thought(a);
    if (static_cast<int64_t>(s.cached.size() + a.pending.size()) > opts_.n_ctx) return finish(s, "length");
}

void Scheduler::finish(Slot& s, const std::string& reason) {
    Active& a = *s.active;
    deliver(a, a.text.finish());
    StreamEvent e;
    e.kind = StreamEvent::Kind::Done;
    e.finish_reason = reason;
    e.usage = a.usage;
    // The slot is free before the client hears the end (so /metrics agrees with it).
    const std::shared_ptr<RequestChannel> channel = a.job.channel;
    drop(s, reason);
    channel->push(std::move(e));
}

void Scheduler::drop(Slot& s, const std::string& reason) {
    metrics_.add_completion(s.active->usage.completion_tokens, s.active->usage.reasoning_tokens);
    metrics_.count_finished(reason);
    // Tokens queued for evaluation never reached the cache; what is cached stays for reuse.
    s.active.reset();
    s.last_used = ++tick_;
    std::lock_guard<std::mutex> lock(mu_);
    --busy_;
}

}  // namespace edgeseek
