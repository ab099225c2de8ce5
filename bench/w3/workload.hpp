// W3 "queue": N uint64 values through a bounded queue of capacity 1024 (see
// bench/README.md), shapes 1p1c (1 producer, 1 consumer thread) and 2p2c.
//
// Producer j of P puts [j*N/P, (j+1)*N/P) in order, then one sentinel
// (UINT64_MAX); each consumer gets until it sees a sentinel and sums what it
// got; the total must be N(N-1)/2. Timed: creating the queue and the threads
// -> all threads joined. Metric: throughput = N / wall in items/s.
//
// A queue is driven through an adapter with a constructor taking the capacity,
// a blocking put(v) and a blocking get(). run() is the harness every C++ W3
// binary shares; a system is named `<queue>:<shape>`.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "../bench_common.hpp"

namespace w3 {

inline constexpr std::size_t kCapacity = 1024;
inline constexpr std::uint64_t kSentinel = std::numeric_limits<std::uint64_t>::max();

// The naive baseline (cpp-naive-mutex-cv-deque): std::deque + std::mutex + two
// condition variables (not_full, not_empty), notify_one after every operation.
class NaiveBoundedQueue {
  public:
    explicit NaiveBoundedQueue(std::size_t capacity) : capacity_(capacity) {}
    void put(std::uint64_t value) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return items_.size() < capacity_; });
        items_.push_back(value);
        not_empty_.notify_one();
    }
    std::uint64_t get() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return !items_.empty(); });
        const std::uint64_t value = items_.front();
        items_.pop_front();
        not_full_.notify_one();
        return value;
    }

  private:
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
    std::deque<std::uint64_t> items_;
};

// Busy-wait for the lock-free queues that do not block: after a failed push or
// pop, _mm_pause(); every 64th consecutive failure, std::this_thread::yield(),
// so that 4 spinning threads on 2 cores keep progressing.
template <class Try>
void spin_until(Try&& attempt) {
    for (unsigned failures = 1; !attempt(); ++failures) {
        if (failures % 64 == 0) {
            std::this_thread::yield();
        } else {
#if defined(__x86_64__) || defined(__i386__)
            _mm_pause();
#endif
        }
    }
}

template <class Queue>
std::uint64_t drive(int producers, int consumers, std::uint64_t n) {
    Queue queue(kCapacity);
    std::vector<std::uint64_t> sums(static_cast<std::size_t>(consumers), 0);
    std::vector<std::thread> threads;
    for (int c = 0; c < consumers; ++c)
        threads.emplace_back([&, c] {
            std::uint64_t sum = 0;
            for (;;) {
                const std::uint64_t value = queue.get();
                if (value == kSentinel) break;
                sum += value;
            }
            sums[static_cast<std::size_t>(c)] = sum;
        });
    for (int p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            const std::uint64_t begin = n * static_cast<std::uint64_t>(p) / producers;
            const std::uint64_t end = n * static_cast<std::uint64_t>(p + 1) / producers;
            for (std::uint64_t v = begin; v < end; ++v) queue.put(v);
            queue.put(kSentinel);
        });
    for (auto& t : threads) t.join();
    std::uint64_t total = 0;
    for (auto s : sums) total += s;
    return total;
}

// One queue of a binary: its name, whether it runs 2p2c (SPSC queues do not),
// and drive<Adapter>.
struct System {
    const char* name;
    bool mpmc;
    std::uint64_t (*drive)(int producers, int consumers, std::uint64_t n);
};

inline int run(int argc, char** argv, const std::vector<System>& queues) {
    std::vector<std::string> names;
    for (const auto& q : queues) {
        names.push_back(std::string(q.name) + ":1p1c");
        if (q.mpmc) names.push_back(std::string(q.name) + ":2p2c");
    }
    const bench::Args args = bench::parse(argc, argv, names);
    const auto colon = args.system.find(':');
    const std::string base = args.system.substr(0, colon);
    const int threads = args.system.substr(colon + 1) == "2p2c" ? 2 : 1;
    const auto n = static_cast<std::uint64_t>(args.n);
    auto drive = queues.front().drive;
    for (const auto& q : queues)
        if (base == q.name) drive = q.drive;

    std::vector<double> reps;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        const std::uint64_t sum = drive(threads, threads, n);
        const double elapsed = bench::now_seconds() - start;
        ok = ok && sum == n * (n - 1) / 2;
        reps.push_back(static_cast<double>(n) / elapsed);
    }
    std::printf("# W3 %s n %llu checksum %s\n", args.system.c_str(),
                static_cast<unsigned long long>(n), ok ? "ok" : "MISMATCH");
    bench::emit_reps("W3", args.system, "throughput", reps, "items/s");
    bench::emit("W3", args.system, "throughput", bench::median(reps), "items/s");
    return ok ? 0 : 1;
}

}  // namespace w3
