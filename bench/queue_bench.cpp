// Google Benchmark micro-benchmarks of concur::queue: the uncontended cost of
// put+get on each implementation, and a two-thread ping-pong of single items
// (the latency of a hand-off, parked and woken each way).
#include <benchmark/benchmark.h>

#include <concur/queue.hpp>
#include <concur/threading.hpp>

#include <cstdint>
#include <memory>

namespace queue = concur::queue;
namespace threading = concur::threading;

namespace {

void BM_QueueRingPutGet(benchmark::State& state) {
    queue::Queue<std::uint64_t> q(1024);
    std::uint64_t v = 0;
    for (auto _ : state) {
        q.put(v++);
        benchmark::DoNotOptimize(q.get());
    }
}
BENCHMARK(BM_QueueRingPutGet);

void BM_QueueLockedPutGet(benchmark::State& state) {
    queue::Queue<std::uint64_t> q;  // unbounded: Python's algorithm on Lock + Conditions
    std::uint64_t v = 0;
    for (auto _ : state) {
        q.put(v++);
        benchmark::DoNotOptimize(q.get());
    }
}
BENCHMARK(BM_QueueLockedPutGet);

void BM_PriorityQueuePutGet(benchmark::State& state) {
    queue::PriorityQueue<std::uint64_t> q;
    for (std::uint64_t i = 0; i < 1000; ++i) q.put(i * 7919 % 1000);
    std::uint64_t v = 0;
    for (auto _ : state) {
        q.put(v++ % 1000);
        benchmark::DoNotOptimize(q.get());
    }
}
BENCHMARK(BM_PriorityQueuePutGet);

void BM_QueuePingPong(benchmark::State& state) {
    queue::Queue<std::uint64_t> ping(1), pong(1);
    threading::Thread echo([&] {
        try {
            for (;;) pong.put(ping.get());
        } catch (const queue::ShutDown&) {
        }
    });
    echo.start();
    std::uint64_t v = 0;
    for (auto _ : state) {
        ping.put(v++);
        benchmark::DoNotOptimize(pong.get());
    }
    ping.shutdown();
    echo.join();
}
BENCHMARK(BM_QueuePingPong)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
