// concur/asyncio/timeout.hpp
// -----------------------------------------------------------------------------
// asyncio::timeout / timeout_at mirror Python's asyncio.timeout (3.11): a
// deadline for work that runs in the current task (unlike wait_for, which
// makes it a task of its own).
//
//   Python                                  concur
//   --------------------------------------  ------------------------------------------
//   async with asyncio.timeout(10):         T r = co_await asyncio::timeout(10s).run(work());
//       r = await work()
//   async with asyncio.timeout(None) as cm: asyncio::Timeout cm = asyncio::timeout(std::nullopt);
//       cm.reschedule(loop.time() + 5)      ... cm.reschedule(loop->time() + 5); (inside run())
//   cm.expired(), cm.when()                 cm.expired(), cm.when()
//   asyncio.timeout_at(when)                asyncio::timeout_at(when)
//
// When the deadline passes, the current task is cancelled; the
// CancelledError that comes out of the work is turned into TimeoutError
// (other cancellations pass through as CancelledError). reschedule() may
// move the deadline while the work runs. Delays are seconds or durations;
// std::nullopt means no deadline. Loop-thread only.
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/task.hpp>

#include <chrono>
#include <exception>
#include <optional>

namespace concur::asyncio {

class Timeout {
  public:
    // `when`: a deadline on the loop's clock (loop->time()), or none.
    explicit Timeout(std::optional<double> when) noexcept : when_(when) {}
    Timeout(const Timeout&) = delete;
    Timeout& operator=(const Timeout&) = delete;
    ~Timeout() { cancel_timer(); }

    std::optional<double> when() const noexcept { return when_; }
    // Moves the deadline (none: no deadline). RuntimeError once expired.
    void reschedule(std::optional<double> when);
    bool expired() const noexcept { return expired_; }

    // Runs `work` in the current task under this deadline.
    template <class A>
    Coroutine<detail::await_result_t<A>> run(A work) {
        enter();
        std::exception_ptr error;
        if constexpr (std::is_void_v<detail::await_result_t<A>>) {
            try {
                co_await std::move(work);
            } catch (...) {
                error = std::current_exception();
            }
            exit(error);
        } else {
            std::optional<detail::await_result_t<A>> result;
            try {
                result.emplace(co_await std::move(work));
            } catch (...) {
                error = std::current_exception();
            }
            exit(error);
            co_return std::move(*result);
        }
    }

  private:
    void enter();
    // Rethrows `error` (as TimeoutError when it is our cancellation).
    void exit(std::exception_ptr error);
    void arm();
    void cancel_timer() noexcept;

    std::optional<double> when_;
    std::optional<AnyTask> task_;
    Handle timer_;
    int cancelling_ = 0;
    bool entered_ = false;
    bool expired_ = false;
};

// A Timeout `delay` from now (seconds, a duration, or std::nullopt).
inline Timeout timeout(std::optional<double> delay) {
    if (!delay) return Timeout(std::nullopt);
    return Timeout(get_running_loop()->time() + (*delay > 0 ? *delay : 0.0));
}
template <class Rep, class Period>
Timeout timeout(std::chrono::duration<Rep, Period> delay) {
    return timeout(std::optional<double>(std::chrono::duration<double>(delay).count()));
}
// A Timeout at `when`, on the loop's clock.
inline Timeout timeout_at(std::optional<double> when) {
    return Timeout(when);
}

}  // namespace concur::asyncio
