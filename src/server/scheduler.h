// Continuous batching over N slots. One thread owns the model: every step it takes one token
// from each generating slot and a bounded chunk of prompt from each slot still reading its
// prompt, runs them through ONE Model::forward (each slot is its own sequence of the KV
// cache), samples per slot and pushes text deltas to the request's channel. A request joins
// as soon as a slot is free; a long prompt is read in chunks between decode steps so
// streaming clients keep receiving tokens. A slot keeps the tokens it has cached after its
// request ends, and a new request goes to the free slot sharing the longest prefix with it
// (the same system prompt, the next turn of a conversation), so only the rest is computed.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "chat/reasoning_parser.h"
#include "model/model.h"
#include "server/metrics.h"
#include "server/openai_protocol.h"
#include "server/request_channel.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek {

struct SchedulerOptions {
    int n_slots = 1;         // --parallel
    int64_t n_ctx = 4096;    // context of each slot
    int n_threads = 1;       // compute threads
    int64_t n_batch = 256;   // most tokens in one forward pass
    int64_t max_queue = 64;  // requests waiting for a slot beyond the free ones
};

// One generation, ready for the engine.
struct GenerationJob {
    std::vector<TokenId> prompt;
    GenerationParams gen;
    bool chat = false;          // split thought/answer, render special tokens
    bool thought_open = false;  // the prompt ends inside <think>
    const char* prompt_field = "prompt";  // named in a context-length error
};

class Scheduler {
public:
    // model and tokenizer must outlive the scheduler.
    Scheduler(const Model& model, const Tokenizer& tok, SchedulerOptions opts, ServerMetrics& metrics);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Queues the job. Throws ApiError: 400 when the prompt does not fit a slot's context,
    // 429 when the queue is full, 503 after stop_accepting().
    std::shared_ptr<RequestChannel> submit(GenerationJob job);

    void stop_accepting();
    // No request queued or running.
    bool idle() const;
    // Ends every queued and running request with an Error event (status 503, `why`).
    void cancel_all(const std::string& why);

    SchedulerSnapshot snapshot() const;
    const SchedulerOptions& options() const { return opts_; }

private:
    struct Job;
    struct Active;
    struct Slot;

    void loop();
    void admit();  // under mu_
    void start(Slot& s, Job job);
    void abort_all(const std::string& why);
    bool step();  // one batched forward; false when nothing ran
    void on_logits(Slot& s, const float* logits);
    void close_thought(Active& a);
    void deliver(Active& a, const ReasoningDelta& d);
    void finish(Slot& s, const std::string& reason);
    void drop(Slot& s, const std::string& reason);

    const Model& model_;
    const Tokenizer& tok_;
    SchedulerOptions opts_;
    ServerMetrics& metrics_;
    KvCache cache_;
    ThreadPool pool_;
    ForwardScratch scratch_;
    std::vector<float> logits_;
    std::vector<TokenId> close_ids_;  // "\n</think>\n\n", what the think budget inserts
    std::vector<std::unique_ptr<Slot>> slots_;
    size_t next_prefill_ = 0;  // round robin over prompt readers
    uint64_t tick_ = 0;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    int busy_ = 0;  // slots with a request (under mu_)
    bool accepting_ = true, stop_ = false;
    std::string abort_why_;  // non-empty: cancel_all() asked the loop to end running requests
    std::thread thread_;
};

}  // namespace edgeseek
