// concur-describe: count, missing, mean, sample standard deviation, min,
// quartiles, median and max of every numeric column of CSV/TSV files, raw
// float64 files or generated data -- exact, on every core. docs/describe.md.
//
//   concur-describe data.csv
//   concur-describe --generate arange:10_000_000 --stats count,mean,median,std
//   concur-describe --binary values.f64 --format json
//   cat data.tsv | concur-describe --engine async
//
// Exit codes: 0 done, 2 bad input or usage (one line on stderr).
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <concur/multiprocessing.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "describe/binary_source.hpp"
#include "describe/csv_source.hpp"
#include "describe/describe.hpp"
#include "describe/format.hpp"
#include "describe/generated_source.hpp"

namespace {

namespace describe = concur::describe;

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "concur-describe: %s\n", message.c_str());
    std::exit(2);
}

char parse_delimiter(const std::string& text) {
    if (text == "\\t" || text == "tab" || text == "\t") return '\t';
    if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r")
        usage_error("--delimiter wants one character (or 'tab'), not '" + text + "'");
    return text[0];
}

std::uint64_t parse_size(const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        usage_error("--memory-limit wants a size such as 512M or 2G, not '" + text + "'");
    }
    const std::string unit = text.substr(used);
    double scale = 1;
    if (unit == "K" || unit == "k")
        scale = 1024.0;
    else if (unit == "M" || unit == "m")
        scale = 1024.0 * 1024;
    else if (unit == "G" || unit == "g")
        scale = 1024.0 * 1024 * 1024;
    else if (!unit.empty() && unit != "B")
        usage_error("--memory-limit wants a size such as 512M or 2G, not '" + text + "'");
    if (!(value >= 0)) usage_error("--memory-limit must not be negative");
    return static_cast<std::uint64_t>(value * scale);
}

// A progress bar on stderr, only when it is a terminal and the input takes
// over a second.
class Progress {
  public:
    Progress() : enabled_(::isatty(STDERR_FILENO) != 0), start_(Clock::now()) {}
    ~Progress() {
        if (shown_) std::fputs("\r\033[K", stderr);
    }
    void operator()(std::size_t done, std::size_t total) {
        if (!enabled_ || Clock::now() - start_ < std::chrono::seconds(1)) return;
        shown_ = true;
        const int width = 40;
        const int filled =
            static_cast<int>(static_cast<double>(done) / static_cast<double>(total) * width);
        std::fprintf(stderr, "\r[%s%s] %zu/%zu chunks", std::string(filled, '#').c_str(),
                     std::string(width - filled, ' ').c_str(), done, total);
        std::fflush(stderr);
    }

  private:
    using Clock = std::chrono::steady_clock;
    bool enabled_;
    bool shown_ = false;
    Clock::time_point start_;
};

}  // namespace

int main(int argc, char** argv) {
    concur::multiprocessing::freeze_support();

    CLI::App app{
        "Count, missing, mean, sample std, min, quartiles, median and max of every numeric "
        "column.\nReads CSV/TSV files (or stdin), raw little-endian float64 (--binary), or "
        "generated data.",
        "concur-describe"};
    std::vector<std::string> files;
    std::string generate, delimiter, stats_text, format_text = "table", engine_text = "threads";
    std::string memory_text;
    bool binary = false, no_header = false;
    unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    app.add_option("FILE", files, "input files; - or none: stdin");
    app.add_option("--generate", generate,
                   "arange:N | uniform:N[:SEED] | normal:N[:SEED] instead of a file");
    app.add_flag("--binary", binary, "inputs are raw little-endian float64 (one column, x)");
    app.add_option("--delimiter", delimiter, "field delimiter (default: , or tab for .tsv)");
    app.add_flag("--no-header", no_header, "the first row is data");
    app.add_option("--stats", stats_text,
                   "comma-separated subset of count,missing,mean,std,min,q1,median,q3,max");
    app.add_option("--format", format_text, "table | csv | json")->capture_default_str();
    app.add_option("--engine", engine_text, "serial | threads | async | processes")
        ->capture_default_str();
    app.add_option("--workers", workers, "threads or processes (default: the cores)")
        ->capture_default_str();
    app.add_option("--memory-limit", memory_text,
                   "memory for values kept between passes, e.g. 512M (default: a quarter of RAM); "
                   "beyond it the input is read again");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        usage_error(std::string(e.what()) + " (see --help)");
    }

    const auto format = describe::parse_format(format_text);
    if (!format) usage_error("--format wants table, csv or json, not '" + format_text + "'");
    const auto engine_kind = describe::parse_engine(engine_text);
    if (!engine_kind)
        usage_error("--engine wants serial, threads, async or processes, not '" + engine_text +
                    "'");
    if (workers == 0) usage_error("--workers must be at least 1");
    describe::DescribeOptions options;
    if (!stats_text.empty()) {
        options.stats.clear();
        std::size_t pos = 0;
        while (pos <= stats_text.size()) {
            const std::size_t comma = std::min(stats_text.find(',', pos), stats_text.size());
            const std::string name = stats_text.substr(pos, comma - pos);
            const auto stat = describe::parse_stat(name);
            if (!stat) usage_error("--stats: unknown statistic '" + name + "'");
            options.stats.push_back(*stat);
            pos = comma + 1;
        }
    }
    options.memory_budget = memory_text.empty()
                                ? static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                                      static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 4
                                : parse_size(memory_text);
    if (!generate.empty() && (!files.empty() || binary))
        usage_error("--generate takes no FILE and no --binary");
    if (files.empty()) files.push_back("-");

    try {
        std::unique_ptr<describe::Source> source;
        if (!generate.empty()) {
            source = std::make_unique<describe::GeneratedSource>(generate);
        } else if (binary) {
            source = std::make_unique<describe::BinarySource>(files);
        } else {
            describe::CsvOptions csv;
            if (!delimiter.empty()) csv.delimiter = parse_delimiter(delimiter);
            if (no_header) csv.has_header = false;
            source = std::make_unique<describe::CsvSource>(files, csv);
        }
        Progress progress;
        options.progress = [&](std::size_t done, std::size_t total) { progress(done, total); };
        auto engine = describe::make_engine(*engine_kind, workers);
        const describe::Report report = describe::describe(*source, *engine, options);
        options.progress = nullptr;
        const std::string text = describe::format_report(report, options.stats, *format);
        std::fwrite(text.data(), 1, text.size(), stdout);
        if (*format == describe::Format::kCsv)
            for (const auto& skipped : report.skipped)
                std::fprintf(stderr, "concur-describe: skipped %s: %s\n", skipped.name.c_str(),
                             skipped.reason.c_str());
        if (std::fflush(stdout) != 0) return 2;
    } catch (const describe::InputError& e) {
        std::fprintf(stderr, "concur-describe: %s\n", e.what());
        return 2;
    }
    return 0;
}
