// L24 -- the main asyncio calls: get_event_loop, create_task, wait,
// run_until_complete, close.
//
// The seed lists the calls a program makes to run coroutines on a loop:
// create the loop, turn coroutines into tasks, wrap them in one `wait`,
// run the loop until that completes, then close the loop. Two tasks here
// count down concurrently; their lines interleave, and the whole takes as
// long as the longer one, not the sum.
//
// The Python program this lesson ports (seed 004):
//
//   import asyncio, time
//
//   async def countdown(name, n, delay):
//       while n > 0:
//           print(f"{name}: {n}")
//           await asyncio.sleep(delay)
//           n -= 1
//       return name
//
//   ioloop = asyncio.get_event_loop()
//   tasks = [ioloop.create_task(countdown("Task1", 3, 1.0)),
//            ioloop.create_task(countdown("Task2", 2, 1.5))]
//   wait_tasks = asyncio.wait(tasks)
//   start = time.perf_counter()
//   done, pending = ioloop.run_until_complete(wait_tasks)
//   print(f"done: {sorted(t.result() for t in done)}, pending: {len(pending)}")
//   ioloop.close()
#include <concur/asyncio.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "lesson_time.hpp"

namespace asyncio = concur::asyncio;

asyncio::Coroutine<std::string> countdown(std::string name, int n, double delay) {
    while (n > 0) {
        std::cout << name << ": " << n << std::endl;
        co_await asyncio::sleep(lesson::scaled(std::chrono::duration<double>(delay)));
        --n;
    }
    co_return name;
}

int main() {
    auto ioloop = asyncio::get_event_loop();
    std::vector<asyncio::Task<std::string>> tasks{ioloop->create_task(countdown("Task1", 3, 1.0)),
                                                  ioloop->create_task(countdown("Task2", 2, 1.5))};
    auto wait_tasks = asyncio::wait(tasks);
    const double start = lesson::perf_counter();
    auto [done, pending] = ioloop->run_until_complete(std::move(wait_tasks));
    const double elapsed = (lesson::perf_counter() - start) / lesson::time_scale();

    std::vector<std::string> names;
    for (auto& task : done) names.push_back(task.result());
    std::sort(names.begin(), names.end());
    std::cout << "done: [" << names.at(0) << ", " << names.at(1) << "], pending: " << pending.size()
              << std::endl;
    std::printf(
        "took %.1f s of lesson time (serially: 6.0 s; concurrently: the longer task, 3.0 s)\n",
        elapsed);
    std::cout << "concurrent: " << (elapsed < 4.5 ? "yes" : "no") << std::endl;
    ioloop->close();
    return 0;
}
