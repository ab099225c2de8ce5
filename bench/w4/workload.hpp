// W4 "async-sleep" (bench/README.md): create N concurrent tasks, each of which
// awaits a sleep of 1.0 s, then wait for all of them. The harness every C++ W4
// binary shares (usage `<binary> <system> <n> [reps]`, bench_common.hpp).
//
// Timed interval: from just before the first task is created to the moment the
// last task has finished and the waiter resumes (Probe::start / Probe::stop
// around exactly that). Metrics:
//   overhead_s    wall - 1.0 s (median of the repetitions)
//   rss_per_task  (ru_maxrss after the wait - ru_maxrss just before creating
//                 the tasks) / N, in bytes. ru_maxrss is a high-water mark, so
//                 only a process's first repetition can raise it: the value
//                 reported is repetition 1's (the later ones are printed too).
//   wall_s        t1 - t0 (median of the repetitions)
// Check: every task has finished (a counter == N) in every repetition.
#pragma once

#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../bench_common.hpp"

namespace w4 {

inline constexpr double kSleepSeconds = 1.0;

// The process's peak resident set, in bytes (Linux reports KiB).
inline double maxrss_bytes() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) * 1024.0;
}

// One repetition's measurements; the system's code calls start() just before
// creating the first task and stop() when the waiter has resumed.
struct Probe {
    double rss_before = 0, rss_after = 0, t0 = 0, t1 = 0;
    void start() {
        rss_before = maxrss_bytes();
        t0 = bench::now_seconds();
    }
    void stop() {
        t1 = bench::now_seconds();
        rss_after = maxrss_bytes();
    }
};

// The body of main() after parsing: `one(n, probe)` runs one repetition and
// returns how many tasks finished.
template <class One>
int run_repetitions(const bench::Args& args, One one) {
    std::vector<double> overhead, wall, rss;
    bool ok = true;
    for (int rep = 0; rep < args.reps; ++rep) {
        Probe probe;
        const long finished = one(args.n, probe);
        ok = ok && finished == args.n;
        wall.push_back(probe.t1 - probe.t0);
        overhead.push_back(probe.t1 - probe.t0 - kSleepSeconds);
        rss.push_back((probe.rss_after - probe.rss_before) / static_cast<double>(args.n));
    }
    const char* s = args.system.c_str();
    std::printf("# W4 %s n %ld checksum %s\n", s, args.n, ok ? "ok" : "MISMATCH");
    std::printf("# W4 %s rss_per_task: repetition 1's (ru_maxrss is a high-water mark)\n", s);
    bench::emit_reps("W4", args.system, "overhead_s", overhead, "s");
    bench::emit("W4", args.system, "overhead_s", bench::median(overhead), "s");
    bench::emit_reps("W4", args.system, "rss_per_task", rss, "B");
    bench::emit("W4", args.system, "rss_per_task", rss.empty() ? 0.0 : rss.front(), "B");
    bench::emit_reps("W4", args.system, "wall_s", wall, "s");
    bench::emit("W4", args.system, "wall_s", bench::median(wall), "s");
    return ok ? 0 : 1;
}

}  // namespace w4
