// W1 "seed-pool", OpenMP peer (bench/README.md): out = [f(n) for n in range(N)].
//
// System: cpp-omp-static, `#pragma omp parallel for schedule(static)` over
// the N items (libgomp, default thread count = one per core): each thread
// gets one contiguous block of about N / threads items.
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"cpp-omp-static"});
    return w1::run(args, [](long n) {
        std::vector<std::uint64_t> out(static_cast<std::size_t>(n));
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; ++i)
            out[static_cast<std::size_t>(i)] = w1::f(static_cast<std::uint64_t>(i));
        return out;
    });
}
