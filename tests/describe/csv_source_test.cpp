// Tests of describe/csv_source.hpp: RFC 4180 quoting, headers, missing
// markers, delimiters, several files, chunk cuts inside quoted fields, and
// each malformed input with its message.
#include <gtest/gtest.h>

#include <string>

#include "describe/csv_source.hpp"
#include "describe_support.hpp"

namespace concur::describe {
namespace {

using concur_test_support::describe_text;
using concur_test_support::TempDir;

const ColumnStats& column(const Report& report, const std::string& name) {
    for (const auto& c : report.columns)
        if (c.name == name) return c;
    throw std::runtime_error("no column " + name);
}

std::string input_error(const std::string& text, CsvOptions csv = {}) {
    try {
        describe_text(text, csv);
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

TEST(CsvSource, QuotedCellsHoldDelimitersQuotesAndNewlines) {
    const Report r = describe_text(
        "id,\"label, with comma\",v\n"
        "1,\"a \"\"quoted\"\" word\",\"10\"\n"
        "2,\"two\nlines\",20\n"
        "3,plain,\" 30 \"\n");
    ASSERT_EQ(r.columns.size(), 2u);
    EXPECT_EQ(r.columns[0].name, "id");
    EXPECT_EQ(column(r, "v").count, 3u);
    EXPECT_EQ(column(r, "v").mean, 20.0);
    ASSERT_EQ(r.skipped.size(), 1u);
    EXPECT_EQ(r.skipped[0].name, "label, with comma");
    EXPECT_EQ(r.skipped[0].reason, "non-numeric value \"a \"quoted\" word\" at line 2");
}

TEST(CsvSource, MissingMarkersInAnyCaseAreCountedAndSkipped) {
    const Report r = describe_text("x\n1\n\nNA\nna\nNaN\nnan\nNULL\nnull\n\"\"\n3\n-nan\n");
    const ColumnStats& x = column(r, "x");
    EXPECT_EQ(x.count, 2u);
    EXPECT_EQ(x.missing, 8u);  // the blank line is skipped, not missing
    EXPECT_EQ(x.mean, 2.0);
}

TEST(CsvSource, EmptyCellsInARowAreMissing) {
    const Report r = describe_text("a,b,c\n1,,3\n,5,\n");
    EXPECT_EQ(column(r, "a").missing, 1u);
    EXPECT_EQ(column(r, "b").missing, 1u);
    EXPECT_EQ(column(r, "c").missing, 1u);
    EXPECT_EQ(column(r, "b").mean, 5.0);
}

TEST(CsvSource, NumbersInEveryWrittenForm) {
    const Report r = describe_text("x\n+1.5\n-2.5e1\n 3 \n.5\n1E2\n0x10\n");
    // 0x10 is not a decimal number: the column is skipped with its line.
    ASSERT_EQ(r.skipped.size(), 1u);
    EXPECT_EQ(r.skipped[0].reason, "non-numeric value \"0x10\" at line 7");
    const Report ok = describe_text("x\n+1.5\n-2.5e1\n 3 \n.5\n1E2\ninf\n");
    EXPECT_EQ(column(ok, "x").count, 6u);
    EXPECT_EQ(column(ok, "x").min, -25.0);
    EXPECT_EQ(column(ok, "x").max, std::numeric_limits<double>::infinity());
}

TEST(CsvSource, CrLfLineEndings) {
    const Report r = describe_text("a,b\r\n1,2\r\n3,4\r\n\r\n5,\"6\"\r\n");
    EXPECT_EQ(column(r, "a").count, 3u);
    EXPECT_EQ(column(r, "b").mean, 4.0);
}

TEST(CsvSource, HeaderIsDetectedOrForced) {
    // Numbers only: no header, columns named column1...
    Report r = describe_text("1,2\n3,4\n");
    EXPECT_EQ(r.columns[0].name, "column1");
    EXPECT_EQ(r.columns[0].count, 2u);
    // A text first row above numbers: a header.
    r = describe_text("height,weight\n1,2\n");
    EXPECT_EQ(r.columns[1].name, "weight");
    EXPECT_EQ(r.columns[1].count, 1u);
    // A text column that starts in the first row: data, and skipped.
    r = describe_text("1,abc\n2,def\n");
    EXPECT_EQ(r.columns[0].name, "column1");
    EXPECT_EQ(r.columns[0].count, 2u);
    // --no-header: the first row is data even when it is text.
    CsvOptions csv;
    csv.has_header = false;
    r = describe_text("x\n1\n", csv);
    ASSERT_EQ(r.skipped.size(), 1u);
    EXPECT_EQ(r.skipped[0].reason, "non-numeric value \"x\" at line 1");
}

TEST(CsvSource, ByteOrderMarkIsNotPartOfTheFirstCell) {
    Report r = describe_text("\xEF\xBB\xBFprice,qty\n1.5,2\n");
    EXPECT_EQ(r.columns[0].name, "price");
    r = describe_text(
        "\xEF\xBB\xBF"
        "1.5,2\n2.5,3\n");
    EXPECT_EQ(r.columns[0].name, "column1");
    EXPECT_EQ(r.columns[0].count, 2u);
}

TEST(CsvSource, TabsAreDetectedAndOtherDelimitersChosen) {
    TempDir dir;
    const CsvSource tsv({dir.write("t.tsv", "a b\tc\n1\t2\n")}, {});
    EXPECT_EQ(tsv.delimiter(), '\t');
    EXPECT_EQ(tsv.column_names()[0], "a b");
    const CsvSource sniffed({dir.write("t.txt", "a\tc\n1\t2\n")}, {});
    EXPECT_EQ(sniffed.delimiter(), '\t');
    CsvOptions semicolons;
    semicolons.delimiter = ';';
    const Report r = describe_text("a;b\n1;2\n3;4\n", semicolons);
    EXPECT_EQ(column(r, "b").mean, 3.0);
}

TEST(CsvSource, ChunkCutsInsideQuotedFieldsKeepEveryRecordWhole) {
    // Tiny chunks: most cuts fall inside a quoted, multi-line cell.
    std::string text = "n,note\n";
    double sum = 0;
    for (int i = 0; i < 500; ++i) {
        text += std::to_string(i) + ",\"line one, \"\"quoted\"\"\nline two\n\"\n";
        sum += i;
    }
    for (std::uint64_t chunk : {7u, 16u, 61u, 1u << 20}) {
        CsvOptions csv;
        csv.chunk_bytes = chunk;
        const Report r = describe_text(text, csv, EngineKind::kThreads);
        SCOPED_TRACE(chunk);
        EXPECT_EQ(column(r, "n").count, 500u);
        EXPECT_EQ(*column(r, "n").mean, sum / 500);
        ASSERT_EQ(r.skipped.size(), 1u);
        EXPECT_EQ(r.skipped[0].reason,
                  "non-numeric value \"line one, \"quoted\"\nline two\n\" at line 2");
    }
}

TEST(CsvSource, SeveralFilesAreOneTable) {
    TempDir dir;
    const CsvSource both({dir.write("a.csv", "x,y\n1,2\n"), dir.write("b.csv", "x,y\n3,4\n5,6\n")},
                         {});
    auto engine = make_engine(EngineKind::kSerial, 1);
    const Report r = describe(both, *engine);
    EXPECT_EQ(r.columns[0].count, 3u);
    EXPECT_EQ(r.columns[1].mean, 4.0);
}

TEST(CsvSource, FilesWithDifferentColumnsAreRejected) {
    TempDir dir;
    const std::string a = dir.write("a.csv", "x,y\n1,2\n"), b = dir.write("b.csv", "x,z\n1,2\n");
    try {
        CsvSource both({a, b}, {});
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  b + ": its columns (x, z) differ from those of " + a + " (x, y)");
    }
}

TEST(CsvSource, RaggedRowNamesFileAndLine) {
    EXPECT_NE(input_error("a,b\n1,2\n3\n").find("data.csv:3: ragged row: 1 field, expected 2"),
              std::string::npos);
    const std::string message = input_error("a,b\n1,2\n3,4,5\n");
    EXPECT_NE(message.find("data.csv:3: ragged row: 3 fields, expected 2"), std::string::npos)
        << message;
}

TEST(CsvSource, UnterminatedQuoteNamesTheLineItStarts) {
    const std::string message = input_error("a,b\n1,2\n3,\"4\n5,6\n");
    EXPECT_NE(message.find("data.csv:3: unterminated quote"), std::string::npos) << message;
}

TEST(CsvSource, TextAfterAClosingQuoteIsAnError) {
    const std::string message = input_error("a,b\n1,\"2\"x\n");
    EXPECT_NE(message.find("data.csv:2: column 2: unexpected character after a closing quote"),
              std::string::npos)
        << message;
}

TEST(CsvSource, EmptyAndMissingFilesAreErrors) {
    EXPECT_NE(input_error("").find("data.csv: empty file"), std::string::npos);
    EXPECT_NE(input_error("\n\n").find("data.csv: empty file"), std::string::npos);
    try {
        CsvSource({"/nonexistent/x.csv"}, {});
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/nonexistent/x.csv: cannot read: No such file or directory");
    }
}

TEST(CsvSource, HeaderOnlyGivesEmptyColumns) {
    const Report r = describe_text("a,b\n");
    ASSERT_EQ(r.columns.size(), 2u);
    EXPECT_EQ(r.columns[0].count, 0u);
    EXPECT_FALSE(r.columns[0].mean.has_value());
    EXPECT_FALSE(r.columns[0].median.has_value());
}

}  // namespace
}  // namespace concur::describe
