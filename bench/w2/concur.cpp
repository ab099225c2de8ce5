// W2 "tiny-tasks", concur (bench/README.md): N trivial tasks through a
// 2-worker pool, one future kept per task, then every result collected.
//
// System: concur-ThreadPoolExecutor: ThreadPoolExecutor(2), submit() N times
// keeping the Future<int>s, then result() of each; the executor's destructor
// (shutdown, join) is inside the timed region.
#include <concur/futures.hpp>

#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"concur-ThreadPoolExecutor"});
    return w2::run(args, [](long n) {
        long long sum = 0;
        concur::futures::ThreadPoolExecutor ex(w2::kWorkers);
        std::vector<concur::futures::Future<int>> futures;
        futures.reserve(static_cast<std::size_t>(n));
        for (long i = 0; i < n; ++i)
            futures.push_back(ex.submit([i] { return static_cast<int>(i); }));
        for (auto& f : futures) sum += f.result();
        return sum;
    });
}
