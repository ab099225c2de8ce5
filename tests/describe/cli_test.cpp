// Tests of the concur-describe tool itself (apps/describe/main.cpp): output
// formats, options, stdin, the error paths with their messages and exit
// code 2, and bounded memory on a file larger than the memory limit.
#include <gtest/gtest.h>

#include <cstdio>

#include "../support/sanitizers.hpp"
#include "describe_support.hpp"

namespace {

using concur_test_support::run_tool;
using concur_test_support::TempDir;

TEST(DescribeTool, SeedNumbersAsJson) {
    const auto run = run_tool({"--generate", "arange:10_000_000", "--format", "json", "--stats",
                               "count,mean,median,std"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out,
              "{\"columns\": [{\"name\": \"x\", \"count\": 10000000, \"mean\": 4999999.5, "
              "\"median\": 4999999.5, \"std\": 2886751.4902856923}], \"skipped\": []}\n");
}

TEST(DescribeTool, JsonHasEveryStatisticAndNullWhereUndefined) {
    const auto run = run_tool({"--format", "json"}, "a,b,t\n1,NA,x\n");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out,
              "{\"columns\": [{\"name\": \"a\", \"count\": 1, \"missing\": 0, \"mean\": 1, "
              "\"std\": null, \"min\": 1, \"q1\": 1, \"median\": 1, \"q3\": 1, \"max\": 1}, "
              "{\"name\": \"b\", \"count\": 0, \"missing\": 1, \"mean\": null, \"std\": null, "
              "\"min\": null, \"q1\": null, \"median\": null, \"q3\": null, \"max\": null}], "
              "\"skipped\": [{\"name\": \"t\", \"reason\": \"non-numeric value \\\"x\\\" at line "
              "2\"}]}\n");
}

TEST(DescribeTool, CsvFormatAndStatsSubset) {
    const auto run =
        run_tool({"--format", "csv", "--stats", "count,median,max"}, "p,\"q,r\"\n1,4\n2,5\n3,6\n");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "name,count,median,max\np,3,2,3\n\"q,r\",3,5,6\n");
}

TEST(DescribeTool, TableIsAligned) {
    const auto run = run_tool({"--stats", "count,mean"}, "short,a_longer_name\n1,2\n3,4\n");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out,
              "       short  a_longer_name\n"
              "count      2              2\n"
              "mean       2              3\n");
}

TEST(DescribeTool, BinaryInputAndItsSizeCheck) {
    TempDir dir;
    const double values[] = {1.5, 2.5, 3.5};
    const std::string file =
        dir.write("v.f64", std::string(reinterpret_cast<const char*>(values), sizeof values));
    auto run = run_tool({"--binary", file, "--format", "csv", "--stats", "count,mean"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "name,count,mean\nx,3,2.5\n");
    const std::string odd = dir.write("odd.f64", "12345");
    run = run_tool({"--binary", odd});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.err,
              "concur-describe: " + odd +
                  ": size 5 is not a multiple of 8 (--binary reads little-endian float64)\n");
}

TEST(DescribeTool, EnginesPrintTheSameNumbers) {
    std::string first;
    for (const char* engine : {"serial", "threads", "async", "processes"}) {
        const auto run = run_tool({"--generate", "normal:300000:9", "--format", "json", "--engine",
                                   engine, "--workers", "2"});
        EXPECT_EQ(run.exit_code, 0) << engine << run.err;
        if (first.empty()) first = run.out;
        EXPECT_EQ(run.out, first) << engine;
    }
}

TEST(DescribeTool, BadInputGetsOneLineAndExitCode2) {
    TempDir dir;
    const std::string ragged = dir.write("r.csv", "a,b\n1,2\n3\n");
    const std::string quote = dir.write("q.csv", "a\n\"1\n");
    const std::string empty = dir.write("e.csv", "");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const Case cases[] = {
        {{"/nonexistent.csv"}, "/nonexistent.csv: cannot read: No such file or directory"},
        {{ragged}, ragged + ":3: ragged row: 1 field, expected 2"},
        {{quote}, quote + ":2: unterminated quote"},
        {{empty}, empty + ": empty file"},
        {{"--generate", "zipf:10"},
         "--generate zipf:10: unknown generator 'zipf' (want arange:N, uniform:N[:SEED] or "
         "normal:N[:SEED])"},
        {{"--format", "xml", ragged}, "--format wants table, csv or json, not 'xml'"},
        {{"--engine", "gpu", ragged},
         "--engine wants serial, threads, async or processes, not 'gpu'"},
        {{"--stats", "mean,mode", ragged}, "--stats: unknown statistic 'mode'"},
        {{"--bogus"}, "The following argument was not expected: --bogus (see --help)"},
    };
    for (const Case& c : cases) {
        const auto run = run_tool(c.args);
        EXPECT_EQ(run.exit_code, 2) << c.message;
        EXPECT_EQ(run.err, "concur-describe: " + c.message + "\n");
        EXPECT_EQ(run.out, "");
    }
}

TEST(DescribeTool, StdinDashAndSeveralFiles) {
    TempDir dir;
    const std::string a = dir.write("a.csv", "x\n1\n2\n");
    const auto run = run_tool({"--stats", "count,max", "--format", "csv", a, "-"}, "x\n10\n");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "name,count,max\nx,3,10\n");
}

TEST(DescribeTool, FileLargerThanTheMemoryLimitKeepsResidentSizeBounded) {
    if (concur_test_support::kSanitized) GTEST_SKIP() << "sanitizer memory would dominate";
    // About 64 MB of CSV, read with 1 MiB for kept values: every pass reads
    // the file again, and the mapping's pages are dropped after each chunk.
    TempDir dir;
    const std::string file = dir.path("big.csv");
    {
        std::FILE* out = std::fopen(file.c_str(), "w");
        std::fputs("a,b\n", out);
        for (long i = 0; i < 3'500'000; ++i)
            std::fprintf(out, "%ld.%06ld,%ld\n", (i * 7919) % 100003, i % 999983, i % 1013);
        std::fclose(out);
    }
    const auto run = run_tool({file, "--memory-limit", "1M", "--format", "csv"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("a,3500000,0,"), std::string::npos) << run.out;
    EXPECT_LT(run.max_rss_kib, 40 * 1024) << "peak resident size, KiB";
}

}  // namespace
