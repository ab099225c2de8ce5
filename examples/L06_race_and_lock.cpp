// L06 -- a race on a shared counter, then fixed with a Lock (seed 001,
// threads_synchronization.py; seed 002, "Sharing data").
//
// The Python original:
//
//   import threading
//
//   x = 0
//
//   def thread_task():
//       global x
//       for i in range(10):
//           x += 1
//
//   def main_task():
//       t1 = threading.Thread(target=thread_task)
//       t2 = threading.Thread(target=thread_task)
//
//       t1.start()
//       t2.start()
//
//       t1.join()
//       t2.join()
//
//   if __name__ == "__main__":
//       main_task()
//       print("{0}".format(x))
//
// and the fix the lesson builds up to:
//
//   lock = threading.Lock()
//
//   def thread_task(lock):
//       global x
//       for i in range(10):
//           with lock:
//               x += 1
//
// What it shows: `x += 1` is three steps -- read x, add one, write x back.
// When two threads interleave those steps, one thread writes back a stale
// value and the other's increments are lost. Holding a Lock around the
// read-modify-write makes it atomic with respect to the other thread: the
// total is then exact.
//
// C++ notes:
//  * With 10 increments per thread (the seed) nothing is ever lost: the first
//    thread is done before the second starts. We do 10,000,000 per thread
//    (tens of milliseconds, longer than a scheduler time slice, so the two
//    loops overlap even on a busy machine) and let both start together (a
//    Barrier).
//  * In C++ a plain `long x` incremented by two threads without a lock is a
//    data race, i.e. undefined behaviour: the compiler may legally turn the
//    whole loop into `x += 1000000`, or anything else. To show the lost
//    updates *safely*, the racy counter is a std::atomic<long> that we read
//    and write in two separate relaxed operations -- no data race in the C++
//    memory model (every access is atomic), yet the read-modify-write as a
//    whole is not atomic, exactly like Python's `x += 1`.
//    (x.fetch_add(1) would be the lock-free fix; the lesson is about Lock.)
//  * The locked counter is a plain `long`: the Lock alone makes it safe.
#include <concur/threading.hpp>

#include <atomic>
#include <functional>
#include <mutex>

namespace threading = concur::threading;

constexpr long ITERATIONS = 10'000'000;  // per thread (the seed: 10)

// --- without a lock ------------------------------------------------------------

std::atomic<long> x{0};
threading::Barrier both_started(2);

void thread_task() {
    both_started.wait();  // start the two loops together
    for (long i = 0; i < ITERATIONS; ++i) {
        long value = x.load(std::memory_order_relaxed);  // read x
        x.store(value + 1, std::memory_order_relaxed);   // write x + 1 back
    }
}

void main_task() {
    threading::Thread t1(thread_task);
    threading::Thread t2(thread_task);

    t1.start();
    t2.start();

    t1.join();
    t2.join();
}

// --- with a lock ---------------------------------------------------------------

long counter = 0;  // guarded by lock
threading::Lock lock;

void locked_task(threading::Lock& lock) {
    both_started.wait();
    for (long i = 0; i < ITERATIONS; ++i) {
        std::lock_guard with_lock(lock);  // Python: with lock:
        counter += 1;
    }
}

void locked_main_task() {
    threading::Thread t1(locked_task, std::ref(lock));
    threading::Thread t2(locked_task, std::ref(lock));

    t1.start();
    t2.start();

    t1.join();
    t2.join();
}

int main() {
    const long expected = 2 * ITERATIONS;

    main_task();
    const long racy = x.load();
    threading::print("without a lock: x =", racy, "of", expected, "expected");
    if (racy < expected) {
        threading::print("  lost updates:", expected - racy);
    } else {
        threading::print(
            "  no update was lost this time (the threads did not overlap); run it again");
    }

    locked_main_task();
    threading::print("with a Lock: counter =", counter, "of", expected, "expected");
    if (counter != expected) {
        threading::print("  WRONG: the Lock did not protect the counter");
        return 1;
    }
    threading::print("  exact");
    return 0;
}
