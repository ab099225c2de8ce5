// bench/bench_common.hpp -- the harness conventions shared by every C++
// benchmark binary in bench/ (concur's and the peers'; see bench/README.md):
// `<binary> <system> <n> [reps]`, one OS process per system, median of the
// repetitions, output lines `workload system metric value unit`, repetitions
// and checksums as # lines.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

inline double now_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    if (n == 0) return 0.0;
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

inline void emit(const char* workload, const std::string& system, const char* metric, double value,
                 const char* unit) {
    std::printf("%s %s %s %.6g %s\n", workload, system.c_str(), metric, value, unit);
    std::fflush(stdout);
}

inline void emit_reps(const char* workload, const std::string& system, const char* metric,
                      const std::vector<double>& reps, const char* unit) {
    std::printf("# %s %s %s reps:", workload, system.c_str(), metric);
    for (double r : reps) std::printf(" %.6g", r);
    std::printf(" %s\n", unit);
    std::fflush(stdout);
}

struct Args {
    std::string system;
    long n = 0;
    int reps = 3;
};

// usage: <binary> <system> <n> [reps]   or   <binary> --list
inline Args parse(int argc, char** argv, const std::vector<std::string>& systems) {
    if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
        for (const auto& s : systems) std::printf("%s\n", s.c_str());
        std::exit(0);
    }
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s <system> <n> [reps]   (or --list)\n", argv[0]);
        std::exit(2);
    }
    Args args{argv[1], std::atol(argv[2]), argc >= 4 ? std::atoi(argv[3]) : 3};
    if (std::find(systems.begin(), systems.end(), args.system) == systems.end()) {
        std::fprintf(stderr, "unknown system %s (try --list)\n", args.system.c_str());
        std::exit(2);
    }
    return args;
}

}  // namespace bench
