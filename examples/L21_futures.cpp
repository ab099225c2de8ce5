// L21 -- Python's concurrent.futures: executors, submit, as_completed, map.
//
// A ThreadPoolExecutor runs calls on a pool of worker threads. submit() hands
// it one call and returns a Future for its result; as_completed() yields the
// futures in the order their calls finish; map() calls a function on every
// input and gives the results in input order. The lesson also shows
// cancelling a call that has not started, waiting with a timeout, and an
// exception raised in a worker reaching the thread that asks for the result.
//
// The Python program this lesson ports, one part per idea:
//
//   import threading, time
//   from concurrent.futures import ThreadPoolExecutor, as_completed, CancelledError
//
//   def work(name, seconds):
//       time.sleep(seconds)
//       return f"{name} slept {seconds} s"
//
//   # 1. submit + as_completed: results as the calls end, not as submitted
//   with ThreadPoolExecutor(max_workers=3) as ex:
//       fs = [ex.submit(work, name, s) for name, s in [("slow", 3), ("fast", 1), ("medium", 2)]]
//       print("submitted: slow, fast, medium")
//       for f in as_completed(fs):
//           print("completed:", f.result())
//
//   # 2. map: results in input order, whatever order the calls end in
//   def square_after(n):
//       time.sleep(n)
//       print("finished", n)
//       return n * n
//
//   with ThreadPoolExecutor(max_workers=3) as ex:
//       print("map results, in input order:", list(ex.map(square_after, [3, 1, 2])))
//
//   # 3. cancel(): a queued call can be cancelled, a running one cannot
//   started, release = threading.Event(), threading.Event()
//   def blocker():
//       started.set()
//       release.wait()
//       return "blocker done"
//
//   with ThreadPoolExecutor(max_workers=1) as ex:
//       running = ex.submit(blocker)
//       queued = ex.submit(work, "queued", 1)     # waits: the only worker is busy
//       started.wait()
//       print("queued.cancel():", queued.cancel())        # True
//       print("queued.cancelled():", queued.cancelled())  # True
//       print("running.cancel():", running.cancel())      # False
//       release.set()
//       print(running.result())
//       try:
//           queued.result()
//       except CancelledError:
//           print("queued.result() raised CancelledError")
//
//   # 4. timeouts
//   with ThreadPoolExecutor(max_workers=2) as ex:
//       slow = ex.submit(work, "slow", 2)
//       try:
//           slow.result(timeout=0.5)
//       except TimeoutError:
//           print("slow.result(timeout=0.5) raised TimeoutError; running:", slow.running())
//       print(slow.result())
//       fs = [ex.submit(work, "fast", 0.5), ex.submit(work, "slower", 3)]
//       try:
//           for f in as_completed(fs, timeout=1.5):
//               print("completed:", f.result())
//       except TimeoutError as e:
//           print("as_completed(timeout=1.5) raised TimeoutError:", e)
//
//   # 5. an exception raised in a worker crosses to whoever asks for the result
//   def check_positive(n):
//       if n <= 0:
//           raise ValueError(f"{n} is not positive")
//       return n
//
//   with ThreadPoolExecutor() as ex:
//       f = ex.submit(check_positive, -1)
//       try:
//           f.result()
//       except ValueError as e:
//           print("f.result() raised ValueError:", e)
//       print("f.exception() is a", type(f.exception()).__name__)
//       try:
//           for r in ex.map(check_positive, [1, 2, -3, 4]):
//               print("map gave", r)
//       except ValueError as e:
//           print("map raised ValueError at its item:", e)
//
// C++ notes:
//  * `with ThreadPoolExecutor(...) as ex:` is a block: the executor's
//    destructor calls shutdown(wait=true), as leaving the `with` does.
//  * Futures are typed: submit(work, ...) returns Future<std::string>, and
//    result() returns a reference to the value kept in the future.
//  * The exception keeps its type across threads: catch (const
//    futures::ValueError&) catches what check_positive threw in a worker.
//  * The sleeps are scaled by CONCUR_TIME_SCALE (lesson_time.hpp); the checked
//    run uses 0.1, so the tasks end 0.1 s apart.
#include <concur/futures.hpp>
#include <concur/threading.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "lesson_time.hpp"

