// W1 "seed-pool" with processes, concur (bench/README.md): the seed's
// `Pool().map(f, range(N))`, pool start and teardown inside the timed region
// in every repetition, as the seed (and the py-mp-Pool system) measure it.
//
// System: concur-mp-Pool-map -- `mp::Pool pool; pool.map(f, iota(0, N))`,
// cpu_count() worker processes, the default start method (fork) and Python's
// default chunk size (N / (4 * workers), rounded up).
#include <concur/multiprocessing.hpp>

#include <ranges>

#include "workload.hpp"

namespace mp = concur::multiprocessing;

int main(int argc, char** argv) {
    mp::freeze_support();
    const bench::Args args = bench::parse(argc, argv, {"concur-mp-Pool-map"});
    return w1::run(args, [](long n) {
        mp::Pool pool;
        return pool.map(&w1::f, std::views::iota(std::uint64_t{0}, static_cast<std::uint64_t>(n)));
    });
}
