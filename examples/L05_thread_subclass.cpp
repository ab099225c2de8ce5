// L05 -- subclassing Thread, names and the module functions (seed 001,
// threading_subclass.py).
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
//   class MyThread(threading.Thread):
//       def __init__(self, name, delay):
//           threading.Thread.__init__(self)
//           self.name = name
//           self.delay = delay
//
//       def run(self):
//           print("start thread:", self.name)
//           print_epoch(self.name, self.delay)
//           print("end thread:", self.name)
//
//   if __name__ == "__main__":
//       t1 = MyThread("Thread-1", 1)
//       t2 = MyThread("Thread-2", 2)
//
//       t1.start()
//       t2.start()
//       print(t1.getName())
//       print(t2.getName())
//
//       print(threading.activeCount())
//       print(threading.currentThread())
//       print(threading.enumerate())
//
//       t1.join()
//       t2.join()
//       print("Done")
//
// What it shows: a Thread subclass overrides run(); start() calls it in the
// new thread. Threads have names; active_count() counts the live threads
// (main included: 3 here), current_thread() is the caller (main) and
// enumerate() lists every live thread.
//
// C++ notes:
//  * Python's camelCase aliases getName(), activeCount(), currentThread()
//    are deprecated; concur has only the snake_case names: t1.name(),
//    active_count(), current_thread().
//  * Python properties become accessor pairs: `self.name = name` is
//    `name(value)`, reading it is `name()`.
//  * MyThread's run() reads MyThread's own member `delay`, so MyThread joins
//    in its destructor: by the time ~Thread runs, `delay` no longer exists.
//  * enumerate() is unordered, as Python does not promise an order either.
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

class MyThread : public threading::Thread {
  public:
    MyThread(std::string name, double delay) : delay(delay) {
        this->name(std::move(name));  // Python: self.name = name
    }
    ~MyThread() override {
        if (is_alive()) join();
    }

    void run() override {
        threading::print("start thread:", name());
        print_epoch(name(), delay);
        threading::print("end thread:", name());
    }

    double delay;
};

int main() {
    MyThread t1("Thread-1", 1);
    MyThread t2("Thread-2", 2);

    t1.start();
    t2.start();
    threading::print("t1.name() =", t1.name());  // Python: print(t1.getName())
    threading::print("t2.name() =", t2.name());

    threading::print("active_count:", threading::active_count());
    threading::print("current_thread:", threading::current_thread());
    threading::print("enumerate:", threading::enumerate());

    t1.join();
    t2.join();
    threading::print("Done");
    return 0;
}
