// W1 "seed-pool" (../shared/anchors/cpu/WORKLOADS.md): out = [f(n) for n in
// range(N)] with the opaque f(n) = sum_{x<1000} (x*x) XOR n, results kept in
// order in a vector allocated inside the timed region. One untimed warm-up
// call first (it starts the pool's workers, as the anchors' warm-up starts the
// OpenMP/TBB runtimes), printed as "# ... cold-first-call"; checksum
// 34,020,541,118,336 for N = 100,000.
//
// System: concur-ThreadPoolExecutor-map, `ex.map(f, iota(0, N))` on a
// ThreadPoolExecutor with one worker per core (OpenMP's default thread count).
#include <concur/futures.hpp>

#include <cstdint>
#include <numeric>
#include <ranges>
#include <thread>
#include <vector>

#include "bench_common.hpp"

namespace {

std::uint64_t f(std::uint64_t n) {
    std::uint64_t s = 0;
    for (std::uint64_t x = 0; x < 1000; ++x) s += (x * x) ^ n;
    return s;
}

std::vector<std::uint64_t> run(concur::futures::ThreadPoolExecutor& ex, long n) {
    return ex.map([](long i) { return f(static_cast<std::uint64_t>(i)); }, std::views::iota(0L, n))
        .to_vector();
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"concur-ThreadPoolExecutor-map"});
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    concur::futures::ThreadPoolExecutor ex(cores);
    {
        const double start = bench::now_seconds();
        auto out = run(ex, args.n);
        std::printf("# W1 %s cold-first-call %.6g s\n", args.system.c_str(),
                    bench::now_seconds() - start);
    }
    std::vector<double> reps;
    std::uint64_t checksum = 0;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        auto out = run(ex, args.n);
        reps.push_back(bench::now_seconds() - start);
        checksum = std::accumulate(out.begin(), out.end(), std::uint64_t{0});
    }
    std::printf("# W1 %s checksum %llu n %ld\n", args.system.c_str(),
                static_cast<unsigned long long>(checksum), args.n);
    bench::emit_reps("W1", args.system, "wall", reps, "s");
    bench::emit("W1", args.system, "wall", bench::median(reps), "s");
    return 0;
}
