// W2 "tiny-tasks" (../shared/anchors/cpu/WORKLOADS.md): N trivial tasks
// (task(i) returns i) through a 2-worker pool, one future kept per task, then
// every result collected and summed (checksum N(N-1)/2). Timed: pool
// construction -> all submits -> all results -> pool shutdown. Metric: ns per
// task.
//
// System: concur-ThreadPoolExecutor: ThreadPoolExecutor(2), submit() N times
// keeping the Future<int>s, then result() of each.
#include <concur/futures.hpp>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"concur-ThreadPoolExecutor"});
    const long n = args.n;
    std::vector<double> reps;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        long long sum = 0;
        const double start = bench::now_seconds();
        {
            concur::futures::ThreadPoolExecutor ex(2);
            std::vector<concur::futures::Future<int>> futures;
            futures.reserve(static_cast<std::size_t>(n));
            for (long i = 0; i < n; ++i)
                futures.push_back(ex.submit([i] { return static_cast<int>(i); }));
            for (auto& f : futures) sum += f.result();
        }
        const double elapsed = bench::now_seconds() - start;
        ok = ok && sum == static_cast<long long>(n) * (n - 1) / 2;
        reps.push_back(elapsed / static_cast<double>(n) * 1e9);
    }
    std::printf("# W2 %s n %ld checksum %s\n", args.system.c_str(), n, ok ? "ok" : "MISMATCH");
    bench::emit_reps("W2", args.system, "per_task", reps, "ns");
    bench::emit("W2", args.system, "per_task", bench::median(reps), "ns");
    return ok ? 0 : 1;
}
