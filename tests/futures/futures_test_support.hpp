// Helpers shared by the futures unit tests (not a test file itself: only
// *_test.cpp files are compiled into concur_futures_tests).
//
// Timing rules (tests/support/eventually.hpp): a timed wait of T is only
// checked against a lower bound slightly below T and a loose upper bound
// (kSlow). Orderings are forced with events and data dependencies, never with
// sleeps alone; waiting for another thread to reach a state is done by polling
// with kPatience.
#pragma once

#include "../support/eventually.hpp"
#include "../support/parking.hpp"
#include "../support/sanitizers.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <concur/futures.hpp>
#include <concur/threading.hpp>

namespace futures_test {

namespace futures = concur::futures;
namespace threading = concur::threading;
using namespace std::chrono_literals;
using concur_test_support::Clock;
using concur_test_support::current_syscall;
using concur_test_support::eventually;
using concur_test_support::kPatience;
using concur_test_support::kSlow;
using concur_test_support::Stopwatch;
using concur_test_support::wait_until_parked;

using concur_test_support::kSanitized;

// Lower bounds of timed waits allow for clock granularity.
inline constexpr auto kClockSlack = std::chrono::milliseconds(5);

// Records what reaches threading::excepthook for the scope of a test (and
// keeps it off stderr); restores the previous hook afterwards.
class HookRecorder {
  public:
    struct Report {
        std::string type;
        std::string message;
        std::string thread;  // "" if the report names no thread
    };

    HookRecorder() : saved_(threading::excepthook.get()) {
        threading::excepthook = [this](const threading::ExceptHookArgs& args) {
            std::lock_guard lock(mutex_);
            reports_.push_back(
                {args.exc_type, args.message(), args.thread ? args.thread->name() : std::string()});
        };
    }
    ~HookRecorder() { threading::excepthook = saved_; }
    HookRecorder(const HookRecorder&) = delete;
    HookRecorder& operator=(const HookRecorder&) = delete;

    std::vector<Report> reports() const {
        std::lock_guard lock(mutex_);
        return reports_;
    }

  private:
    threading::ExceptHook::Function saved_;
    mutable std::mutex mutex_;
    std::vector<Report> reports_;
};

// CPython's util.create_future(state=...): futures in each state, made by hand.
template <class T = int>
futures::Future<T> pending_future() {
    return futures::Future<T>();
}
template <class T = int>
futures::Future<T> running_future() {
    futures::Future<T> f;
    f.set_running_or_notify_cancel();
    return f;
}
template <class T = int>
futures::Future<T> cancelled_future() {
    futures::Future<T> f;
    f.cancel();
    return f;
}
template <class T = int>
futures::Future<T> cancelled_and_notified_future() {
    futures::Future<T> f;
    f.cancel();
    f.set_running_or_notify_cancel();
    return f;
}
inline futures::Future<int> successful_future(int value = 42) {
    futures::Future<int> f;
    f.set_result(value);
    return f;
}

// Python's OSError, for EXCEPTION_FUTURE.
class OSError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

template <class T = int>
futures::Future<T> exception_future() {
    futures::Future<T> f;
    f.set_exception(std::make_exception_ptr(OSError("OSError")));
    return f;
}

// Python's ZeroDivisionError, for the divmod tests.
class ZeroDivisionError : public std::domain_error {
  public:
    ZeroDivisionError() : std::domain_error("integer division or modulo by zero") {}
};

inline std::pair<int, int> divmod(int a, int b) {
    if (b == 0) throw ZeroDivisionError();
    return {a / b, a % b};
}

inline int mul(int x, int y) {
    return x * y;
}

}  // namespace futures_test
