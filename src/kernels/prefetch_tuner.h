// Decode's prefetch tuner: whether the tiles take their L2 prefetch steps (g_stream_l2_step,
// kernels/cpu_features.h: the K-quant tiles' and, where it is set, the Q4_0/Q8_0 family's
// decode tiles') is decided by measuring one-token forward passes with them and without them,
// as the decode goes.
//
// Which is faster depends on the CPU and, on a shared host, on the moment. On the Zen 5 VM this
// project is measured on, with the two settings alternated token by token inside one decode
// (1.5B Q4_K_M), dropping the L2 step cost 5-9% while the host answered slowly (~47 GB/s), was
// 0-3% faster while it answered fast (~80 GB/s), and 19-30% faster in a third state, where the
// read loop got ~80 GB/s but the decode with the L2 step ran as slowly as at ~47
// (docs/PERFORMANCE.md, "The L2 step, decided as the decode goes"). No fixed setting is right
// in all three, so every `period` one-token passes a round of four runs the other setting, the
// current one, the other, the current one; two rounds in a row in which the other setting's two
// passes took less than (1 - margin) of the current one's make the other the current one. A
// wrong switch undoes itself the same way; the rounds cost at most 2 / period of the decode
// times the slower setting's excess.
//
// EDGESEEK_PREFETCH (a setting chosen by hand) turns the tuner off, as does an L2 step of 0.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>

namespace edgeseek {

class PrefetchTuner {
public:
    static constexpr int kDefaultPeriod = 32;
    static constexpr double kDefaultMargin = 0.03;

    // A pass's setting and where it stands in a round (-1: outside one).
    struct Ticket {
        bool l2_step = true;
        int slot = -1;
        uint64_t round = 0;
    };

    explicit PrefetchTuner(bool enabled, int period = kDefaultPeriod, double margin = kDefaultMargin);

    // Before a one-token forward pass: the setting it runs with, also stored in g_stream_l2_step.
    Ticket begin();
    // After it, with how long it took.
    void end(const Ticket& ticket, double seconds);

    bool enabled() const { return enabled_; }
    bool l2_step() const;  // the current setting
    int switches() const;  // how many times it changed

    // Times one forward pass (when `active`): begin() at construction, end() at destruction.
    class Pass {
    public:
        Pass(PrefetchTuner& tuner, bool active);
        ~Pass();
        Pass(const Pass&) = delete;
        Pass& operator=(const Pass&) = delete;

    private:
        PrefetchTuner* tuner_;
        Ticket ticket_;
        std::chrono::steady_clock::time_point start_;
    };

private:
    const bool enabled_;
    const int period_;
    const double margin_;
    mutable std::mutex mu_;
    bool current_ = true;
    uint64_t passes_ = 0;
    // The round being measured: its number, which of its four passes reported, their times.
    uint64_t round_ = 0;
    unsigned seen_ = 0;
    double other_ = 0, same_ = 0;
    uint64_t decided_ = ~uint64_t{0};  // the last round measured in full (none: -1)
    int wins_ = 0, switches_ = 0;
};

// The process's tuner, for every model's one-token forward passes (on unless EDGESEEK_PREFETCH
// is set or the L2 step is 0).
PrefetchTuner& prefetch_tuner();

}  // namespace edgeseek
