// L03 -- threading.Thread, start() and join() (seed 001, threading_example.py).
//
// The Python original:
//
//   import threading
//   import time
//
//   def print_epoch(nameOfThread, delay):
//       count = 0
//       while count < 5:
//           time.sleep(delay)
//           count += 1
//           print(nameOfThread, "-----", time.time())
//
//   t1 = threading.Thread(target=print_epoch, args=("Thread 1", 1))
//   t2 = threading.Thread(target=print_epoch, args=("Thread 2", 2))
//
//   t1.start()
//   t2.start()
//
//   t1.join()
//   t2.join()
//
//   print("Done")
//
// What it shows: the object-oriented `threading` module. start() runs the
// target in a new thread; join() waits for it to end, so "Done" is always the
// last line, after the five lines of each thread (Thread 1 prints every
// second, Thread 2 every two seconds: 10 s in all).
//
// C++ notes: Thread(target, args...) checks at compile time that
// print_epoch can be called with ("Thread 1", 1); Python would find out only
// in the new thread (see L04).
#include <concur/threading.hpp>

#include <string>

#include "lesson_time.hpp"

namespace threading = concur::threading;

void print_epoch(std::string nameOfThread, double delay) {
    int count = 0;
    while (count < 5) {
        lesson::sleep(delay);
        count += 1;
        threading::print(nameOfThread, "-----", lesson::time());
    }
}

int main() {
    threading::Thread t1(print_epoch, "Thread 1", 1.0);
    threading::Thread t2(print_epoch, "Thread 2", 2.0);

    t1.start();
    t2.start();

    t1.join();
    t2.join();

    threading::print("Done");
    return 0;
}
