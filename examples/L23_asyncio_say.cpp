// L23 -- asyncio: tasks on one event loop, run_forever and stop.
//
// An event loop runs many coroutines on one thread: each `co_await` on a
// sleep hands the thread back to the loop, which resumes whichever task's
// timer is due next. Here three `say` tasks sleep 2, 1 and 4 seconds and a
// fourth stops the loop after 3 s: "second hello" prints first, then "first
// hello"; the loop stops before "third hello" is due, and closing the loop
// reports that task as destroyed while pending, as Python does.
//
// The Python program this lesson ports (seed 000):
//
//   import asyncio
//
//   async def say(what, when):
//       await asyncio.sleep(when)
//       print(what)
//
//   async def stop_after(loop, when):
//       await asyncio.sleep(when)
//       loop.stop()
//
//   loop = asyncio.get_event_loop()
//   loop.create_task(say('first hello', 2))
//   loop.create_task(say('second hello', 1))
//   loop.create_task(say('third hello', 4))
//   loop.create_task(stop_after(loop, 3))
//   loop.run_forever()
//   loop.close()
#include <concur/asyncio.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "lesson_time.hpp"

namespace asyncio = concur::asyncio;

asyncio::Coroutine<void> say(std::string what, double when) {
    co_await asyncio::sleep(lesson::scaled(std::chrono::duration<double>(when)));
    std::cout << what << std::endl;
}

asyncio::Coroutine<void> stop_after(std::shared_ptr<asyncio::EventLoop> loop, double when) {
    co_await asyncio::sleep(lesson::scaled(std::chrono::duration<double>(when)));
    loop->stop();
}

int main() {
    auto loop = asyncio::get_event_loop();
    loop->create_task(say("first hello", 2));
    loop->create_task(say("second hello", 1));
    loop->create_task(say("third hello", 4));
    loop->create_task(stop_after(loop, 3));
    loop->run_forever();
    std::cout << "loop stopped; closing it" << std::endl;
    loop->close();
    return 0;
}
