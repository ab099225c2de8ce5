// W8 "describe" on concur-describe's library (bench/README.md,
// w8/workload.hpp): the data in memory (generated before timing), then
// describe() with the threads engine over all cores.
//
// usage: concur_w8_describe concur-describe <n> [reps]
//
// describe_s  count, mean, median and std in one describe() call (one pass
//             for the moments and a histogram, one to collect the median's
//             bin, then nth_element on that bin only)
// mean_std_s  count, mean and std alone (one pass)
// median_s    the median alone (the histogram pass, then the bin)
#include <algorithm>
#include <thread>

#include "describe/describe.hpp"
#include "describe/memory_source.hpp"
#include "workload.hpp"

namespace describe = concur::describe;

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"concur-describe"});
    const std::size_t n = w8::size_of(args);
    auto data = w8::uninitialized(n);
    w8::fill({data.get(), n});
    const describe::MemorySource source({data.get(), n});
    auto engine = describe::make_engine(describe::EngineKind::kThreads,
                                        std::max(1u, std::thread::hardware_concurrency()));
    auto run = [&](std::vector<describe::Stat> stats) {
        describe::DescribeOptions options;
        options.stats = std::move(stats);
        return describe::describe(source, *engine, options).columns.at(0);
    };
    using S = describe::Stat;
    std::vector<w8::Timing> reps;
    w8::Stats last;
    bool ok = true;
    for (int r = 0; r < args.reps; ++r) {
        const double t0 = bench::now_seconds();
        const describe::ColumnStats all = run({S::kCount, S::kMean, S::kMedian, S::kStd});
        const double t1 = bench::now_seconds();
        const describe::ColumnStats moments = run({S::kCount, S::kMean, S::kStd});
        const double t2 = bench::now_seconds();
        const describe::ColumnStats median = run({S::kMedian});
        const double t3 = bench::now_seconds();
        reps.push_back({t1 - t0, t2 - t1, t3 - t2});
        last = {all.count, all.mean.value_or(0), all.median.value_or(0), all.std.value_or(0)};
        ok =
            ok && w8::plausible(last, n) && moments.mean == all.mean && median.median == all.median;
    }
    return w8::report(args, reps, last, ok);
}
