// L25 -- practical: count, mean, median and sample standard deviation of
// arange(10_000_000) with asyncio, then the same with concur-describe.
//
// The seed ends with "Calculate Descriptive Statistics using Python
// Asynchronous programming": four statistics of numpy.arange(10_000_000) as
// coroutines, gathered on the event loop. Part 1 ports that program: four
// coroutines, each running its loop in the loop's executor (to_thread), so
// the four run on every core at once while the loop waits for all of them
// with gather. The sums are numpy's (pairwise within blocks of 8,192, the
// blocks added in order), so the four lines are the seed's, digit for digit.
//
// Part 2 asks concur-describe's library (apps/describe, docs/describe.md) on
// its asyncio engine: no array at all (the values are generated chunk by
// chunk), the median by exact selection instead of a sort, and a standard
// deviation within one ulp of the exact 2886751.4902856925... (numpy's
// blocked sums land about 70 ulps, 1.1e-14 relative, below it).
//
// The Python program this lesson ports (seed 004, "summary_statistics_asyncio.py"):
//
//   import asyncio, numpy as np
//   async def count(v):  return v.size
//   async def mean(v):   return np.mean(v)
//   async def median(v): return np.median(v)
//   async def stdev(v):  return np.std(v, ddof=1)
//   async def main(v):
//       return await asyncio.gather(count(v), mean(v), median(v), stdev(v))
//   n, mu, med, sd = asyncio.run(main(np.arange(10_000_000)))
//   print("Number of Observation:", n); print("Arithmetic Mean:", mu)
//   print("Median:", med); print("Sample Standard Deviation:", sd)
#include <fmt/format.h>
#include <concur/asyncio.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <thread>
#include <vector>

#include "describe/describe.hpp"
#include "describe/generated_source.hpp"
#include "lesson_time.hpp"

namespace asyncio = concur::asyncio;
namespace describe = concur::describe;

using Values = std::span<const double>;

// numpy's sum of a contiguous float64 array: pairwise below 8,192 values
// (eight running sums for blocks of up to 128), the 8,192-blocks in order.
double numpy_pairwise(const double* a, std::size_t n) {
    if (n < 8) return std::accumulate(a, a + n, -0.0);
    if (n <= 128) {
        double r[8];
        std::copy(a, a + 8, r);
        std::size_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; ++j) r[j] += a[i + j];
        double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) sum += a[i];
        return sum;
    }
    std::size_t half = n / 2;
    half -= half % 8;
    return numpy_pairwise(a, half) + numpy_pairwise(a + half, n - half);
}

double numpy_sum(Values v) {
    double sum = 0.0;
    for (std::size_t i = 0; i < v.size(); i += 8192)
        sum += numpy_pairwise(v.data() + i, std::min<std::size_t>(8192, v.size() - i));
    return sum;
}

// The seed's four coroutines, each handing its loop to a worker thread.
asyncio::Coroutine<double> count(Values v) {
    co_return co_await asyncio::to_thread([v] { return static_cast<double>(v.size()); });
}
asyncio::Coroutine<double> mean(Values v) {
    co_return co_await asyncio::to_thread(
        [v] { return numpy_sum(v) / static_cast<double>(v.size()); });
}
asyncio::Coroutine<double> median(Values v) {
    co_return co_await asyncio::to_thread([v] {
        std::vector<double> copy(v.begin(), v.end());  // numpy.median partitions a copy
        const auto middle = copy.begin() + static_cast<std::ptrdiff_t>(copy.size() / 2);
        std::nth_element(copy.begin(), middle, copy.end());
        if (copy.size() % 2 == 1) return *middle;
        return (*std::max_element(copy.begin(), middle) + *middle) / 2;
    });
}
asyncio::Coroutine<double> stdev(Values v) {
    co_return co_await asyncio::to_thread([v] {
        const double mu = numpy_sum(v) / static_cast<double>(v.size());
        std::vector<double> squares(v.size());
        std::transform(v.begin(), v.end(), squares.begin(),
                       [mu](double x) { return (x - mu) * (x - mu); });
        return std::sqrt(numpy_sum(squares) / static_cast<double>(v.size() - 1));
    });
}

asyncio::Coroutine<std::tuple<double, double, double, double>> statistics(Values v) {
    co_return co_await asyncio::gather(count(v), mean(v), median(v), stdev(v));
}

int main() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

    // Part 1: the seed's program.
    std::vector<double> data(10'000'000);
    std::iota(data.begin(), data.end(), 0.0);  // numpy.arange(10_000_000)
    double start = lesson::perf_counter();
    const auto [n, mu, med, sd] = asyncio::run(statistics(data));
    const double seed_time = lesson::perf_counter() - start;
    fmt::print("-- 1. the seed's program: four coroutines, gathered\n");
    fmt::print("Number of Observation: {}\n", static_cast<long long>(n));
    fmt::print("Arithmetic Mean: {}\n", mu);
    fmt::print("Median: {}\n", med);
    fmt::print("Sample Standard Deviation: {}\n", sd);
    fmt::print(
        "Time: {:.3f} s (the seed's Python, with loops in Python: about 8.8 s here; "
        "bench/README.md W8)\n",
        seed_time);

    // Part 2: concur-describe's library on its asyncio engine.
    start = lesson::perf_counter();
    const describe::GeneratedSource arange("arange:10_000_000");
    auto engine = describe::make_engine(describe::EngineKind::kAsync, cores);
    describe::DescribeOptions options;
    options.stats = {describe::Stat::kCount, describe::Stat::kMean, describe::Stat::kMedian,
                     describe::Stat::kStd};
    const describe::ColumnStats x = describe::describe(arange, *engine, options).columns.at(0);
    const double describe_time = lesson::perf_counter() - start;
    fmt::print("-- 2. concur-describe --generate arange:10_000_000 --engine async\n");
    fmt::print("count {}, mean {}, median {}, std {}\n", x.count, *x.mean, *x.median, *x.std);
    fmt::print("same count, mean and median: {}; std within 1e-13: {}\n",
               x.count == static_cast<std::uint64_t>(n) && *x.mean == mu && *x.median == med ? "yes"
                                                                                             : "NO",
               std::fabs(*x.std - sd) <= 1e-13 * sd ? "yes" : "NO");
    fmt::print("Time: {:.3f} s on {} cores, no array in memory\n", describe_time, cores);
}