namespace futures = concur::futures;
namespace threading = concur::threading;

// Python's str() of a number of seconds: 3 -> "3", 0.5 -> "0.5".
std::string seconds_str(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

// A lesson duration (seconds, scaled) as a std::chrono duration.
std::chrono::nanoseconds secs(double seconds) {
    return lesson::scaled(std::chrono::duration<double>(seconds));
}

std::string work(std::string name, double seconds) {
    lesson::sleep(seconds);
    return name + " slept " + seconds_str(seconds) + " s";
}

int square_after(int n) {
    lesson::sleep(n);
    threading::print("finished", n);
    return n * n;
}

threading::Event started;
threading::Event release;

std::string blocker() {
    started.set();
    release.wait();
    return "blocker done";
}

int check_positive(int n) {
    if (n <= 0) throw futures::ValueError(std::to_string(n) + " is not positive");
    return n;
}

void part1_submit_as_completed() {
    threading::print("-- 1. submit + as_completed");
    futures::ThreadPoolExecutor ex(3);
    const std::vector<std::pair<std::string, double>> tasks = {
        {"slow", 3}, {"fast", 1}, {"medium", 2}};
    std::vector<futures::Future<std::string>> fs;
    for (const auto& [name, s] : tasks) fs.push_back(ex.submit(work, name, s));
    threading::print("submitted: slow, fast, medium");
    for (futures::Future<std::string>& f : futures::as_completed(fs)) {
        threading::print("completed:", f.result());
    }
}

void part2_map() {
    threading::print("-- 2. map");
    futures::ThreadPoolExecutor ex(3);
    const std::vector<int> results = ex.map(square_after, std::vector{3, 1, 2}).to_vector();
    threading::print("map results, in input order:", results);
}

void part3_cancel() {
    threading::print("-- 3. cancel");
    futures::ThreadPoolExecutor ex(1);
    futures::Future<std::string> running = ex.submit(blocker);
    futures::Future<std::string> queued = ex.submit(work, "queued", 1.0);  // the worker is busy
    started.wait();
    threading::print("queued.cancel():", queued.cancel());
    threading::print("queued.cancelled():", queued.cancelled());
    threading::print("running.cancel():", running.cancel());
    release.set();
    threading::print(running.result());
    try {
        queued.result();
    } catch (const futures::CancelledError&) {
        threading::print("queued.result() raised CancelledError");
    }
}

void part4_timeouts() {
    threading::print("-- 4. timeouts");
    futures::ThreadPoolExecutor ex(2);
    futures::Future<std::string> slow = ex.submit(work, "slow", 2.0);
    try {
        slow.result(secs(0.5));
    } catch (const futures::TimeoutError&) {
        threading::print("slow.result(timeout=0.5) raised TimeoutError; running:", slow.running());
    }
    threading::print(slow.result());
    std::vector<futures::Future<std::string>> fs = {ex.submit(work, "fast", 0.5),
                                                    ex.submit(work, "slower", 3.0)};
    try {
        for (futures::Future<std::string>& f : futures::as_completed(fs, secs(1.5))) {
            threading::print("completed:", f.result());
        }
    } catch (const futures::TimeoutError& e) {
        threading::print("as_completed(timeout=1.5) raised TimeoutError:", e.what());
    }
}

void part5_exceptions() {
    threading::print("-- 5. exceptions");
    futures::ThreadPoolExecutor ex;
    futures::Future<int> f = ex.submit(check_positive, -1);
    try {
        f.result();
    } catch (const futures::ValueError& e) {
        threading::print("f.result() raised ValueError:", e.what());
    }
    // exception() hands back the std::exception_ptr; rethrowing it shows the
    // exception kept its dynamic type.
    try {
        std::rethrow_exception(f.exception());
    } catch (const futures::ValueError&) {
        threading::print("f.exception() is a ValueError");
    }
    try {
        for (int r : ex.map(check_positive, std::vector{1, 2, -3, 4})) {
            threading::print("map gave", r);
        }
    } catch (const futures::ValueError& e) {
        threading::print("map raised ValueError at its item:", e.what());
    }
}

int main() {
    part1_submit_as_completed();
    part2_map();
    part3_cancel();
    part4_timeouts();
    part5_exceptions();
    threading::print("Done");
    return 0;
}
