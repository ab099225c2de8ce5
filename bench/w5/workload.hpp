// W5 "async-echo" (bench/README.md): TCP echo over 127.0.0.1 between one
// neutral client (bench/w5/client.cpp) and the server under test, so that only
// the server differs. What the C++ client and servers share.
//
// Client: C connections (100), R round trips each (10,000), 64-byte messages,
// TCP_NODELAY, one thread, level-triggered epoll; it connects all C first,
// then each connection writes 64 bytes, reads until the 64 bytes are back,
// compares them with what it sent, R times, and closes. Timed from the first
// write to the last byte of the last round trip; it stops at 55 s and reports
// the rate over what completed.
//
// Server contract: bind 127.0.0.1 port 0, print the port on the first stdout
// line (and nothing else on stdout), echo every byte received on a connection
// back on it, exit after C connections have closed (or after a 120 s guard,
// with status 1). One thread, one event loop. Usage `<server> <system> [C]`.
//
// Placement: W5_PIN=<server cpu>,<client cpu> (default 0,1; "none" lets the
// kernel choose); each process pins itself at start.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace w5 {

inline constexpr std::size_t kMessageBytes = 64;
inline constexpr long kConnections = 100;
inline constexpr long kRoundTrips = 10000;
inline constexpr double kClientStopSeconds = 55.0;
inline constexpr int kServerGuardSeconds = 120;
inline constexpr std::size_t kServerReadBytes = 64 << 10;

// W5_PIN's CPU for the server (which = 0) or the client (which = 1); -1: none.
inline int pin_cpu(int which) {
    const char* pin = std::getenv("W5_PIN");
    const std::string spec = pin != nullptr ? pin : "0,1";
    if (spec == "none" || ::sysconf(_SC_NPROCESSORS_ONLN) < 2) return -1;
    const auto comma = spec.find(',');
    if (comma == std::string::npos) return -1;
    return std::atoi(which == 0 ? spec.c_str() : spec.c_str() + comma + 1);
}

inline void pin_self(int which) {
    const int cpu = pin_cpu(which);
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

}  // namespace w5
