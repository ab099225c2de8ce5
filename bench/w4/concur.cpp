// W4 "async-sleep", concur (bench/README.md, bench/w4/workload.hpp).
//
// System: concur-asyncio -- the shape of Python's program:
// `create_task(sleeper())` N times, each sleeper `co_await asyncio::sleep(1.0)`,
// then `co_await asyncio::gather(std::move(tasks))`. One event loop
// (asyncio::run) per repetition.
//
// Usage: bench_w4_concur concur-asyncio <n> [reps]
#include <concur/asyncio.hpp>

#include <vector>

#include "workload.hpp"

namespace asyncio = concur::asyncio;

namespace {

asyncio::Coroutine<void> sleeper(long& finished) {
    co_await asyncio::sleep(w4::kSleepSeconds);
    ++finished;
}

asyncio::Coroutine<void> all_sleepers(long n, long& finished, w4::Probe& probe) {
    probe.start();
    std::vector<asyncio::Task<void>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) tasks.push_back(asyncio::create_task(sleeper(finished)));
    co_await asyncio::gather(std::move(tasks));
    probe.stop();
}

long one(long n, w4::Probe& probe) {
    long finished = 0;
    asyncio::run(all_sleepers(n, finished, probe));
    return finished;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"concur-asyncio"});
    return w4::run_repetitions(args, one);
}
