// tests/support/parking.hpp -- helpers every module's tests share: a
// stopwatch on the monotonic clock, and a way to wait until a thread is
// really asleep inside a blocking call (every concur primitive parks in
// futex(2)), for tests that need a waiter to be *inside* the call.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "eventually.hpp"

namespace concur_test_support {

class Stopwatch {
  public:
    Stopwatch() : start_(Clock::now()) {}
    Clock::duration elapsed() const { return Clock::now() - start_; }
    void restart() { start_ = Clock::now(); }

  private:
    Clock::time_point start_;
};

// The calling thread's kernel thread id (gettid), for the functions below.
inline std::uint64_t this_native_id() {
    return static_cast<std::uint64_t>(::syscall(SYS_gettid));
}

// The first field of /proc/self/task/<tid>/syscall: the number of the system
// call the thread is blocked in ("running" if it is in none), or "" if the
// file cannot be read.
inline std::string current_syscall(std::uint64_t native_id) {
    std::ifstream file("/proc/self/task/" + std::to_string(native_id) + "/syscall");
    std::string line;
    if (!file || !std::getline(file, line)) return {};
    return line.substr(0, line.find(' '));
}

// Waits until the thread `native_id` sleeps in futex(2) and stays there for a
// few polls, i.e. it is blocked inside a concur call. False if `finished`
// (when given) becomes true first, meaning the thread returned instead of
// blocking, or if `patience` passes. Falls back to a plain delay if /proc
// cannot tell.
inline bool wait_until_parked(std::uint64_t native_id, const std::function<bool()>& finished = {},
                              Clock::duration patience = kPatience) {
    using namespace std::chrono_literals;
    auto has_finished = [&] { return finished && finished(); };
    if (current_syscall(native_id).empty()) {
        std::this_thread::sleep_for(300ms);
        return !has_finished();
    }
    const std::string futex = std::to_string(SYS_futex);
    const auto deadline = Clock::now() + patience;
    int stable = 0;
    while (Clock::now() < deadline) {
        if (has_finished()) return false;
        stable = current_syscall(native_id) == futex ? stable + 1 : 0;
        if (stable >= 5) return true;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

}  // namespace concur_test_support
