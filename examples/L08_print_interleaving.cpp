// L08 -- threads share stdout: interleaved output, and a print that is not
// (seed 003, "Threading").
//
// The Python original:
//
//   from threading import Thread
//
//   def square(n):
//       print("Square:", n**2)
//
//   def cube(n):
//       print("Cube:", n**3)
//
//   t1 = Thread(target=square, args=(2,))
//   t2 = Thread(target=cube, args=(3,))
//
//   t1.start()
//   t2.start()
//   print("Hello")
//
// and its output in the seed:
//
//   Square:Cube: 4
//   Hello
//    27
//
// What it shows: Python's print() writes its pieces (each argument, the
// separators, the newline) one by one, so two threads printing at once can
// mix their lines: "Square:Cube: 4". The same happens in C++ with std::cout
// and `<<`: every `<<` is a separate write. (It is not a data race: the
// standard streams are safe to use from several threads -- only the pieces
// may interleave.) concur's threading::print builds the whole line first and
// writes it in one call, so lines from different threads never mix.
//
// Part 1 repeats the seed with std::cout, 50 times per thread and with both
// threads starting at the same moment, so that mixed lines have a chance to
// appear (on a machine with two free cores they usually do). Part 2 does the same with
// threading::print: every line comes out whole.
#include <concur/threading.hpp>

#include <iostream>

namespace threading = concur::threading;

constexpr int ROUNDS = 50;

// Both threads start printing at the same moment (in the seed, the first
// thread is often done before the second one starts).
threading::Barrier start_together(2);

// --- part 1: std::cout, piece by piece -------------------------------------------

void square(int n) {
    start_together.wait();
    for (int i = 0; i < ROUNDS; ++i) {
        std::cout << "Square:" << ' ' << n * n << std::endl;
    }
}

void cube(int n) {
    start_together.wait();
    for (int i = 0; i < ROUNDS; ++i) {
        std::cout << "Cube:" << ' ' << n * n * n << std::endl;
    }
}

// --- part 2: threading::print, one line at a time ---------------------------------

void print_square(int n) {
    start_together.wait();
    for (int i = 0; i < ROUNDS; ++i) {
        threading::print("square of", n, "is", n * n);
    }
}

void print_cube(int n) {
    start_together.wait();
    for (int i = 0; i < ROUNDS; ++i) {
        threading::print("cube of", n, "is", n * n * n);
    }
}

int main() {
    std::cout << "-- part 1: std::cout << ... (lines may mix, e.g. \"Square:Cube: 4\") --"
              << std::endl;
    {
        threading::Thread t1(square, 2);
        threading::Thread t2(cube, 3);

        t1.start();
        t2.start();
        std::cout << "Hello" << std::endl;

        t1.join();
        t2.join();
    }

    threading::print("-- part 2: threading::print (every line whole) --");
    {
        threading::Thread t1(print_square, 2);
        threading::Thread t2(print_cube, 3);

        t1.start();
        t2.start();
        threading::print("Hello");

        t1.join();
        t2.join();
    }
    threading::print("-- done: part 2 printed", 2 * ROUNDS + 1, "whole lines --");
    return 0;
}
