#include "kernels/thread_pool.h"

#include <algorithm>
#include <stdexcept>

namespace edgeseek {

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
    for (int i = 1; i < n_threads_; ++i) threads_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_.store(true);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

namespace {
// Spin-wait hint: lets a sibling hardware thread run and avoids the memory-order flush when
// the loop exits.
inline void cpu_relax() {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

void run_chunk(const ThreadPool::RangeFn& fn, int64_t n, int index, int n_threads) {
    const int64_t chunk = (n + n_threads - 1) / n_threads;
    const int64_t begin = std::min<int64_t>(n, chunk * index);
    const int64_t end = std::min<int64_t>(n, begin + chunk);
    if (begin < end) fn(begin, end, index);
}
}  // namespace

void ThreadPool::parallel_for(int64_t n, const RangeFn& fn) {
    if (n <= 0) return;
    if (n_threads_ == 1 || n == 1) {
        fn(0, n, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        job_ = &fn;
        job_n_ = n;
        pending_.store(n_threads_ - 1);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    run_chunk(fn, n, 0, n_threads_);
    // Short spin, then yield: the other chunks finish at about the same time as ours.
    for (int spins = 0; pending_.load(std::memory_order_acquire) > 0; ++spins) {
        if (spins > 1000) {
            std::this_thread::yield();
        } else {
            cpu_relax();
        }
    }
}

void ThreadPool::worker(int index) {
    uint64_t seen = 0;
    for (;;) {
        // Spin briefly for the next job (decode issues many small ones back to back), then sleep.
        for (int spins = 0; spins < 20000 && generation_.load(std::memory_order_acquire) == seen; ++spins) {
            cpu_relax();
        }
        {
            std::unique_lock<std::mutex> lock(mu_);
            wake_.wait(lock, [&] { return generation_.load() != seen; });
            seen = generation_.load();
            if (stop_.load()) return;
        }
        run_chunk(*job_, job_n_, index, n_threads_);
        pending_.fetch_sub(1, std::memory_order_release);
    }
}

namespace {
constexpr uint64_t pack_range(uint64_t front, uint64_t back) { return front | (back << 32); }
}  // namespace

WorkSplit::WorkSplit(int64_t n, int threads) : threads_(std::max(1, threads)) {
    if (n < 0 || n >= (int64_t{1} << 31)) throw std::length_error("WorkSplit: item count out of range");
    if (threads_ > kInline) heap_ = std::make_unique<Range[]>(static_cast<size_t>(threads_));
    ranges_ = heap_ ? heap_.get() : inline_;
    for (int i = 0; i < threads_; ++i) {
        const uint64_t begin = static_cast<uint64_t>(n * i / threads_), end = static_cast<uint64_t>(n * (i + 1) / threads_);
        ranges_[i].front_back.store(pack_range(begin, end), std::memory_order_relaxed);
    }
}

WorkSplit::Run WorkSplit::next(int thread) {
    // Own range first, from its front; then the others', from their backs, so that an owner
    // keeps reading forward through memory.
    for (int k = 0; k < threads_; ++k) {
        std::atomic<uint64_t>& range = ranges_[(thread + k) % threads_].front_back;
        for (uint64_t v = range.load(std::memory_order_relaxed);;) {
            const uint64_t front = v & 0xffffffffu, back = v >> 32;
            if (front >= back) break;
            const uint64_t take = std::max<uint64_t>(1, (back - front) / 4);
            const uint64_t claimed = k == 0 ? pack_range(front + take, back) : pack_range(front, back - take);
            if (range.compare_exchange_weak(v, claimed, std::memory_order_relaxed)) {
                if (k == 0) return {static_cast<int64_t>(front), static_cast<int64_t>(front + take)};
                return {static_cast<int64_t>(back - take), static_cast<int64_t>(back)};
            }
        }
    }
    return {};
}

}  // namespace edgeseek
