// W8 "describe", plain C++ peer (bench/README.md, w8/workload.hpp) and the
// generator of the W8 CSV.
//
// usage: peer_w8_cpp cpp-serial <n> [reps]
//        peer_w8_cpp csvgen <rows> <path>
//
// cpp-serial  on the calling thread: one pass for the mean, one pass for the
//             sum of squared deviations (std = sqrt(ss / (n - 1))), then the
//             median by std::nth_element on a copy (the copy, into a freshly
//             allocated array, is timed: numpy's median copies too).
// csvgen      writes the W8 CSV: a header `a,b,c,d` and <rows> rows
//             `%.6f,%.4f,%.6f,%.2f` of u01(4r), 1000 u01(4r+1), 2 u01(4r+2) - 1
//             and 1e6 u01(4r+3), r = 0 .. rows - 1 (about 37 bytes a row).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "workload.hpp"

namespace {

w8::Stats mean_std(std::span<const double> a) {
    double sum = 0;
    for (const double x : a) sum += x;
    const double mean = sum / static_cast<double>(a.size());
    double ss = 0;
    for (const double x : a) {
        const double d = x - mean;
        ss += d * d;
    }
    return {a.size(), mean, 0.0, std::sqrt(ss / static_cast<double>(a.size() - 1))};
}

double median(std::span<const double> a) {
    auto copy = w8::uninitialized(a.size());
    std::copy(a.begin(), a.end(), copy.get());
    return w8::median_in_place({copy.get(), a.size()});
}

int csvgen(const char* rows_arg, const char* path) {
    char* end = nullptr;
    const long rows = std::strtol(rows_arg, &end, 10);
    if (end == rows_arg || *end != '\0' || rows < 0) {
        std::fprintf(stderr, "csvgen: bad row count %s\n", rows_arg);
        return 2;
    }
    std::FILE* f = std::fopen(path, "w");
    if (f == nullptr) {
        std::perror(path);
        return 1;
    }
    static char buffer[1 << 20];
    std::setvbuf(f, buffer, _IOFBF, sizeof buffer);
    bool ok = std::fputs("a,b,c,d\n", f) >= 0;
    for (long r = 0; r < rows && ok; ++r) {
        const auto i = 4 * static_cast<std::uint64_t>(r);
        ok = std::fprintf(f, "%.6f,%.4f,%.6f,%.2f\n", w8::u01(i), 1000 * w8::u01(i + 1),
                          2 * w8::u01(i + 2) - 1, 1e6 * w8::u01(i + 3)) > 0;
    }
    if (std::fclose(f) != 0) ok = false;
    if (!ok) {
        std::perror(path);
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "csvgen") == 0) {
        if (argc != 4) {
            std::fprintf(stderr, "usage: %s csvgen <rows> <path>\n", argv[0]);
            return 2;
        }
        return csvgen(argv[2], argv[3]);
    }
    const bench::Args args = bench::parse(argc, argv, {"cpp-serial"});
    const std::size_t n = w8::size_of(args);
    auto data = w8::uninitialized(n);
    w8::fill({data.get(), n});
    return w8::run(args, std::span<const double>(data.get(), n), mean_std, median);
}
