// concur/asyncio/sleep.hpp
// -----------------------------------------------------------------------------
// `asyncio::sleep(delay)` mirrors Python's asyncio.sleep: suspends the
// awaiting task for `delay` (double seconds, or any std::chrono::duration;
// zero or negative yields to the other ready tasks once, as `sleep(0)`
// does). `sleep(delay, result)` then gives `result`.
//
// Cancelling the sleeping task ends the sleep with CancelledError at once.
// The awaitable holds its timer inside the awaiting coroutine's frame: a
// sleep allocates nothing. Awaiting it outside a task raises RuntimeError.
// Like every awaitable of this module, it can also be given to
// create_task(), gather(), wait_for() and run().
//
// Example:
//
//   co_await asyncio::sleep(100ms);
//   co_await asyncio::sleep(0.25);
//   int v = co_await asyncio::sleep(1s, 42);
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/loop_core.hpp>
#include <concur/asyncio/detail/task_base.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <string>

namespace concur::asyncio {

namespace detail {

class SleepAwaiter final : public Waiter {
  public:
    // The delay waits in node_.when until await_suspend makes it a deadline.
    explicit SleepAwaiter(std::int64_t delay_ns) noexcept { node_.when = delay_ns; }
    SleepAwaiter(const SleepAwaiter& other) noexcept : SleepAwaiter(other.node_.when) {}
    SleepAwaiter& operator=(const SleepAwaiter&) = delete;
    ~SleepAwaiter();

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting);
    void await_resume();

    bool cancel_wait(const std::string& message) override;

  private:
    // The sleeping task: the timer's target, so that a timer that fires
    // steps the task directly (and the frame keeps no second pointer).
    TaskBase* task() const noexcept;

    TimerNode node_;
};

}  // namespace detail

inline detail::SleepAwaiter sleep(double seconds) noexcept {
    return detail::SleepAwaiter(detail::delay_to_ns(seconds));
}
template <class Rep, class Period>
detail::SleepAwaiter sleep(std::chrono::duration<Rep, Period> delay) noexcept {
    return detail::SleepAwaiter(detail::delay_to_ns(delay));
}
template <class Delay, class T>
Coroutine<T> sleep(Delay delay, T result) {
    co_await sleep(delay);
    co_return result;
}

}  // namespace concur::asyncio
