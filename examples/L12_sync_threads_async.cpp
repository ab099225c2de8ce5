// L12 -- five tasks: one after the other, then in threads (seed 004,
// Exercise 1 and "Sync vs. Parallel vs. Async").
//
// The exercise (seed 004): run five tasks that sleep
//
//   Task Number   Sleep Time (seconds)
//   task_1        3
//   task_2        15
//   task_3        8
//   task_4        20
//   task_5        10
//
// In Python, following the instructor's threading_function_call2.py:
//
//   import threading, time
//
//   def task(name, seconds):
//       print(f"{name} started, sleeps {seconds} s")
//       time.sleep(seconds)
//       print(f"{name} finished")
//
//   tasks = [("task_1", 3), ("task_2", 15), ("task_3", 8), ("task_4", 20), ("task_5", 10)]
//
//   t = time.time()
//   for name, seconds in tasks:                      # 1. sync
//       task(name, seconds)
//   print("sync:", time.time() - t)
//
//   t = time.time()
//   threads = [threading.Thread(target=task, args=args) for args in tasks]
//   for thread in threads:                           # 2. parallel
//       thread.start()
//   for thread in threads:
//       thread.join()
//   print("threads:", time.time() - t)
//
//   async def atask(name, seconds):
//       print(f"{name} started, sleeps {seconds} s")
//       await asyncio.sleep(seconds)
//       print(f"{name} finished")
//
//   t = time.time()                                  # 3. async
//   asyncio.run(asyncio.gather(*(atask(n, s) for n, s in tasks)))   # (in a main())
//   print("async:", time.time() - t)
//
// What it shows: serially the waits add up (3+15+8+20+10 = 56 s); in threads
// they overlap and the whole takes as long as the longest task (20 s); as
// coroutines on one thread (the seed's third column) they overlap as well,
// without a thread per task. The program checks that the threaded and the
// async times are nearer the longest task than the sum, and exits with
// status 1 otherwise. At the real timings it takes 96 s; set
// CONCUR_TIME_SCALE=0.1 to make it 9.6 s.
#include <concur/asyncio.hpp>
#include <concur/threading.hpp>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "lesson_time.hpp"

namespace threading = concur::threading;
namespace asyncio = concur::asyncio;

void task(std::string name, int seconds) {
    threading::print(name, "started, sleeps", seconds, "s");
    lesson::sleep(seconds);
    threading::print(name, "finished");
}

asyncio::Coroutine<void> atask(std::string name, int seconds) {
    threading::print(name, "started, sleeps", seconds, "s");
    co_await asyncio::sleep(lesson::scaled(std::chrono::seconds(seconds)));
    threading::print(name, "finished");
}

asyncio::Coroutine<void> all_at_once(std::vector<std::pair<std::string, int>> tasks) {
    std::vector<asyncio::Coroutine<void>> coros;
    for (const auto& [name, seconds] : tasks) coros.push_back(atask(name, seconds));
    co_await asyncio::gather(std::move(coros));
}

// Seconds with two decimals, as Python's f"{seconds:.2f}".
std::string f2(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", seconds);
    return text;
}

int main() {
    const std::vector<std::pair<std::string, int>> tasks = {
        {"task_1", 3}, {"task_2", 15}, {"task_3", 8}, {"task_4", 20}, {"task_5", 10}};
    int sum = 0, longest = 0;
    for (const auto& [name, seconds] : tasks) {
        sum += seconds;
        longest = std::max(longest, seconds);
    }
    threading::print("time scale:", lesson::time_scale(), "(CONCUR_TIME_SCALE)");

    threading::print("-- 1. sync: one task after the other --");
    double t = lesson::perf_counter();
    for (const auto& [name, seconds] : tasks) {
        task(name, seconds);
    }
    const double sync_time = lesson::perf_counter() - t;

    threading::print("-- 2. threads: all five at once --");
    t = lesson::perf_counter();
    std::deque<threading::Thread> threads;
    for (const auto& [name, seconds] : tasks) {
        threads.emplace_back(task, name, seconds);
    }
    for (threading::Thread& thread : threads) {
        thread.start();
    }
    for (threading::Thread& thread : threads) {
        thread.join();
    }
    const double threads_time = lesson::perf_counter() - t;

    threading::print("-- 3. async: all five as coroutines on one thread --");
    t = lesson::perf_counter();
    asyncio::run(all_at_once(tasks));
    const double async_time = lesson::perf_counter() - t;

    const double scale = lesson::time_scale();
    threading::print("-- results, in seconds (expected at this scale) --");
    threading::print("sync:    " + f2(sync_time) + "  (the sum of the sleeps: " + f2(sum * scale) +
                     ")");
    threading::print("threads: " + f2(threads_time) +
                     "  (the longest sleep: " + f2(longest * scale) + ")");
    threading::print("async:   " + f2(async_time) + "  (the longest sleep: " + f2(longest * scale) +
                     ")");

    // Nearer the longest task than the sum, measured against the sync run so
    // that the check holds at any time scale and on a slow machine.
    const double expected_ratio = static_cast<double>(longest) / sum;  // 20/56
    const double limit = (expected_ratio + 1.0) / 2.0;                 // halfway to 1
    const double ratio = threads_time / sync_time;
    const double async_ratio = async_time / sync_time;
    threading::print("threads / sync = " + f2(ratio) + ", async / sync = " + f2(async_ratio) +
                     " (ideal " + f2(expected_ratio) + ", required <= " + f2(limit) + ")");
    if (ratio > limit) {
        threading::print("FAILED: the threads did not overlap their sleeps");
        return 1;
    }
    if (async_ratio > limit) {
        threading::print("FAILED: the coroutines did not overlap their sleeps");
        return 1;
    }
    threading::print(
        "OK: in threads and as coroutines the tasks take as long as the longest one, not the "
        "sum");
    return 0;
}
