// L02 -- the low-level `_thread.start_new_thread` (seed 001, thread_example.py).
//
// The Python original:
//
//   import _thread
//   import time
//
//   def print_epoch(nameOfThread, delay):
//       count = 0
//       while count < 3:
//           time.sleep(delay)
//           count += 1
//           print(nameOfThread, "-----", time.time())
//
//   _thread.start_new_thread(print_epoch, ("thread 1", 1))
//   _thread.start_new_thread(print_epoch, ("thread 2", 3))
//
//   input()
//
// What it shows: `_thread` treats a thread as a function call. There is no
// Thread object, hence no join(): when the main thread ends, the process ends
// and takes such threads with it. The seed keeps main alive with input(),
// i.e. by waiting for someone to press Enter -- or, in many tutorials, with a
// blind time.sleep(10) that is either too long or too short.
//
// Here main waits for exactly what it needs, with the `_thread` module's own
// tool, a lock: main acquires one lock per thread, hands it to the thread,
// and acquires it again; that second acquire blocks until the thread,
// finished, releases it. (A Python Lock -- unlike std::mutex -- may be
// released by a thread that did not acquire it, which is what makes this
// idiom legal; concur's Lock keeps that rule.) An Event per thread would do
// as well.
//
// C++ notes: start_new_thread takes the arguments directly instead of a
// tuple, and checks them at compile time.
#include <concur/threading.hpp>

#include <string>

#include "lesson_time.hpp"

namespace threading = concur::threading;

void print_epoch(std::string nameOfThread, double delay, threading::Lock* finished) {
    int count = 0;
    while (count < 3) {
        lesson::sleep(delay);
        count += 1;
        threading::print(nameOfThread, "-----", lesson::time());
    }
    finished->release();  // tell main this thread is done
}

int main() {
    auto finished1 = threading::allocate_lock();  // Python: _thread.allocate_lock()
    auto finished2 = threading::allocate_lock();
    finished1->acquire();
    finished2->acquire();

    threading::start_new_thread(print_epoch, "thread 1", 1.0, finished1.get());
    threading::start_new_thread(print_epoch, "thread 2", 3.0, finished2.get());

    // Instead of input(): block until each thread has released its lock.
    finished1->acquire();
    finished2->acquire();
    threading::print("main: both threads have finished, main can end now");
    return 0;
}
