// L07 -- calc_square and calc_cube, serially and in two threads (seed 001,
// mult_threading.py).
//
// The Python original:
//
//   import time
//   import threading
//
//   def calc_square(numbers):
//       print("calculate square numbers")
//       for n in numbers:
//           time.sleep(0.2)
//           print('square:', n*n)
//
//   def calc_cube(numbers):
//       print("calculate cube of numbers")
//       for n in numbers:
//           time.sleep(0.2)
//           print('cube:', n*n*n)
//
//   arr = [2,3,8,9]
//
//   t = time.time()
//   calc_square(arr)
//   calc_cube(arr)
//   print("done in : ", time.time()-t)
//
//   t = time.time()
//   t1 = threading.Thread(target=calc_square, args=(arr,))
//   t2 = threading.Thread(target=calc_cube, args=(arr,))
//   t1.start()
//   t2.start()
//   t1.join()
//   t2.join()
//   print("done in : ", time.time()-t)
//   print("Hah... I am done with all my work now!")
//
// What it shows: each function waits 4 x 0.2 s. Serially that is 1.6 s; in
// two threads the waits overlap and the whole takes about 0.8 s -- twice as
// fast. (This works in Python too, GIL or not: sleeping releases the GIL.)
// The program checks that the threaded run takes at most 0.6 x the serial one
// and exits with status 1 otherwise.
#include <concur/threading.hpp>

#include <vector>

#include "lesson_time.hpp"

namespace threading = concur::threading;

void calc_square(const std::vector<int>& numbers) {
    threading::print("calculate square numbers");
    for (int n : numbers) {
        lesson::sleep(0.2);
        threading::print("square:", n * n);
    }
}

void calc_cube(const std::vector<int>& numbers) {
    threading::print("calculate cube of numbers");
    for (int n : numbers) {
        lesson::sleep(0.2);
        threading::print("cube:", n * n * n);
    }
}

int main() {
    const std::vector<int> arr = {2, 3, 8, 9};

    threading::print("-- serially --");
    double t = lesson::perf_counter();
    calc_square(arr);
    calc_cube(arr);
    const double serial = lesson::perf_counter() - t;
    threading::print("done in : ", serial);

    threading::print("-- in two threads --");
    t = lesson::perf_counter();
    // Thread copies its arguments; std::cref(arr) would share arr as Python does.
    threading::Thread t1(calc_square, arr);
    threading::Thread t2(calc_cube, arr);
    t1.start();
    t2.start();
    t1.join();
    t2.join();
    const double threaded = lesson::perf_counter() - t;
    threading::print("done in : ", threaded);
    threading::print("Hah... I am done with all my work now!");

    const double ratio = threaded / serial;
    threading::print("threaded / serial =", static_cast<int>(ratio * 100 + 0.5) / 100.0,
                     "(ideal 0.5, required <= 0.6)");
    if (ratio > 0.6) {
        threading::print("FAILED: the threads did not overlap their sleeps");
        return 1;
    }
    threading::print("OK: about", static_cast<int>(serial / threaded * 10 + 0.5) / 10.0,
                     "times faster in threads");
    return 0;
}
