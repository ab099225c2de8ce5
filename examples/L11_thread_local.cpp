// L11 -- threading.local(): one object, a separate value in every thread
// (seed 000, "Thread example").
//
// The Python original:
//
//   import threading
//
//   mydata = threading.local()
//   mydata.x = 1
//
//   x=100
//
//   print(f"mydata.x is {mydata.x}, x is {x}")
//
// What it shows: `x` is one variable that every thread shares; `mydata.x` is
// a different variable in every thread that uses it. Here three threads each
// set their own mydata.x and add to the shared x (under a Lock, see L06);
// then each reads mydata.x back and finds its own value, although the others
// set theirs in between. Main's mydata.x is still 1, while x has changed.
//
// C++ notes: a Python local accepts any attribute; a C++ local<T> holds a T,
// here a struct with one member x, so `mydata.x` is spelled `mydata->x`.
// Each thread's value starts value-initialised (x == 0), where Python would
// raise AttributeError until the thread sets mydata.x itself.
#include <concur/threading.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>

namespace threading = concur::threading;

struct Data {
    int x = 0;
};

threading::local<Data> mydata;

int x = 100;  // shared by all threads; changed only under x_lock
threading::Lock x_lock;
threading::Barrier all_set(3);  // so that all three have set mydata.x before any reads it
std::atomic<int> saw_own_value{0};

void worker(int n) {
    const std::string me = threading::current_thread().name();
    threading::print(me + ": mydata.x starts as", mydata->x);
    mydata->x = n;
    {
        std::lock_guard with_lock(x_lock);
        x += n;
    }
    all_set.wait();
    threading::print(me + ": mydata.x is", mydata->x);
    if (mydata->x == n) saw_own_value += 1;
}

int main() {
    mydata->x = 1;

    threading::print("mydata.x is " + std::to_string(mydata->x) + ", x is " + std::to_string(x));

    std::deque<threading::Thread> threads;
    for (int n : {10, 20, 30}) {
        threads.emplace_back(worker, n).start();
    }
    for (threading::Thread& t : threads) {
        t.join();
    }

    threading::print("main: mydata.x is " + std::to_string(mydata->x) + ", x is " +
                     std::to_string(x));
    const bool ok = saw_own_value == 3 && mydata->x == 1 && x == 160;
    threading::print("each thread kept its own mydata.x, and all shared x:", ok);
    return ok ? 0 : 1;
}
