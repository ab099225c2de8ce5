// W6 "ipc" (bench/README.md): one producer process sends to one consumer
// process. Shapes: "small" -- n messages of one 8-byte integer (0..n-1, the
// consumer checks their sum); "big" -- n messages of 1 MiB, each stamped with
// its sequence number in its first 8 bytes (the consumer checks the stamps).
// The parent produces; the consumer is a fork()ed child. The clock starts
// when the consumer has said "ready" on a separate control pipe and stops when
// it says "done". Placement: producer on CPU 0, consumer on CPU 1 (W6_PIN=a,b;
// W6_PIN=none lets the scheduler choose).
//
// Metrics: msgs_per_s (small), MB_per_s (big; 10^6 bytes), elapsed_s.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../bench_common.hpp"

namespace w6 {

inline constexpr std::size_t kBigBytes = 1 << 20;

enum class Shape { small, big };

// "concur-mp-Queue:small" -> ("concur-mp-Queue", small).
inline std::pair<std::string, Shape> split(const std::string& system) {
    const auto colon = system.rfind(':');
    return {system.substr(0, colon), system.substr(colon + 1) == "big" ? Shape::big : Shape::small};
}

// The CPUs of W6_PIN ("0,1" by default): first the producer's, then the
// consumer's; -1 when not pinning.
inline std::pair<int, int> cpus() {
    const char* pin = std::getenv("W6_PIN");
    std::string spec = pin != nullptr ? pin : "0,1";
    if (spec == "none" || ::sysconf(_SC_NPROCESSORS_ONLN) < 2) return {-1, -1};
    const auto comma = spec.find(',');
    if (comma == std::string::npos) return {-1, -1};
    return {std::atoi(spec.c_str()), std::atoi(spec.c_str() + comma + 1)};
}

inline void pin_to(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

// The checks: the sum of 0..n-1, and a big message's stamp.
inline std::uint64_t expected_sum(long n) {
    const auto m = static_cast<std::uint64_t>(n);
    return m * (m - 1) / 2;
}
inline void stamp(void* message, std::uint64_t sequence) {
    std::memcpy(message, &sequence, sizeof sequence);
}
inline std::uint64_t stamp_of(const void* message) {
    std::uint64_t sequence;
    std::memcpy(&sequence, message, sizeof sequence);
    return sequence;
}

inline void report(const std::string& system, Shape shape, long n, bool ok,
                   const std::vector<double>& seconds) {
    std::vector<double> rates;
    for (double s : seconds)
        rates.push_back(shape == Shape::small ? static_cast<double>(n) / s
                                              : static_cast<double>(n) * kBigBytes / s / 1e6);
    const char* metric = shape == Shape::small ? "msgs_per_s" : "MB_per_s";
    const char* unit = shape == Shape::small ? "msg/s" : "MB/s";
    std::printf("# W6 %s n %ld checksum %s\n", system.c_str(), n, ok ? "ok" : "MISMATCH");
    bench::emit_reps("W6", system, metric, rates, unit);
    bench::emit("W6", system, metric, bench::median(rates), unit);
    bench::emit("W6", system, "elapsed_s", bench::median(seconds), "s");
}

struct Run {
    double seconds;
    bool ok;
};

// The body of main() after parsing: pins the producer, runs
// `one(name, shape, n)` -> Run args.reps times, reports.
template <class One>
int run_repetitions(const bench::Args& args, One one) {
    const auto [name, shape] = split(args.system);
    pin_to(cpus().first);
    std::vector<double> seconds;
    bool ok = true;
    for (int rep = 0; rep < args.reps; ++rep) {
        const Run run = one(name, shape, args.n);
        seconds.push_back(run.seconds);
        ok = ok && run.ok;
    }
    report(args.system, shape, args.n, ok, seconds);
    return ok ? 0 : 1;
}

}  // namespace w6
