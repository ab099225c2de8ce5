// describe/describe.hpp -- the statistics of every numeric column of a
// Source: count, missing, mean, sample standard deviation, min, quartiles,
// median, max, as pandas' DataFrame.describe() and numpy compute them.
//
//   count, missing   values and missing cells (empty, NA, NaN, null)
//   mean, std        numpy's mean() and std(ddof=1) to ~1e-15 relative
//                    (describe/moments.hpp); std is undefined below 2 values
//   min, max, q1, median, q3
//                    exact order statistics, quartiles by linear
//                    interpolation between them (numpy.percentile's default,
//                    pandas' describe()); found by histogram selection on the
//                    values' order keys (describe/order_key.hpp), never a
//                    full sort
//
// A column holding any cell that is neither a number nor missing is skipped,
// with the reason and the first offending position.
//
// describe() blocks until done and throws InputError for malformed input;
// it is thread-safe in that separate calls share nothing.
//
// Example:
//
//   namespace describe = concur::describe;
//   describe::CsvSource source({"data.csv"}, {});
//   auto engine = describe::make_engine(describe::EngineKind::kThreads, 4);
//   describe::Report report = describe::describe(source, *engine);
//   for (const describe::ColumnStats& c : report.columns)
//       std::printf("%s: median %g\n", c.name.c_str(), c.median.value_or(NAN));
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "describe/engine.hpp"
#include "describe/source.hpp"

namespace concur::describe {

enum class Stat { kCount, kMissing, kMean, kStd, kMin, kQ1, kMedian, kQ3, kMax };
inline constexpr Stat kAllStats[] = {Stat::kCount,  Stat::kMissing, Stat::kMean,
                                     Stat::kStd,    Stat::kMin,     Stat::kQ1,
                                     Stat::kMedian, Stat::kQ3,      Stat::kMax};

const char* stat_name(Stat stat) noexcept;
std::optional<Stat> parse_stat(const std::string& name);  // also "sd", "50%", "25%", "75%"

struct ColumnStats {
    std::string name;
    std::uint64_t count = 0;
    std::uint64_t missing = 0;
    std::optional<double> mean, std, min, q1, median, q3, max;  // nullopt: undefined

    std::optional<double> get(Stat stat) const;  // count and missing as doubles
};

struct SkippedColumn {
    std::string name;
    std::string reason;
};

struct Report {
    std::vector<ColumnStats> columns;
    std::vector<SkippedColumn> skipped;
};

struct DescribeOptions {
    std::vector<Stat> stats{std::begin(kAllStats), std::end(kAllStats)};
    // Bytes of values kept in memory between passes; beyond it every pass
    // reads the input again and order statistics are narrowed down within
    // the same bound. 0: keep nothing.
    std::uint64_t memory_budget = std::uint64_t{1} << 30;
    // Called after each chunk of the first pass with (chunks done, total).
    std::function<void(std::size_t, std::size_t)> progress;
};

// Blocks. Throws InputError (malformed input).
Report describe(const Source& source, Engine& engine, const DescribeOptions& options = {});

// numpy.percentile(..., method="linear") between the order statistics
// below and above the virtual index (n - 1) * q: a + (b - a) * t, computed
// from the nearer end as numpy's _lerp does.
double interpolate(double below, double above, double t) noexcept;

}  // namespace concur::describe
