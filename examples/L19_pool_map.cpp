// L19 -- Pool(processes=3).map(f, [1, 2, 3, 4, 5]) and
// Pool(5).map(f1, [10, 11, 12]) (seed 001, multiprocessing_pool.py; seed 000,
// "Process example", part 1).
//
// The Python originals. Seed 001 (the run printed 1, 4, 9, 16 and 25, one a
// line):
//
//   from multiprocessing import Pool
//
//   def f(n):
//       return n*n
//
//   if __name__ == "__main__":
//       p = Pool(processes=3)
//       result = p.map(f,[1,2,3,4,5])
//       for n in result:
//           print(n)
//
// Seed 000 (it prints [100, 121, 144], then an empty line):
//
//   from multiprocessing import Pool
//
//   def f1(x):
//       return x*x
//
//   if __name__ == '__main__':
//       with Pool(5) as p1:
//           print(p1.map(f1, [10, 11, 12]))
//       print()
//
// What it shows: a Pool starts its worker processes once and hands them the
// items; map() blocks until every result is back and returns them in the
// order of the input, whichever worker computed which.
//
// C++ notes:
//  * A Pool's task is sent to an already running worker process, so it is a
//    function (or a lambda without captures), named by its place in the
//    program; its arguments and result cross the process boundary, so they
//    are serialisable (ints here; std::vector, std::string and trivially
//    copyable structs work too). Anything else does not compile.
//  * map() returns a std::vector, which threading::print shows as Python
//    shows a list.
//  * Python's `with Pool(5) as p1:` is a scope: the Pool's destructor
//    terminates and joins its workers, as leaving the `with` does.
//  * Part three, not in the seeds: the same map in a pool whose workers are
//    started with "spawn" (fresh copies of the program, entering through
//    freeze_support() at the top of main). In Python a function defined in
//    a notebook cannot be found by such workers (L14's "Can't get
//    attribute"); here f is found in every worker.
#include <concur/multiprocessing.hpp>
#include <concur/threading.hpp>

#include <vector>

namespace mp = concur::multiprocessing;
namespace threading = concur::threading;

int f(int n) {
    return n * n;
}

int f1(int x) {
    return x * x;
}

int main() {
    mp::freeze_support();

    threading::print("-- Pool(processes=3).map(f, [1, 2, 3, 4, 5]), each result on its line");
    {
        mp::Pool p(3);
        std::vector<int> result = p.map(f, std::vector{1, 2, 3, 4, 5});
        for (int n : result) {
            threading::print(n);
        }
    }

    threading::print("-- with Pool(5) as p1: print(p1.map(f1, [10, 11, 12]))");
    {
        mp::Pool p1(5);
        threading::print(p1.map(f1, std::vector{10, 11, 12}));
    }
    threading::print();

    threading::print("-- the same map as in part one, in a pool of \"spawn\" workers");
    {
        mp::PoolOptions options;  // Python: Pool(processes=3, context=get_context("spawn"))
        options.processes = 3;
        options.context = mp::get_context("spawn");
        mp::Pool p(options);
        threading::print(p.map(f, std::vector{1, 2, 3, 4, 5}));
        p.close();
        p.join();
    }
    return 0;
}
