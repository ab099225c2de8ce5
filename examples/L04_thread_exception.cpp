// L04 -- an exception inside a thread (seed 001, threading_example.py).
//
// The Python original:
//
//   import threading
//
//   def print_cube(num):
//       print("Cube = {}".format(num*num*num))
//
//   def print_sqare(num):
//       print("Sqare = {}".format(num*num))
//
//   if __name__ == "__main__":
//       t1 = threading.Thread(target=print_cube, args=(2,))
//       t2 = threading.Thread(target=print_sqare, args=(2,1))
//
//       t1.start()
//       t2.start()
//
//       t1.join()
//       t2.join()
//
//       print("Done")
//
// Python's output: "Cube = 8", then "Done" -- and, from the second thread,
//
//   Exception in thread Thread-2 (print_sqare):
//   Traceback (most recent call last): ...
//   TypeError: print_sqare() takes 1 positional argument but 2 were given
//
// What it shows: an exception that escapes a thread does not reach main and
// does not stop the program. threading.excepthook reports it on stderr,
// naming the thread, and main goes on to print "Done".
//
// C++ notes:
//  * The seed's mistake cannot happen in C++: a wrong number of arguments is
//    a compile-time error, not a TypeError in the new thread. This line
//
//        threading::Thread t2(print_sqare, 2, 1);
//
//    does not compile ("the target cannot be called with these arguments").
//    So our third thread throws a concur::ValueError on purpose instead.
//  * The report is concur's default excepthook: the same first line as
//    Python, then the exception's C++ type and its what() (no traceback).
//  * `--stderr-to-stdout` sends stderr into stdout, so that a test can check
//    the report and "Done" in one stream, in order.
#include <concur/threading.hpp>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace threading = concur::threading;

void print_cube(int num) {
    if (num < 0) {
        throw concur::ValueError("print_cube() wants a non-negative number, got " +
                                 std::to_string(num));
    }
    threading::print("Cube = " + std::to_string(num * num * num));
}

void print_sqare(int num) {
    threading::print("Sqare = " + std::to_string(num * num));
}

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--stderr-to-stdout") == 0) {
        ::dup2(STDOUT_FILENO, STDERR_FILENO);
    }

    threading::Thread t1(print_cube, 2);
    threading::Thread t2(print_sqare, 2);
    threading::Thread t3(print_cube, -2);  // throws ValueError in Thread-3

    t1.start();
    t2.start();
    t1.join();
    t2.join();  // t1 and t2 first, so that their lines come before the report

    t3.start();
    t3.join();  // returns normally: the exception stayed in Thread-3

    threading::print("Done");

    // Python: threading.excepthook = my_hook. The hook receives what the
    // default one prints: the thread, the exception's type and the exception.
    std::atomic<int> failures{0};
    threading::excepthook = [&failures](const threading::ExceptHookArgs& args) {
        failures += 1;
        threading::print("my_hook:", args.thread ? args.thread->name() : "?", "raised",
                         args.exc_type, "-", args.message());
    };
    threading::Thread t4(print_cube, -3);
    t4.start();
    t4.join();
    threading::excepthook = threading::default_excepthook;  // back to Python's default
    threading::print("my_hook saw", failures.load(), "failure(s); Done again");
    return 0;
}
