#include "server/metrics.h"

#include <sstream>

namespace edgeseek {
namespace {

constexpr std::chrono::seconds kRateWindow{5};

void metric(std::ostringstream& o, const char* name, const char* type, const char* help) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// A metric with one unlabelled sample: its HELP/TYPE header and the value.
template <typename T>
void sample(std::ostringstream& o, const char* name, const char* type, const char* help, T value) {
    metric(o, name, type, help);
    o << name << ' ' << value << '\n';
}

}  // namespace

void ServerMetrics::count_response(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    ++responses_[status];
}

void ServerMetrics::count_finished(const std::string& finish_reason) {
    std::lock_guard<std::mutex> lock(mu_);
    ++finished_[finish_reason];
}

void ServerMetrics::add_prompt(int64_t tokens, int64_t cached) {
    std::lock_guard<std::mutex> lock(mu_);
    prompt_tokens_ += tokens;
    cached_tokens_ += cached;
}

void ServerMetrics::add_completion(int64_t tokens, int64_t reasoning) {
    std::lock_guard<std::mutex> lock(mu_);
    completion_tokens_ += tokens;
    reasoning_tokens_ += reasoning;
}

void ServerMetrics::record_step(int64_t prefill_tokens, int64_t decode_tokens, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    prefill_total_ += prefill_tokens;
    decode_total_ += decode_tokens;
    forward_seconds_ += seconds;
    ++steps_;
    window_.push_back({Clock::now(), prefill_tokens, decode_tokens});
}

void ServerMetrics::rates(double& prefill, double& decode) const {
    const auto now = Clock::now();
    while (!window_.empty() && now - window_.front().at > kRateWindow) window_.pop_front();
    int64_t p = 0, d = 0;
    for (const Step& s : window_) {
        p += s.prefill;
        d += s.decode;
    }
    const double secs = std::chrono::duration<double>(kRateWindow).count();
    prefill = static_cast<double>(p) / secs;
    decode = static_cast<double>(d) / secs;
}

std::string ServerMetrics::prometheus(const SchedulerSnapshot& s) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::ostringstream o;
    metric(o, "edgeseek_http_responses_total", "counter", "HTTP responses by status code.");
    for (const auto& [status, n] : responses_) o << "edgeseek_http_responses_total{status=\"" << status << "\"} " << n << '\n';
    metric(o, "edgeseek_requests_finished_total", "counter", "Generations finished, by finish reason.");
    for (const auto& [reason, n] : finished_) o << "edgeseek_requests_finished_total{reason=\"" << reason << "\"} " << n << '\n';
    sample(o, "edgeseek_prompt_tokens_total", "counter", "Prompt tokens of admitted requests.", prompt_tokens_);
    sample(o, "edgeseek_prompt_tokens_cached_total", "counter", "Prompt tokens reused from a slot's KV cache.", cached_tokens_);
    sample(o, "edgeseek_completion_tokens_total", "counter", "Sampled tokens.", completion_tokens_);
    sample(o, "edgeseek_reasoning_tokens_total", "counter", "Sampled tokens inside a thought.", reasoning_tokens_);
    sample(o, "edgeseek_prefill_tokens_total", "counter", "Prompt tokens evaluated (after prefix-cache reuse).", prefill_total_);
    sample(o, "edgeseek_decode_tokens_total", "counter", "Generated tokens evaluated.", decode_total_);
    sample(o, "edgeseek_forward_seconds_total", "counter", "Time spent in batched forward passes.", forward_seconds_);
    sample(o, "edgeseek_forward_steps_total", "counter", "Batched forward passes.", steps_);
    double prefill = 0, decode = 0;
    rates(prefill, decode);
    sample(o, "edgeseek_prefill_tokens_per_second", "gauge", "Prompt tokens evaluated per second, last 5 s.", prefill);
    sample(o, "edgeseek_decode_tokens_per_second", "gauge", "Generated tokens per second over all slots, last 5 s.", decode);
    sample(o, "edgeseek_queue_depth", "gauge", "Requests waiting for a slot.", s.queue_depth);
    sample(o, "edgeseek_slots_busy", "gauge", "Slots generating or evaluating a prompt.", s.slots_busy);
    sample(o, "edgeseek_slots_total", "gauge", "Slots (--parallel).", s.slots_total);
    return o.str();
}

}  // namespace edgeseek
