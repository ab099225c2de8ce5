// L18 -- a bank balance in shared memory, deposits and withdrawals in two
// processes: wrong without a lock, 200 with one (seed 001,
// multiprocessing_lock.py, in two versions).
//
// The Python original, first version (the seed's run printed 204):
//
//   import time
//   import multiprocessing
//
//   def deposit(balance):
//       for i in range(100):
//           time.sleep(0.01)
//           balance.value = balance.value + 1
//
//   def withdraw(balance):
//       for i in range(100):
//           time.sleep(0.01)
//           balance.value = balance.value - 1
//
//   if __name__ == '__main__':
//       balance = multiprocessing.Value('i', 200)
//       d = multiprocessing.Process(target=deposit, args=(balance,))
//       w = multiprocessing.Process(target=withdraw, args=(balance,))
//       d.start()
//       w.start()
//       d.join()
//       w.join()
//       print(balance.value)
//
// and the second, with a Lock (it prints 200):
//
//   def deposit(balance, lock):
//       for i in range(100):
//           time.sleep(0.01)
//           lock.acquire()
//           balance.value = balance.value + 1
//           lock.release()
//
//   def withdraw(balance, lock):      # the same, with - 1
//
//   if __name__ == '__main__':
//       balance = multiprocessing.Value('i', 200)
//       lock = multiprocessing.Lock()
//       d = multiprocessing.Process(target=deposit, args=(balance,lock))
//       w = multiprocessing.Process(target=withdraw, args=(balance,lock))
//       ...
//       print(balance.value)
//
// What it shows: `balance.value = balance.value + 1` is a read, then a write.
// When the other process writes between them, one of the two updates is lost:
// 100 deposits and 100 withdrawals no longer add up to the 200 we started
// with. Holding a Lock from the read to the write makes the pair atomic with
// respect to the other process, and the balance ends at exactly 200.
//
// C++ notes:
//  * Value('i', 200) is mp::Value<int>(200); the `.value` property is
//    value() to read and value(x) to write. As in Python, neither takes the
//    Value's own lock, so balance.value(balance.value() + 1) is the same
//    unprotected read-modify-write as the seed's line.
//  * In C++ the read and the write are nanoseconds apart, so the seed's
//    program (whose Python line takes microseconds) almost never loses an
//    update. To make the race visible, each update here is written out as
//    its two steps with a short sleep between them -- the bank "working on"
//    the balance it read -- which widens the window the other process can
//    write in. The seed's 10 ms sleep before each update stays. Both sleeps
//    go through lesson_time.hpp (CONCUR_TIME_SCALE), so tests run them
//    shorter: the race stays, as the ratio of the two sleeps is what counts.
//  * No undefined behaviour: value() and value(x) are atomic loads and stores
//    in shared memory; only the pair of them is not atomic, as in Python.
//  * The unlocked result varies from run to run. It is usually wrong, but
//    may be right by luck (no update lost, or lost deposits and lost
//    withdrawals cancelling out); the program says which. The locked one is
//    always 200 (the program exits with status 1 otherwise).
//  * The seed's lock.acquire()/lock.release() are kept; std::lock_guard (or
//    `with lock:` in Python) is the exception-safe way to write the same.
#include <concur/multiprocessing.hpp>
#include <concur/threading.hpp>

#include "lesson_time.hpp"

namespace mp = concur::multiprocessing;
namespace threading = concur::threading;

constexpr double kPause = 0.01;     // the seed's time.sleep(0.01) before each update
constexpr double kWorking = 0.005;  // between the read and the write (not in the seed)

// --- without a lock --------------------------------------------------------------

void deposit(mp::Value<int> balance) {
    for (int i = 0; i < 100; ++i) {
        lesson::sleep(kPause);
        const int read = balance.value();  // Python: balance.value = balance.value + 1
        lesson::sleep(kWorking);
        balance.value(read + 1);
    }
}

void withdraw(mp::Value<int> balance) {
    for (int i = 0; i < 100; ++i) {
        lesson::sleep(kPause);
        const int read = balance.value();  // Python: balance.value = balance.value - 1
        lesson::sleep(kWorking);
        balance.value(read - 1);
    }
}

// --- with a lock -----------------------------------------------------------------

void deposit_locked(mp::Value<int> balance, mp::Lock lock) {
    for (int i = 0; i < 100; ++i) {
        lesson::sleep(kPause);
        lock.acquire();
        const int read = balance.value();
        lesson::sleep(kWorking);
        balance.value(read + 1);
        lock.release();
    }
}

void withdraw_locked(mp::Value<int> balance, mp::Lock lock) {
    for (int i = 0; i < 100; ++i) {
        lesson::sleep(kPause);
        lock.acquire();
        const int read = balance.value();
        lesson::sleep(kWorking);
        balance.value(read - 1);
        lock.release();
    }
}

int main() {
    mp::freeze_support();

    threading::print("-- without a lock: deposit and withdraw one unit a hundred times each");
    {
        mp::Value<int> balance(200);
        mp::Process d(deposit, balance);
        mp::Process w(withdraw, balance);
        d.start();
        w.start();
        d.join();
        w.join();
        const int result = balance.value();
        threading::print(result);
        if (result == 200) {
            threading::print("  right this time, by luck: no update was lost, or the lost ones",
                             "cancelled out; run it again");
        } else {
            threading::print("  wrong: it should be 200; updates were lost (the seed got 204)");
        }
    }

    threading::print("-- with a Lock held from each read to its write");
    mp::Value<int> balance(200);
    mp::Lock lock;
    mp::Process d(deposit_locked, balance, lock);
    mp::Process w(withdraw_locked, balance, lock);
    d.start();
    w.start();
    d.join();
    w.join();
    const int result = balance.value();
    threading::print(result);
    if (result != 200) {
        threading::print("  WRONG: the Lock did not protect the balance");
        return 1;
    }
    threading::print("  right: 200, as every time");
    return 0;
}
