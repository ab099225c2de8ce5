// Helpers shared by the threading unit tests (not a test file itself: only
// *_test.cpp files are compiled into concur_threading_tests).
//
// Timing rules (tests/support/eventually.hpp): a timed wait of T is only
// checked against a lower bound slightly below T and a loose upper bound
// (kSlow); waiting for another thread to reach a state is done by polling with
// kPatience, never by a fixed sleep.
#pragma once

#include "../support/eventually.hpp"
#include "../support/parking.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <concur/threading.hpp>

namespace concur_test {

using namespace std::chrono_literals;
using concur_test_support::Clock;
using concur_test_support::current_syscall;
using concur_test_support::eventually;
using concur_test_support::kPatience;
using concur_test_support::kSlow;
using concur_test_support::Stopwatch;
using concur_test_support::wait_until_parked;

// The N of a "Thread-N..." name, or -1 if `name` does not start that way.
inline long thread_number(std::string_view name) {
    constexpr std::string_view prefix = "Thread-";
    if (name.substr(0, prefix.size()) != prefix) return -1;
    long n = -1;
    for (std::size_t i = prefix.size();
         i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i)
        n = (n < 0 ? 0 : n * 10) + (name[i] - '0');
    return n;
}

// Whether `name` is Python's default "Thread-N" followed by exactly `suffix`
// (e.g. " (worker)").
inline bool is_default_name(std::string_view name, std::string_view suffix = {}) {
    const long n = thread_number(name);
    if (n < 0) return false;
    const std::size_t digits = std::to_string(n).size();
    return name.substr(std::string_view("Thread-").size() + digits) == suffix;
}

// Waits until the kernel thread `native_id` of this process is gone.
inline bool wait_until_thread_exits(std::uint64_t native_id) {
    const std::string path = "/proc/self/task/" + std::to_string(native_id);
    return eventually([&] { return ::access(path.c_str(), F_OK) != 0; });
}

// Installs a hook for the scope of a test and restores the previous one.
class ScopedExcepthook {
  public:
    explicit ScopedExcepthook(concur::threading::ExceptHook::Function hook)
        : saved_(concur::threading::excepthook.get()) {
        concur::threading::excepthook = std::move(hook);
    }
    ~ScopedExcepthook() { concur::threading::excepthook = saved_; }
    ScopedExcepthook(const ScopedExcepthook&) = delete;
    ScopedExcepthook& operator=(const ScopedExcepthook&) = delete;

  private:
    concur::threading::ExceptHook::Function saved_;
};

}  // namespace concur_test
