// concur/threading/barrier.hpp
// -----------------------------------------------------------------------------
// `concur::threading::Barrier` mirrors Python's `threading.Barrier`: `parties`
// threads call wait(); the last to arrive runs the optional `action`, then all
// are released and the barrier can be used again. wait() returns the arrival
// index (0 .. parties-1), as Python's does.
//
// The barrier breaks (BrokenBarrierError for every current and future waiter
// until reset()) when a wait times out, when abort() is called, or when the
// action throws (that exception then propagates from the last thread's wait()).
// reset() returns it to the empty state; threads waiting at that moment get
// BrokenBarrierError. `timeout` is the default for wait(). Thread-safe.
//
// Unlike std::barrier, the action may throw, the barrier can time out, be
// aborted and reset, and reports the arrival index.
//
// Example:
//
//   threading::Barrier sync(3, [] { threading::print("all arrived"); });
//   // in each of 3 threads:
//   std::size_t index = sync.wait();
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

#include <concur/detail/deadline.hpp>
#include <concur/threading/exceptions.hpp>
#include <concur/threading/condition.hpp>
#include <concur/threading/lock.hpp>

namespace concur::threading {

class Barrier {
public:
    // ValueError if parties < 1 (signed, as Python's int: Barrier(-1) raises
    // instead of wrapping around to a huge unsigned count).
    explicit Barrier(std::ptrdiff_t parties, std::function<void()> action = {},
                     std::optional<std::chrono::nanoseconds> timeout = std::nullopt);
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;

    // Blocks until `parties` threads have called wait() (or, with the
    // default timeout set, at most that long). Returns the arrival index.
    // Raises BrokenBarrierError if the barrier is or becomes broken.
    std::size_t wait() { return wait_impl(timeout_); }
    template <class Rep, class Period>
    std::size_t wait(std::chrono::duration<Rep, Period> timeout) {
        return wait_impl(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    }

    // Back to the initial state; current waiters get BrokenBarrierError.
    void reset();
    // Puts the barrier into the broken state.
    void abort();

    std::size_t parties() const noexcept { return parties_; }
    // Threads currently waiting in the filling phase. Like Python's, this and
    // broken() read the state without taking the barrier's lock, so the
    // action (which runs with that lock held) may call them too.
    std::size_t n_waiting() const noexcept;
    bool broken() const noexcept;

private:
    enum class State { filling, draining, resetting, broken };

    std::size_t wait_impl(std::optional<std::chrono::nanoseconds> timeout);
    void enter();
    void release_all();
    void wait_released(std::optional<std::chrono::nanoseconds> timeout);
    void exit();
    void break_barrier();

    Lock lock_;
    Condition cond_{lock_};
    const std::size_t parties_;
    std::function<void()> action_;
    const std::optional<std::chrono::nanoseconds> timeout_;
    std::atomic<State> state_{State::filling};  // written under lock_, read anywhere
    std::atomic<std::size_t> count_{0};
};

}  // namespace concur::threading
