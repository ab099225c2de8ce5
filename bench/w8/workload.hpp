// W8 "describe" (bench/README.md): count, arithmetic mean, median and sample
// standard deviation (ddof = 1) of N uniform [0, 1) float64 values.
//
// What every C++ W8 binary shares:
//   - the data: value i is u01(i) = (splitmix64(seed * 2^32 + i) >> 11) * 2^-53
//     with seed 42, a counter-based generator, so the values depend on i only
//     (not on which thread computes them); generated before timing. The W8
//     CSV (csvgen) draws from the same generator, 4 values per row.
//   - the median rule: std::nth_element at n / 2 on a copy; for an even n the
//     lower middle is the largest element of the lower part.
//   - the plausibility check (mean ~ 0.5, median ~ 0.5, std ~ 1/sqrt(12) =
//     0.2887, each within 0.01, count == n) on every repetition, and the
//     report: metrics describe_s (all four statistics), mean_std_s (count,
//     mean and std) and median_s (the median, including the copy it needs),
//     each the median of the repetitions.
// usage: <binary> <system> <n> [reps]   (bench_common.hpp; n >= 2)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "../bench_common.hpp"

namespace w8 {

inline constexpr std::uint64_t kSeed = 42;
inline constexpr double kUniformStd = 0.28867513459481287;  // 1 / sqrt(12)
inline constexpr double kTolerance = 0.01;

inline std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Value i of the data, uniform in [0, 1) with 53 random bits.
inline double u01(std::uint64_t i) {
    return static_cast<double>(splitmix64(kSeed * 0x100000000ULL + i) >> 11) * 0x1.0p-53;
}

// n doubles, not zeroed: the pages are first touched by whoever writes them.
inline std::unique_ptr<double[]> uninitialized(std::size_t n) {
    return std::make_unique_for_overwrite<double[]>(n);
}

// out[k] = u01(first + k).
inline void fill(std::span<double> out, std::uint64_t first = 0) {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = u01(first + k);
}

struct Stats {
    std::size_t count = 0;
    double mean = 0, median = 0, stdev = 0;
};

// The median of c, which is reordered (a scratch copy).
inline double median_in_place(std::span<double> c) {
    if (c.empty()) return NAN;
    const auto mid = static_cast<std::ptrdiff_t>(c.size() / 2);
    std::nth_element(c.begin(), c.begin() + mid, c.end());
    if (c.size() % 2) return c[static_cast<std::size_t>(mid)];
    return 0.5 * (*std::max_element(c.begin(), c.begin() + mid) + c[static_cast<std::size_t>(mid)]);
}

inline bool plausible(const Stats& s, std::size_t n) {
    return s.count == n && std::fabs(s.mean - 0.5) < kTolerance &&
           std::fabs(s.median - 0.5) < kTolerance && std::fabs(s.stdev - kUniformStd) < kTolerance;
}

// One repetition's times (s).
struct Timing {
    double describe_s = 0, mean_std_s = 0, median_s = 0;
};

// The n of args as a size, or exit 2 (ddof = 1 needs two values).
inline std::size_t size_of(const bench::Args& args) {
    if (args.n < 2 || args.reps < 1) {
        std::fprintf(stderr, "W8: n must be >= 2 and reps >= 1 (got n %ld, reps %d)\n", args.n,
                     args.reps);
        std::exit(2);
    }
    return static_cast<std::size_t>(args.n);
}

// The last lines of every W8 binary: the statistics of the last repetition
// and whether every repetition was plausible, then the repetitions and the
// median of each metric. Returns the exit status (1: implausible).
inline int report(const bench::Args& args, const std::vector<Timing>& reps, const Stats& last,
                  bool all_plausible) {
    const char* s = args.system.c_str();
    std::printf("# W8 %s n %ld count %zu mean %.6f median %.6f std %.6f checksum %s\n", s, args.n,
                last.count, last.mean, last.median, last.stdev, all_plausible ? "ok" : "MISMATCH");
    if (!all_plausible)
        std::printf("# W8 %s implausible result (expected mean ~0.5, median ~0.5, std ~%.4f)\n", s,
                    kUniformStd);
    struct Metric {
        const char* name;
        double Timing::*field;
    };
    for (const Metric m :
         {Metric{"describe_s", &Timing::describe_s}, Metric{"mean_std_s", &Timing::mean_std_s},
          Metric{"median_s", &Timing::median_s}}) {
        std::vector<double> values;
        for (const Timing& t : reps) values.push_back(t.*m.field);
        bench::emit_reps("W8", args.system, m.name, values, "s");
        bench::emit("W8", args.system, m.name, bench::median(values), "s");
    }
    return all_plausible ? 0 : 1;
}

// The body of a peer's main() once the data exist: `reps` repetitions of
// mean_std(data) -> Stats (count, mean, stdev) then median(data) -> double
// (copy and selection), each phase timed.
template <class MeanStd, class Median>
int run(const bench::Args& args, std::span<const double> data, MeanStd&& mean_std,
        Median&& median) {
    std::vector<Timing> reps;
    Stats stats;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        const double t0 = bench::now_seconds();
        stats = mean_std(data);
        const double t1 = bench::now_seconds();
        stats.median = median(data);
        const double t2 = bench::now_seconds();
        reps.push_back({t2 - t0, t1 - t0, t2 - t1});
        ok = ok && plausible(stats, data.size());
    }
    return report(args, reps, stats, ok);
}

}  // namespace w8
