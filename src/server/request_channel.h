// What passes between the scheduler thread and the HTTP thread answering one request: text
// deltas, then one Done (finish reason and usage) or one Error. The HTTP side cancels when its
// client goes away; the scheduler sees it before its next step and frees the slot.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

#include "server/openai_protocol.h"

namespace edgeseek {

struct StreamEvent {
    enum class Kind { Delta, Done, Error };
    Kind kind = Kind::Delta;
    std::string reasoning, content;  // Delta
    std::string finish_reason;       // Done: stop, length
    Usage usage;                     // Done
    int status = 500;                // Error
    std::string error;               // Error: the message
};

class RequestChannel {
public:
    void push(StreamEvent e) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            events_.push_back(std::move(e));
        }
        cv_.notify_one();
    }

    // The next event, waiting up to `wait`; false when none came.
    bool pop(StreamEvent& e, std::chrono::milliseconds wait) {
        std::unique_lock<std::mutex> lock(mu_);
        if (!cv_.wait_for(lock, wait, [&] { return !events_.empty(); })) return false;
        e = std::move(events_.front());
        events_.pop_front();
        return true;
    }

    void cancel() { cancelled_.store(true); }
    bool cancelled() const { return cancelled_.load(); }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<StreamEvent> events_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace edgeseek
