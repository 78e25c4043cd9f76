// Counters and gauges of the server, rendered in Prometheus' text format for GET /metrics.
// https://prometheus.io/docs/instrumenting/exposition_formats/
// Written by the HTTP threads and the scheduler; every member is thread-safe.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace edgeseek {

// The scheduler's state at one moment.
struct SchedulerSnapshot {
    int slots_total = 0;
    int slots_busy = 0;
    int64_t queue_depth = 0;
};

class ServerMetrics {
public:
    void count_response(int status);
    void count_finished(const std::string& finish_reason);  // stop, length, cancelled, error
    void add_prompt(int64_t tokens, int64_t cached);
    void add_completion(int64_t tokens, int64_t reasoning);
    // One batched forward pass: prompt tokens and decode tokens it held, and its duration.
    void record_step(int64_t prefill_tokens, int64_t decode_tokens, double seconds);

    std::string prometheus(const SchedulerSnapshot& s) const;

private:
    using Clock = std::chrono::steady_clock;
    struct Step {
        Clock::time_point at;
        int64_t prefill, decode;
    };
    // Tokens per second over the last few seconds (0 when idle that long).
    void rates(double& prefill, double& decode) const;

    mutable std::mutex mu_;
    std::map<int, int64_t> responses_;
    std::map<std::string, int64_t> finished_;
    int64_t prompt_tokens_ = 0, cached_tokens_ = 0, completion_tokens_ = 0, reasoning_tokens_ = 0;
    int64_t prefill_total_ = 0, decode_total_ = 0, steps_ = 0;
    double forward_seconds_ = 0;
    mutable std::deque<Step> window_;
};

}  // namespace edgeseek
