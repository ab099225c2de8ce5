// W1 "seed-pool": out = [f(n) for n in range(N)] (see bench/README.md).
//
// f is the opaque function every W1 system computes, C++ and Python alike:
// f(n) = sum_{x<1000} ((x*x) XOR n) in uint64_t. The results are kept in order
// in a std::vector<uint64_t> allocated inside the timed region.
//
// run() is the harness every C++ W1 binary shares: one untimed warm-up call
// (it starts the system's runtime threads; its time is printed as
// "# W1 <system> cold-first-call <s> s"), then `reps` timed calls, the median
// wall time as `W1 <system> wall <s> s`, and the checksum sum(out) checked
// against checksum(N), computed bit by bit without calling f.
#pragma once

#include <cstdint>
#include <cstdio>
#include <numeric>
#include <vector>

#include "../bench_common.hpp"

namespace w1 {

[[gnu::noinline]] inline std::uint64_t f(std::uint64_t n) {
    std::uint64_t s = 0;
    for (std::uint64_t x = 0; x < 1000; ++x) s += (x * x) ^ n;
    return s;
}

// sum_{n<N} f(n) = sum_{x<1000} sum_{n<N} ((x*x) XOR n), where bit b of
// (a XOR n) is set for the n < N whose bit b differs from a's.
// 34,020,541,118,336 for N = 100,000; 3,330,680,740,800 for N = 10,000.
inline std::uint64_t checksum(std::uint64_t n_items) {
    std::uint64_t total = 0;
    for (std::uint64_t x = 0; x < 1000; ++x) {
        const std::uint64_t a = x * x;
        for (unsigned b = 0; b < 48; ++b) {
            const std::uint64_t period = std::uint64_t{1} << (b + 1);
            const std::uint64_t half = std::uint64_t{1} << b;
            const std::uint64_t rest = n_items % period;
            const std::uint64_t with_bit =
                n_items / period * half + (rest > half ? rest - half : 0);
            const std::uint64_t count = (a >> b) & 1 ? n_items - with_bit : with_bit;
            total += count << b;
        }
    }
    return total;
}

// compute(n) returns the vector out of the workload.
template <class Compute>
int run(const bench::Args& args, Compute&& compute) {
    {
        const double start = bench::now_seconds();
        auto out = compute(args.n);
        std::printf("# W1 %s cold-first-call %.6g s\n", args.system.c_str(),
                    bench::now_seconds() - start);
    }
    std::vector<double> reps;
    std::uint64_t sum = 0;
    for (int r = 0; r < args.reps; ++r) {
        const double start = bench::now_seconds();
        auto out = compute(args.n);
        reps.push_back(bench::now_seconds() - start);
        sum = std::accumulate(out.begin(), out.end(), std::uint64_t{0});
    }
    const std::uint64_t expected = checksum(static_cast<std::uint64_t>(args.n));
    std::printf("# W1 %s checksum %llu n %ld\n", args.system.c_str(),
                static_cast<unsigned long long>(sum), args.n);
    if (sum != expected)
        std::printf("# W1 %s checksum MISMATCH (expected %llu)\n", args.system.c_str(),
                    static_cast<unsigned long long>(expected));
    bench::emit_reps("W1", args.system, "wall", reps, "s");
    bench::emit("W1", args.system, "wall", bench::median(reps), "s");
    return sum == expected ? 0 : 1;
}

}  // namespace w1
