// L20 -- Pool().map(f, range(100000)) versus a serial loop (seed 001,
// multiprocessing_pool.py), and the same with a ThreadPoolExecutor.
//
// The Python original (the seed's run printed "Pool took: 2.8357343673706055"
// and "Serial processing took:  9.5448899269104"):
//
//   from multiprocessing import Pool
//   import time
//
//   def f(n):
//       sum = 0
//       for x in range(1000):
//           sum += x*x
//       return sum
//
//   if __name__ == "__main__":
//       t1 = time.time()
//       p = Pool()
//       result = p.map(f, range(100000))
//       p.close()
//       p.join()
//       print("Pool took:", time.time() - t1)
//       t2 = time.time()
//       result = []
//       for x in range(100000):
//           result.append(f(x))
//       print("Serial processing took: ", time.time() - t2)
//
// The same program with threads, as Python would write it with
// concurrent.futures (where the GIL makes it no faster than the loop):
//
//   from concurrent.futures import ThreadPoolExecutor
//   import os
//
//   t1 = time.time()
//   with ThreadPoolExecutor(max_workers=os.cpu_count()) as ex:
//       result = list(ex.map(f, range(100000)))
//   print("ThreadPoolExecutor took:", time.time() - t1)
//
// What it shows: the seed's process Pool spreads CPU-bound work over the
// cores; mp::Pool does the same here, timed first as in the seed. C++
// threads have no GIL, so a ThreadPoolExecutor spreads it too, without
// processes -- no worker to start, nothing to serialise -- where Python
// needs a process pool. And the price of processes: in CPython one call of
// f takes about 100 us, so sending n and its result to a worker is cheap
// beside it; in C++ f takes a fraction of a microsecond, about what moving
// an item and its result between processes costs, so here the process Pool
// may well be slower than the serial loop. Threads share the memory and
// pay nothing of the kind.
//
// C++ notes:
//  * The seed's f ignores n (sum(x*x for x in range(1000)) is always
//    332833500); a C++ compiler computes that once, at compile time. This f
//    mixes n in: f(n) = sum over x in 0..999 of ((x*x) XOR n), in uint64 --
//    the opaque f of the benchmark workload W1 (bench/README.md).
//    Its checksum sum(f(n) for n in range(100000)) is 34020541118336; the
//    program exits with status 1 if either run gets another one.
//  * As in the seed, the pool's creation and shutdown are inside the timed
//    region; each side runs once. Pool() starts os.cpu_count() processes, so
//    the executor gets os.cpu_count() threads (its default, min(32,
//    cpu_count + 4), is meant for threads that mostly wait).
//  * The process Pool's task is the function f itself (a function pointer:
//    it is sent to the worker processes by its place in the program), its
//    items and results uint64 (serialisable). map() sends the items in
//    chunks, as Python does (chunksize len / (4 * processes), rounded up),
//    so the 100,000 calls cost four messages per worker, not 100,000.
//    Its items are ints, std::views::iota(0, 100000): the Pool copies its
//    input into a std::vector with the iterator-pair constructor, which
//    GCC's iota over uint64 does not satisfy (its iterator has no classic
//    iterator category), so that range does not compile there yet.
//  * The program is compiled with -march=native (CONCUR_EXAMPLES_NATIVE), as
//    the W1 benchmark is: f then runs vectorised. Compiled for a generic
//    x86-64, the scalar f does not speed up at all on a machine whose two
//    logical CPUs share one core's execution units (measured here: 1.0x for
//    this pool and for OpenMP's schedule(static) alike), while the vectorised
//    one is latency-bound and scales.
//  * The speedups are printed, never judged: on a machine whose cores are busy
//    with other programs it can be anything. There is no sleep here, so
//    CONCUR_TIME_SCALE changes nothing.
#include <concur/futures.hpp>
#include <concur/multiprocessing.hpp>
#include <concur/threading.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <ranges>
#include <string>
#include <thread>
#include <vector>

#include "lesson_time.hpp"

namespace futures = concur::futures;
namespace mp = concur::multiprocessing;
namespace threading = concur::threading;

// The seed's f, made opaque (W1).
std::uint64_t f(std::uint64_t n) {
    std::uint64_t sum = 0;
    for (std::uint64_t x = 0; x < 1000; ++x) {
        sum += (x * x) ^ n;
    }
    return sum;
}

constexpr std::uint64_t N = 100'000;
constexpr std::uint64_t EXPECTED_CHECKSUM = 34'020'541'118'336;

std::string f2(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

// Python: sum(result) == 34020541118336, printed either way.
bool check(const char* what, const std::vector<std::uint64_t>& result) {
    const std::uint64_t checksum = std::accumulate(result.begin(), result.end(), std::uint64_t{0});
    const bool ok = result.size() == N && checksum == EXPECTED_CHECKSUM;
    threading::print(what, "checksum", checksum, ok ? "ok" : "MISMATCH (expected 34020541118336)");
    return ok;
}

int main() {
    mp::freeze_support();

    const unsigned cpu_count = std::max(1u, std::thread::hardware_concurrency());

    // The seed's process Pool. time.time() in the seed; a monotonic clock here.
    double t0 = lesson::perf_counter();
    std::vector<std::uint64_t> processed;
    int processes = 0;
    {
        mp::Pool p;  // Python: Pool(): cpu_count() worker processes
        processes = p.processes();
        // Python's range(100000), as int items: Pool::map does not take a
        // 64-bit iota (see the C++ notes).
        processed = p.map(f, std::views::iota(0, static_cast<int>(N)));
        p.close();
        p.join();
    }
    const double process_pool_time = lesson::perf_counter() - t0;
    threading::print("Pool took:", process_pool_time);

    double t1 = lesson::perf_counter();
    std::vector<std::uint64_t> pooled;
    {
        futures::ThreadPoolExecutor ex(cpu_count);
        pooled = ex.map(f, std::views::iota(std::uint64_t{0}, N)).to_vector();
    }  // ~ThreadPoolExecutor: shutdown(wait=true), as leaving Python's `with`
    const double pool_time = lesson::perf_counter() - t1;
    threading::print("ThreadPoolExecutor took:", pool_time);

    double t2 = lesson::perf_counter();
    std::vector<std::uint64_t> result;
    for (std::uint64_t x = 0; x < N; ++x) {
        result.push_back(f(x));
    }
    const double serial_time = lesson::perf_counter() - t2;
    threading::print("Serial processing took: ", serial_time);

    threading::print("Pool speedup:", f2(serial_time / process_pool_time) + "x", "with", processes,
                     "processes (the seed's: 9.54 / 2.84 = 3.36x on its machine)");
    threading::print("speedup:", f2(serial_time / pool_time) + "x", "with", cpu_count,
                     "threads (CPython's threads: about 1x, because of the GIL)");

    const bool processed_ok = check("Pool.map:              ", processed);
    const bool pooled_ok = check("ThreadPoolExecutor.map:", pooled);
    const bool serial_ok = check("serial loop:           ", result);
    if (!processed_ok || !pooled_ok || !serial_ok || pooled != result || processed != result) {
        threading::print("FAILED: the runs disagree or the checksum is wrong");
        return 1;
    }
    threading::print("note: the process half of this lesson, multiprocessing.Pool().map(f,",
                     "range(100000)), is the \"Pool took:\" line: its workers must be started",
                     "and every item and result copied between processes, which threads do not",
                     "need");
    return 0;
}
