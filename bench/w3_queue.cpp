// W3 "queue" (../shared/anchors/cpu/WORKLOADS.md): N uint64 values through a
// bounded queue of capacity 1024, shapes 1p1c and 2p2c. Producer j of P puts
// [j*N/P, (j+1)*N/P) then one sentinel (UINT64_MAX); each consumer gets until
// it sees a sentinel and sums what it got; the total must be N(N-1)/2.
// Timed: creating the queue and the threads -> all threads joined.
//
// Systems: concur's queue::Queue (blocking put/get, Python semantics) and, in
// the same binary so that one run compares them, the naive baseline the
// anchors define: std::deque + std::mutex + two condition variables.
#include <concur/queue.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "bench_common.hpp"

namespace {

constexpr std::size_t kCapacity = 1024;
constexpr std::uint64_t kSentinel = std::numeric_limits<std::uint64_t>::max();

// The anchors' naive baseline, written for this harness.
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

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> systems;
    for (const char* base : {"concur-queue.Queue", "cpp-naive-mutex-cv-deque"})
        for (const char* shape : {":1p1c", ":2p2c"}) systems.push_back(std::string(base) + shape);
    const bench::Args args = bench::parse(argc, argv, systems);
    const auto colon = args.system.find(':');
    const std::string base = args.system.substr(0, colon);
    const int shape = args.system.substr(colon + 1) == "2p2c" ? 2 : 1;
    const auto n = static_cast<std::uint64_t>(args.n);

    std::vector<double> reps;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        const std::uint64_t sum = base == "concur-queue.Queue"
                                      ? drive<concur::queue::Queue<std::uint64_t>>(shape, shape, n)
                                      : drive<NaiveBoundedQueue>(shape, shape, n);
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
