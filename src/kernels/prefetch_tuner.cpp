#include "kernels/prefetch_tuner.h"

#include <cstdlib>

#include "kernels/cpu_features.h"

namespace edgeseek {

PrefetchTuner::PrefetchTuner(bool enabled, int period, double margin)
    : enabled_(enabled), period_(period < 8 ? 8 : period), margin_(margin) {}

PrefetchTuner::Ticket PrefetchTuner::begin() {
    std::lock_guard<std::mutex> lock(mu_);
    Ticket t;
    t.l2_step = current_;
    if (enabled_) {
        const uint64_t pos = passes_ % static_cast<uint64_t>(period_);
        const uint64_t first = static_cast<uint64_t>(period_) - 4;
        if (pos >= first) {
            t.slot = static_cast<int>(pos - first);
            t.round = passes_ / static_cast<uint64_t>(period_);
            if (t.slot % 2 == 0) t.l2_step = !current_;  // slots 0 and 2: the other setting
        }
        ++passes_;
    }
    g_stream_l2_step.store(t.l2_step, std::memory_order_relaxed);
    return t;
}

void PrefetchTuner::end(const Ticket& ticket, double seconds) {
    if (!enabled_ || ticket.slot < 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (ticket.round != round_) {  // a new round (or a pass of an old one, ignored)
        if (ticket.round < round_) return;
        round_ = ticket.round;
        seen_ = 0;
        other_ = same_ = 0;
    }
    const unsigned bit = 1u << ticket.slot;
    if (seen_ & bit) return;
    seen_ |= bit;
    (ticket.slot % 2 == 0 ? other_ : same_) += seconds;
    if (seen_ != 0xFu) return;
    // A round of two passes each: the other setting wins it by taking less than (1 - margin).
    // Wins count in a row: a round left incomplete in between (a pass that threw) breaks it.
    if (round_ != decided_ + 1) wins_ = 0;
    decided_ = round_;
    wins_ = other_ < same_ * (1.0 - margin_) ? wins_ + 1 : 0;
    if (wins_ >= 2) {
        current_ = !current_;
        ++switches_;
        wins_ = 0;
    }
    g_stream_l2_step.store(current_, std::memory_order_relaxed);
}

bool PrefetchTuner::l2_step() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
}

int PrefetchTuner::switches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return switches_;
}

PrefetchTuner::Pass::Pass(PrefetchTuner& tuner, bool active) : tuner_(active ? &tuner : nullptr) {
    if (!tuner_) return;
    ticket_ = tuner_->begin();
    start_ = std::chrono::steady_clock::now();
}

PrefetchTuner::Pass::~Pass() {
    if (!tuner_) return;
    tuner_->end(ticket_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

PrefetchTuner& prefetch_tuner() {
    static PrefetchTuner tuner([] {
        const char* e = std::getenv("EDGESEEK_PREFETCH");
        return !(e && *e) && g_stream_prefetch.l2 != 0;
    }());
    return tuner;
}

}  // namespace edgeseek
