// A persistent pool: workers are created once and woken per parallel_for, so decode never
// pays thread creation per token. The calling thread takes part as worker 0.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace edgeseek {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(begin, end, thread_index) over [0, n) split into contiguous chunks, one per
    // thread; returns when all chunks are done. Not reentrant.
    using RangeFn = std::function<void(int64_t begin, int64_t end, int thread)>;
    void parallel_for(int64_t n, const RangeFn& fn);

private:
    void worker(int index);
    int n_threads_;
    std::vector<std::thread> threads_;
    std::mutex mu_;
    std::condition_variable wake_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
    const RangeFn* job_ = nullptr;
    int64_t job_n_ = 0;
};

// Items [0, n) shared out among a pool's threads: each thread owns one contiguous range and
// claims runs from its front, then runs from the back ends of the other threads' ranges. Runs
// are a quarter of what is left in the range (at least one item), so they shrink towards the
// end and the threads finish within about one item of each other, at a few claims per thread.
// Streaming kernels want this over one shared counter: with the items interleaved between the
// threads, each thread's prefetches ran ahead into the items the other one was reading (a
// 256 x 1536 Q4_0 matrix, one token, two threads: 16.4 GB/s interleaved, 20.1 in two halves),
// while the stealing at the end still evens out a thread slowed by something else.
class WorkSplit {
public:
    struct Run {
        int64_t begin = 0, end = 0;
        bool empty() const { return begin >= end; }
    };
    WorkSplit(int64_t n, int threads);
    // The next run of items for `thread` (0 .. threads - 1); empty when none is left.
    Run next(int thread);

private:
    // One range: front (next item to claim) in the low 32 bits, back (one past the last
    // unclaimed) in the high 32 bits, so owner and thief claim with one compare-and-swap.
    struct alignas(64) Range {
        std::atomic<uint64_t> front_back{0};
    };
    static constexpr int kInline = 8;
    int threads_;
    Range inline_[kInline];
    std::unique_ptr<Range[]> heap_;
    Range* ranges_;
};

}  // namespace edgeseek
