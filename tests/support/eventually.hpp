// tests/support/eventually.hpp -- how long every module's tests are prepared
// to wait, said once: a generous patience for "this should happen", polled by
// eventually(), and a loose upper bound for timed waits.
//
// Timing rules of the suites: waiting for another thread to reach a state is
// done by polling with kPatience, never by a fixed sleep; a timed wait of T is
// only checked against a lower bound slightly below T and against kSlow, so a
// slow or loaded machine (sanitizers, 2 shared cores) never fails a test.
// kPatience only bounds how long a broken test hangs: a passing test never
// waits it out.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace concur_test_support {

using Clock = std::chrono::steady_clock;

// How long a test is prepared to wait for something that should happen.
inline constexpr auto kPatience = std::chrono::seconds(20);
// An upper bound for a timed wait that only an insane delay could exceed.
inline constexpr auto kSlow = std::chrono::seconds(5);

// Polls `predicate` until it holds or `patience` passes; returns its last value.
inline bool eventually(const std::function<bool()>& predicate,
                       Clock::duration patience = kPatience) {
    using namespace std::chrono_literals;
    const auto deadline = Clock::now() + patience;
    while (!predicate()) {
        if (Clock::now() >= deadline) return predicate();
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

}  // namespace concur_test_support
