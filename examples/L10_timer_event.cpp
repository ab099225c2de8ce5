// L10 -- Timer and Event (seed 000, "Thread example"; seed 002, "Events and
// timers").
//
// The Python original:
//
//   import threading
//
//   def hello(thread):
//       print()
//       print(f"hello world from {thread}")
//
//   t1 = threading.Timer(3.0, hello, args=('t1',))
//   t2 = threading.Timer(2.0, hello, args=('t2',))
//
//   t1.start()
//   t2.start()
//
// What it shows:
//  1. A Timer is a Thread that calls its function after an interval. t1 is
//     started first but waits 3 s, t2 only 2 s: "hello world from t2" comes
//     first, then "hello world from t1".
//  2. cancel() stops a Timer that has not fired yet: t3 never says hello.
//  3. An Event is a flag threads can wait for: a waiter blocks in wait()
//     until a Timer sets it; wait(timeout) returns False if nobody does.
//
// C++ notes: intervals are std::chrono durations (3.0s, not 3.0), and the
// function's arguments follow it directly instead of args=(...).
#include <concur/threading.hpp>

#include <chrono>
#include <string>

#include "lesson_time.hpp"

namespace threading = concur::threading;
using namespace std::chrono_literals;

void hello(std::string thread) {
    threading::print();
    threading::print("hello world from " + thread);
}

int main() {
    // 1. Two timers: the shorter one fires first.
    threading::Timer t1(lesson::scaled(3.0s), hello, "t1");
    threading::Timer t2(lesson::scaled(2.0s), hello, "t2");

    t1.start();
    t2.start();

    t1.join();  // Python waits for the timers at exit; we wait here to go on
    t2.join();

    // 2. cancel(): a timer stopped before its interval has passed never fires.
    threading::Timer t3(lesson::scaled(1.0s), hello, "t3");
    t3.start();
    t3.cancel();
    t3.join();  // ends at once: cancel() wakes the timer up
    threading::print();
    threading::print("t3 was cancelled: it never said hello");

    // 3. Event: a waiter blocks until the flag is set -- here by a timer.
    threading::Event ready;
    threading::Thread waiter([&ready] {
        threading::print("waiter: waiting for the event");
        const bool flag = ready.wait();
        threading::print("waiter: the event is set, wait() returned", flag);
    });
    waiter.start();

    // wait(timeout) gives up and returns False when nobody sets the flag.
    const bool early = ready.wait(lesson::scaled(0.5s));
    threading::print("main: wait(0.5) before anyone set it returned", early);

    threading::Timer setter(lesson::scaled(1.0s), [&ready] {
        threading::print("timer: setting the event");
        ready.set();
    });
    setter.start();
    waiter.join();
    setter.join();
    threading::print("main: is_set() =", ready.is_set());
    return 0;
}
