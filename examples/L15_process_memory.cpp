// L15 -- a child process's global list is not the parent's (seed 001,
// multi_proc.py).
//
// The Python original (the seed's run printed the four squares, "within a
// process: result [4, 9, 64, 81]", then "result []" and "Done!"):
//
//   import time
//   import multiprocessing
//
//   square_result = []
//
//   def calc_square(numbers):
//       global square_result
//       for n in numbers:
//           print('square ' + str(n*n))
//           square_result.append(n*n)
//       print('within a process: result ' + str(square_result))
//
//   if __name__ == "__main__":
//       arr = [2,3,8,9]
//       p1 = multiprocessing.Process(target=calc_square, args=(arr,))
//       p1.start()
//       p1.join()
//       print('result ' + str(square_result))
//       print("Done!")
//
// What it shows: every process has its own address space. The child starts
// as a copy of the parent (start method "fork") and appends to *its* copy of
// square_result; the parent's list is untouched and still empty after
// join(). Threads share one address space (L11's global x); processes share
// only what is put in shared memory on purpose (L16: Value and Array) or sent
// (L17: Pipe and Queue).
//
// C++ notes:
//  * The same holds in C++ for any global: a std::vector<int> here. Nothing
//    is copied back when the child ends.
//  * threading::print is Python's print made line-atomic; a vector prints as
//    Python shows a list, [4, 9, 64, 81].
#include <concur/multiprocessing.hpp>
#include <concur/threading.hpp>

#include <string>
#include <vector>

namespace mp = concur::multiprocessing;
namespace threading = concur::threading;

std::vector<int> square_result;

void calc_square(const std::vector<int>& numbers) {
    for (int n : numbers) {
        threading::print("square " + std::to_string(n * n));
        square_result.push_back(n * n);
    }
    threading::print("within a process: result", square_result);
}

int main() {
    mp::freeze_support();

    std::vector<int> arr{2, 3, 8, 9};
    mp::Process p1(calc_square, arr);
    p1.start();
    p1.join();
    threading::print("result", square_result);
    threading::print("Done!");

    // Not in the seed: the child did end normally, so the empty list is not
    // a failed child's doing.
    threading::print("p1.exitcode:", p1.exitcode().value_or(-1));
    return square_result.empty() && p1.exitcode() == 0 ? 0 : 1;
}
