// L01 -- hello, serially and in 5 threads (seed 002, "Simple example of threads").
//
// The Python original:
//
//   def hello():
//       print('Hello!')
//
//   for i in range(5):
//       hello()
//
//   import threading
//
//   def hello():
//       print('Hello!\n', end='')     # don't add \n to the end of print
//
//   for i in range(5):
//       t = threading.Thread(target=hello)
//       t.start()
//
// What it shows: the same five lines either way. In threads the function is
// not called by us but by the Thread object, in a new thread, after start().
//
// C++ notes:
//  * Python keeps each Thread alive after `t = ...` is rebound. In C++ a
//    Thread is destroyed at the end of its scope, and destroying a running
//    Thread joins it (RAII) -- so a loop of `Thread t(hello); t.start();`
//    would quietly run the threads one after the other. We keep the five
//    Thread objects in a std::deque (a Thread cannot be copied or moved, and
//    deque::emplace_back never moves its elements).
//  * threading::print writes its whole line at once, so the seed's trick of
//    print('Hello!\n', end='') (to keep the newline glued to the text) is not
//    needed: lines from different threads never mix.
#include <concur/threading.hpp>

#include <deque>

namespace threading = concur::threading;

void hello() {
    threading::print("Hello!");
}

int main() {
    threading::print("-- serially, in the main thread --");
    for (int i = 0; i < 5; ++i) {
        hello();
    }

    threading::print("-- each in its own thread --");
    std::deque<threading::Thread> threads;
    for (int i = 0; i < 5; ++i) {
        threading::Thread& t = threads.emplace_back(hello);
        t.start();
    }
    // Python waits for non-daemon threads when the program ends; so does
    // concur, but we join explicitly so that the last line comes after them.
    for (threading::Thread& t : threads) {
        t.join();
    }
    threading::print("-- all", threads.size(), "threads joined --");
    return 0;
}
