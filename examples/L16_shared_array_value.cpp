// L16 -- shared memory between processes: Array and Value (seed 001,
// queue_pipe_multiprocessing.py, in two steps).
//
// The Python original, first step (the seed's run printed "[4, 9, 25]"):
//
//   import multiprocessing
//
//   def calc_square(numbers, result):
//       for idx, n in enumerate(numbers):
//           result[idx] = n*n
//
//   if __name__ == "__main__":
//       numbers = [2,3,5]
//       result = multiprocessing.Array('i',3)
//       p = multiprocessing.Process(target=calc_square, args=(numbers, result))
//       p.start()
//       p.join()
//       print(result[:])
//
// and the second, which adds a Value (the seed's run printed "5.67"):
//
//   def calc_square(numbers, result, v):
//       v.value = 5.67
//       for idx, n in enumerate(numbers):
//           result[idx] = n*n
//
//   if __name__ == "__main__":
//       numbers = [2,3,5]
//       result = multiprocessing.Array('i',3)
//       v = multiprocessing.Value('d', 0.0)
//       p = multiprocessing.Process(target=calc_square, args=(numbers, result, v))
//       p.start()
//       p.join()
//       print(v.value)
//
// This program runs the second step and prints both lines: result[:] and
// v.value.
//
// What it shows: a child's ordinary variables are its own (L15), but an
// Array or a Value lives in shared memory: what the child writes there, the
// parent reads after join().
//
// C++ notes:
//  * Python's typecodes become template arguments: Array('i', 3) is
//    mp::Array<int>(3) (three zeros), Value('d', 0.0) is mp::Value<double>(0.0).
//  * Python's `v.value` property is v.value() to read and v.value(x) to write.
//  * Both are handles: passing one to a Process copies the handle, not the
//    data; the child writes into the same shared memory.
//  * Under the default start method ("fork", as in the seed on Linux) the
//    child is a copy of the parent and its handles already point at the
//    shared memory.
#include <concur/multiprocessing.hpp>
#include <concur/threading.hpp>

#include <cstddef>
#include <vector>

namespace mp = concur::multiprocessing;
namespace threading = concur::threading;

void calc_square(const std::vector<int>& numbers, mp::Array<int> result, mp::Value<double> v) {
    v.value(5.67);
    for (std::size_t idx = 0; idx < numbers.size(); ++idx) {
        result[idx] = numbers[idx] * numbers[idx];
    }
}

int main() {
    mp::freeze_support();

    std::vector<int> numbers{2, 3, 5};
    mp::Array<int> result(3);
    mp::Value<double> v(0.0);
    mp::Process p(calc_square, numbers, result, v);
    p.start();
    p.join();
    std::vector<int> copy(result.begin(), result.end());  // Python: result[:]
    threading::print(copy);
    threading::print(v.value());

    if (copy != std::vector<int>{4, 9, 25} || v.value() != 5.67) {
        threading::print("FAILED: the parent did not see what the child wrote");
        return 1;
    }
    return 0;
}
