// L13 -- no GIL: CPU-bound threads really run in parallel (seed 002,
// "Switching threads and the GIL").
//
// The Python lesson: CPython's Global Interpreter Lock lets only one thread
// run Python bytecode at a time. Threads help while they wait (sleep, I/O:
// L07, L12), but CPU-bound work split over two threads takes as long as in
// one thread -- often longer:
//
//   import threading, time
//
//   def countdown(n):
//       while n > 0:
//           n -= 1
//
//   N = 50_000_000
//
//   t = time.time()
//   countdown(N)
//   print("1 thread: ", time.time() - t)
//
//   t = time.time()
//   t1 = threading.Thread(target=countdown, args=(N // 2,))
//   t2 = threading.Thread(target=countdown, args=(N // 2,))
//   t1.start(); t2.start()
//   t1.join(); t2.join()
//   print("2 threads:", time.time() - t)       # about the same, with the GIL
//
// What it shows: C++ has no GIL. The same split of CPU-bound work over N
// threads (N = the number of hardware threads, at least 2) runs up to N
// times faster when the machine has N free cores.
//
// C++ notes:
//  * A C++ compiler would delete `while n > 0: n -= 1` (it has no effect), so
//    the work is a pseudo-random number generator stepped n times, whose
//    final state is returned and printed: it cannot be skipped, and both
//    runs must produce the same checksum.
//  * The amount of work is calibrated to take about 2 s x CONCUR_TIME_SCALE
//    in one thread (at least 0.25 s, so the measurement means something).
//  * The speedup is checked (>= 1.3x) only with at least 2 hardware threads
//    and a long enough run; it is measured twice at most. A loaded machine
//    (other programs using the cores) can still prevent it: then the program
//    prints a warning rather than failing, since that says nothing about
//    concur.
#include <concur/threading.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "lesson_time.hpp"

namespace threading = concur::threading;

// CPU-bound work: `n` steps of xorshift64 from `seed`.
std::uint64_t countdown(std::uint64_t seed, std::uint64_t n) {
    std::uint64_t x = seed;
    while (n > 0) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        n -= 1;
    }
    return x;
}

std::string f2(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

struct Run {
    double seconds;
    std::uint64_t checksum;
};

// The work is `chunks` pieces of `steps` steps each (one seed per piece).
Run run_in_one_thread(unsigned chunks, std::uint64_t steps) {
    const double t = lesson::perf_counter();
    std::uint64_t checksum = 0;
    for (unsigned i = 0; i < chunks; ++i) {
        checksum ^= countdown(i + 1, steps);
    }
    return {lesson::perf_counter() - t, checksum};
}

Run run_in_threads(unsigned chunks, std::uint64_t steps) {
    std::vector<std::uint64_t> results(chunks);
    const double t = lesson::perf_counter();
    {
        std::deque<threading::Thread> threads;
        for (unsigned i = 0; i < chunks; ++i) {
            threads.emplace_back([&results, i, steps] { results[i] = countdown(i + 1, steps); });
            threads.back().start();
        }
        for (threading::Thread& t : threads) {
            t.join();
        }
    }
    const double seconds = lesson::perf_counter() - t;
    std::uint64_t checksum = 0;
    for (std::uint64_t r : results) {
        checksum ^= r;
    }
    return {seconds, checksum};
}

int main() {
    const unsigned hardware = std::thread::hardware_concurrency();
    const unsigned n_threads = std::max(2u, hardware);

    // Calibrate: how many steps per second does one thread do?
    std::uint64_t probe = 1'000'000;
    double probe_time = 0;
    for (;;) {
        const double t = lesson::perf_counter();
        volatile std::uint64_t sink = countdown(12345, probe);
        static_cast<void>(sink);
        probe_time = lesson::perf_counter() - t;
        if (probe_time >= 0.02) break;
        probe *= 4;
    }
    const double steps_per_second = probe / probe_time;
    const double target = std::max(0.25, 2.0 * lesson::time_scale());
    const auto steps = static_cast<std::uint64_t>(steps_per_second * target / n_threads);

    threading::print("hardware threads:", hardware, "-> using", n_threads, "threads");
    threading::print("work:", n_threads, "x", steps, "xorshift steps (about", f2(target),
                     "s in one thread)");

    constexpr int ATTEMPTS = 2;
    for (int attempt = 1; attempt <= ATTEMPTS; ++attempt) {
        const Run one = run_in_one_thread(n_threads, steps);
        const Run many = run_in_threads(n_threads, steps);
        threading::print("1 thread:  ", f2(one.seconds), "s  checksum", one.checksum);
        threading::print(std::to_string(n_threads) + " threads:", f2(many.seconds), "s  checksum",
                         many.checksum);
        if (one.checksum != many.checksum) {
            threading::print("FAILED: the threads computed something else");
            return 1;
        }
        const double speedup = one.seconds / many.seconds;
        threading::print("speedup:", f2(speedup) + "x", "(CPython with the GIL: about 1x)");

        if (hardware < 2) {
            threading::print("only one hardware thread: no speedup is possible here");
            return 0;
        }
        if (one.seconds < 0.1) {
            threading::print("run too short to judge the speedup");
            return 0;
        }
        if (speedup >= 1.3) {
            threading::print("OK: the threads ran in parallel -- no GIL");
            return 0;
        }
        if (attempt < ATTEMPTS) threading::print("speedup below 1.3x; measuring once more");
    }
    threading::print(
        "WARNING: speedup below 1.3x twice -- the cores seem busy with other programs");
    return 0;
}
