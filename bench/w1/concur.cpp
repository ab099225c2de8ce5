// W1 "seed-pool", concur (bench/README.md): out = [f(n) for n in range(N)].
//
// System: concur-ThreadPoolExecutor-map, `ex.map(f, iota(0, N))` on a
// ThreadPoolExecutor with one worker per core (OpenMP's default thread count),
// the results collected into a vector in order. The executor lives across the
// repetitions, as the OpenMP and TBB runtimes do; the untimed warm-up call
// starts its workers.
#include <concur/futures.hpp>

#include <algorithm>
#include <ranges>
#include <thread>

#include "workload.hpp"

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"concur-ThreadPoolExecutor-map"});
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    concur::futures::ThreadPoolExecutor ex(cores);
    return w1::run(args, [&](long n) {
        return ex
            .map([](long i) { return w1::f(static_cast<std::uint64_t>(i)); },
                 std::views::iota(0L, n))
            .to_vector();
    });
}
