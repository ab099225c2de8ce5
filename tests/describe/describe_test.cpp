// Tests of describe/describe.hpp: known answers (the list), the
// quartile interpolation, agreement of the engines, and exact order
// statistics when the memory budget forces every pass to read the input
// again and narrow bins digit by digit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "describe/generated_source.hpp"
#include "describe/memory_source.hpp"
#include "describe_support.hpp"

namespace concur::describe {
namespace {

using concur_test_support::describe_text;

ColumnStats one_column(const std::vector<double>& values, EngineKind engine = EngineKind::kSerial,
                       std::uint64_t budget = std::uint64_t{1} << 30) {
    const MemorySource source(values);
    auto runner = make_engine(engine, 2);
    DescribeOptions options;
    options.memory_budget = budget;
    return describe(source, *runner, options).columns.at(0);
}

// numpy.percentile(values, 100 q), method "linear", by sorting.
double reference_quantile(std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const double h = static_cast<double>(values.size() - 1) * q;
    const auto below = static_cast<std::size_t>(std::floor(h));
    const std::size_t above = std::min(below + 1, values.size() - 1);
    return interpolate(values[below], values[above], h - static_cast<double>(below));
}

TEST(Describe, ArangeOfTheSeed) {
    const GeneratedSource source("arange:1000001");
    auto engine = make_engine(EngineKind::kThreads, 2);
    const ColumnStats x = describe(source, *engine).columns.at(0);
    EXPECT_EQ(x.name, "x");
    EXPECT_EQ(x.count, 1000001u);
    EXPECT_EQ(x.mean, 500000.0);
    EXPECT_EQ(x.median, 500000.0);
    EXPECT_EQ(x.q1, 250000.0);
    EXPECT_EQ(x.q3, 750000.0);
    EXPECT_EQ(x.min, 0.0);
    EXPECT_EQ(x.max, 1000000.0);
    // sqrt(n (n + 1) / 12) for 0..n-1 with ddof = 1.
    EXPECT_NEAR(*x.std, std::sqrt(1000001.0 * 1000002.0 / 12.0), 1e-9);
}

TEST(Describe, ConstantColumn) {
    const ColumnStats c = one_column(std::vector<double>(1001, 2.5));
    EXPECT_EQ(c.mean, 2.5);
    EXPECT_EQ(c.std, 0.0);
    EXPECT_EQ(c.q1, 2.5);
    EXPECT_EQ(c.median, 2.5);
    EXPECT_EQ(c.q3, 2.5);
}

TEST(Describe, OneValueHasNoStandardDeviation) {
    const ColumnStats c = one_column({7.0});
    EXPECT_EQ(c.count, 1u);
    EXPECT_EQ(c.mean, 7.0);
    EXPECT_FALSE(c.std.has_value());
    EXPECT_EQ(c.median, 7.0);
    EXPECT_EQ(c.q1, 7.0);
}

TEST(Describe, TwoValuesInterpolate) {
    const ColumnStats c = one_column({1.0, 4.0});
    EXPECT_EQ(c.mean, 2.5);
    EXPECT_DOUBLE_EQ(*c.std, std::sqrt(4.5));
    EXPECT_EQ(c.q1, 1.75);
    EXPECT_EQ(c.median, 2.5);
    EXPECT_EQ(c.q3, 3.25);
}

TEST(Describe, NoValuesLeavesEverythingButTheCountsUndefined) {
    const ColumnStats c = one_column({std::nan(""), std::nan("")});
    EXPECT_EQ(c.count, 0u);
    EXPECT_EQ(c.missing, 2u);
    for (Stat s :
         {Stat::kMean, Stat::kStd, Stat::kMin, Stat::kQ1, Stat::kMedian, Stat::kQ3, Stat::kMax})
        EXPECT_FALSE(c.get(s).has_value()) << stat_name(s);
}

TEST(Describe, MissingValuesAreCountedAndLeftOut) {
    const ColumnStats c = one_column({1.0, std::nan(""), 3.0, std::nan(""), 5.0});
    EXPECT_EQ(c.count, 3u);
    EXPECT_EQ(c.missing, 2u);
    EXPECT_EQ(c.mean, 3.0);
    EXPECT_EQ(c.median, 3.0);
}

TEST(Describe, HugeAndTinyMagnitudes) {
    const ColumnStats huge = one_column({1e308, 1e308, 1e308});
    EXPECT_EQ(huge.mean, 1e308);
    EXPECT_EQ(huge.std, 0.0);
    EXPECT_EQ(huge.median, 1e308);
    const double tiny = std::numeric_limits<double>::denorm_min();
    const ColumnStats small = one_column({tiny, 2 * tiny, 3 * tiny});
    EXPECT_EQ(small.median, 2 * tiny);
    EXPECT_EQ(small.min, tiny);
    const ColumnStats mixed = one_column({-1e300, 1e-300, 1e300});
    EXPECT_EQ(mixed.median, 1e-300);
    EXPECT_EQ(mixed.q1, interpolate(-1e300, 1e-300, 0.5));
}

TEST(Describe, NegativeZero) {
    const ColumnStats c = one_column({-0.0, -0.0, -0.0});
    EXPECT_EQ(c.mean, 0.0);
    EXPECT_EQ(c.std, 0.0);
    EXPECT_TRUE(std::signbit(*c.median));
    EXPECT_TRUE(std::signbit(*c.min));
    const ColumnStats both = one_column({0.0, -0.0, -1.0, 1.0});
    EXPECT_EQ(both.median, 0.0);
}

TEST(Describe, IntegersBeyondTwoToThe53RoundAsNumpyReadsThem) {
    // 9007199254740993 reads as 9007199254740992 (round to even), as
    // float("9007199254740993") and numpy do.
    const Report r = describe_text("x\n9007199254740993\n9007199254740995\n9007199254740992\n");
    const ColumnStats& x = r.columns.at(0);
    EXPECT_EQ(x.min, 9007199254740992.0);
    EXPECT_EQ(x.max, 9007199254740996.0);
    EXPECT_EQ(x.median, 9007199254740992.0);
}

TEST(Describe, QuartilesMatchSortedReferenceOnRandomData) {
    std::mt19937_64 random(7);
    std::normal_distribution<double> normal(3.0, 10.0);
    for (std::size_t n : {2u, 3u, 4u, 5u, 10u, 99u, 1000u, 100001u}) {
        std::vector<double> v(n);
        for (double& x : v) x = normal(random);
        const ColumnStats c = one_column(v);
        SCOPED_TRACE(n);
        EXPECT_EQ(c.q1, reference_quantile(v, 0.25));
        EXPECT_EQ(c.median, reference_quantile(v, 0.5));
        EXPECT_EQ(c.q3, reference_quantile(v, 0.75));
        EXPECT_EQ(c.min, *std::min_element(v.begin(), v.end()));
        EXPECT_EQ(c.max, *std::max_element(v.begin(), v.end()));
    }
}

TEST(Describe, TinyBudgetNarrowsBinsDigitByDigitAndStaysExact) {
    // Values crowded into one first-digit bin, with ties: the selection has
    // to count second, third and fourth digits before it may collect.
    std::mt19937_64 random(11);
    std::uniform_real_distribution<double> u(1.0, 1.0 + 1e-9);
    std::vector<double> v(300000);
    for (double& x : v) x = u(random);
    for (std::size_t i = 0; i < v.size(); i += 3) v[i] = 1.0000000005;
    const ColumnStats roomy = one_column(v);
    const ColumnStats tight = one_column(v, EngineKind::kSerial, 0);
    EXPECT_EQ(tight.median, reference_quantile(v, 0.5));
    EXPECT_EQ(tight.q1, reference_quantile(v, 0.25));
    EXPECT_EQ(tight.q3, reference_quantile(v, 0.75));
    EXPECT_EQ(tight.median, roomy.median);
}

TEST(Describe, TextWithinAndBeyondTheBudgetGivesTheSameAnswer) {
    std::string text = "a,b\n";
    for (int i = 0; i < 20000; ++i)
        text += std::to_string((i * 7919) % 10007) + "," + std::to_string(i % 13) + "\n";
    DescribeOptions kept, reread;
    reread.memory_budget = 0;
    const Report a = describe_text(text, {}, EngineKind::kThreads, kept);
    const Report b = describe_text(text, {}, EngineKind::kThreads, reread);
    for (std::size_t c = 0; c < 2; ++c)
        for (Stat s : kAllStats)
            EXPECT_EQ(a.columns[c].get(s), b.columns[c].get(s)) << stat_name(s);
}

class DescribeEngines : public testing::TestWithParam<EngineKind> {};

TEST_P(DescribeEngines, AgreeWithSerialOnEveryStatistic) {
    std::string text = "u,n,k\n";
    std::mt19937_64 random(3);
    std::uniform_real_distribution<double> u;
    std::normal_distribution<double> n(-4.0, 2.0);
    for (int i = 0; i < 50000; ++i)
        text += fmt::format("{},{},{}\n", u(random), n(random),
                            i % 5 == 0 ? "NA" : std::to_string(i % 97));
    CsvOptions small_chunks;
    small_chunks.chunk_bytes = 64 * 1024;
    const Report serial = describe_text(text, small_chunks, EngineKind::kSerial);
    const Report other = describe_text(text, small_chunks, GetParam());
    ASSERT_EQ(other.columns.size(), 3u);
    for (std::size_t c = 0; c < 3; ++c)
        for (Stat s : kAllStats)
            EXPECT_EQ(other.columns[c].get(s), serial.columns[c].get(s))
                << other.columns[c].name << " " << stat_name(s);
}

TEST_P(DescribeEngines, ReportMalformedInputAsInputError) {
    std::string text = "a,b\n";
    for (int i = 0; i < 20000; ++i) text += "1,2\n";
    text += "3\n";
    CsvOptions small_chunks;
    small_chunks.chunk_bytes = 4096;
    EXPECT_THROW(describe_text(text, small_chunks, GetParam()), InputError);
}

INSTANTIATE_TEST_SUITE_P(All, DescribeEngines,
                         testing::Values(EngineKind::kThreads, EngineKind::kAsync,
                                         EngineKind::kProcesses),
                         [](const auto& info) { return std::string(engine_name(info.param)); });

TEST(GeneratedSource, SpecsAndErrors) {
    EXPECT_EQ(GeneratedSource("uniform:10:42").value(3), GeneratedSource("uniform:10").value(3));
    EXPECT_NE(GeneratedSource("uniform:10:1").value(3), GeneratedSource("uniform:10").value(3));
    EXPECT_EQ(GeneratedSource("arange:10_000").chunk_count(), 1u);
    for (const char* bad :
         {"arange", "zipf:10", "arange:x", "arange:10:3", "uniform:-5", "normal:1:y"})
        EXPECT_THROW(GeneratedSource{bad}, InputError) << bad;
}

TEST(GeneratedSource, NormalHasMeanZeroAndUnitSpread) {
    const GeneratedSource source("normal:200000:5");
    auto engine = make_engine(EngineKind::kThreads, 2);
    const ColumnStats x = describe(source, *engine).columns.at(0);
    EXPECT_NEAR(*x.mean, 0.0, 0.02);
    EXPECT_NEAR(*x.std, 1.0, 0.02);
    EXPECT_NEAR(*x.median, 0.0, 0.02);
}

}  // namespace
}  // namespace concur::describe
