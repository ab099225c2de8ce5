// W2 "tiny-tasks": N trivial tasks through a 2-worker pool (see bench/README.md).
//
// task(i) returns int(i). The main thread submits the N tasks one by one,
// keeps one result handle per task (a future, or for cpp-tbb-task_group a slot
// in a vector), then collects every result and sums them; the sum must be
// N(N-1)/2. Timed: pool construction -> all submits -> all results collected
// -> pool shutdown/join, i.e. the whole of one call of `body`.
//
// run() is the harness every C++ W2 binary shares: `reps` timed calls of
// body(n) (which returns the sum), `# W2 <system> n <n> checksum ok|MISMATCH`,
// the repetitions, and the median as `W2 <system> per_task <ns> ns`.
#pragma once

#include <cstdio>
#include <vector>

#include "../bench_common.hpp"

namespace w2 {

inline constexpr int kWorkers = 2;

template <class Body>
int run(const bench::Args& args, Body&& body) {
    const long n = args.n;
    std::vector<double> reps;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        const long long sum = body(n);
        const double elapsed = bench::now_seconds() - start;
        ok = ok && sum == static_cast<long long>(n) * (n - 1) / 2;
        reps.push_back(elapsed / static_cast<double>(n) * 1e9);
    }
    std::printf("# W2 %s n %ld checksum %s\n", args.system.c_str(), n, ok ? "ok" : "MISMATCH");
    bench::emit_reps("W2", args.system, "per_task", reps, "ns");
    bench::emit("W2", args.system, "per_task", bench::median(reps), "ns");
    return ok ? 0 : 1;
}

}  // namespace w2
