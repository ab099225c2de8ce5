// concur/multiprocessing/barrier.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Barrier` mirrors Python's
// `multiprocessing.Barrier` (threading.Barrier's algorithm over shared
// state): `parties` processes (or threads) call wait(); the last to arrive
// runs the optional `action` -- in its own process -- then all are released
// and the barrier can be used again. wait() returns the arrival index
// (0 .. parties-1).
//
// The barrier breaks (BrokenBarrierError, threading's exception type, for
// every current and future waiter until reset()) when a wait times out, when
// abort() is called, or when the action throws (that exception then
// propagates from the last arrival's wait()). reset() returns it to the empty
// state; waiters at that moment get BrokenBarrierError. `timeout` is the
// default for wait(). A party that dies while others wait is not detected:
// use a timeout.
//
// A *handle*: copies refer to the same barrier (the action is copied with the
// handle); pass it by value to a fork()ed child, or serialise it for a
// "spawn" child (save/load inside detail::FdSendScope / FdReceiveScope) -- a
// deserialised Barrier has no action (a std::function cannot be serialised;
// Python pickles it). Thread-safe, from any process.
//
// Example:
//
//   mp::Barrier sync(3);
//   for (int i = 0; i < 2; ++i)
//       if (::fork() == 0) { sync.wait(std::chrono::seconds(5)); ::_exit(0); }
//   std::size_t index = sync.wait(std::chrono::seconds(5));
//
// Memory ordering: the state and the count are written only while holding
// the barrier's Lock (which orders them); n_waiting() and broken() read them
// with relaxed atomics without the lock, as Python reads its fields.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include <concur/detail/deadline.hpp>
#include <concur/multiprocessing/condition.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/lock.hpp>
#include <concur/threading/exceptions.hpp>

namespace concur::multiprocessing {

using concur::BrokenBarrierError;

class Barrier {
  public:
    // ValueError if parties < 1; OSError if a segment cannot be created.
    explicit Barrier(std::ptrdiff_t parties, std::function<void()> action = {},
                     std::optional<std::chrono::nanoseconds> timeout = std::nullopt);

    // Blocks until `parties` callers have called wait() (or, with the default
    // timeout set, at most that long). Returns the arrival index. Raises
    // BrokenBarrierError if the barrier is or becomes broken.
    std::size_t wait() { return wait_impl(timeout_); }
    template <class Rep, class Period>
    std::size_t wait(std::chrono::duration<Rep, Period> timeout) {
        return wait_impl(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    }

    // Back to the initial state; current waiters get BrokenBarrierError.
    void reset();
    // Puts the barrier into the broken state.
    void abort();

    std::size_t parties() const noexcept { return state().parties; }
    // Callers currently waiting in the filling phase (no lock taken).
    std::size_t n_waiting() const noexcept;
    bool broken() const noexcept;

    // Serialisation for a "spawn" child (cereal; the action is not sent).
    template <class Archive>
    void save(Archive& archive) const {
        cond_.save(archive);
        ref_.save(archive, "Barrier");
        const bool has_timeout = timeout_.has_value();
        const std::int64_t ns = has_timeout ? timeout_->count() : 0;
        archive(has_timeout, ns);
    }
    template <class Archive>
    void load(Archive& archive) {
        cond_.load(archive);
        ref_.load(archive);
        bool has_timeout = false;
        std::int64_t ns = 0;
        archive(has_timeout, ns);
        timeout_.reset();
        if (has_timeout) timeout_ = std::chrono::nanoseconds(ns);
        action_ = {};
    }

  private:
    enum Phase : std::uint32_t { kFilling, kDraining, kResetting, kBroken };
    struct State {
        explicit State(std::size_t n) noexcept : parties(n) {}
        const std::size_t parties;
        std::atomic<std::uint32_t> phase{kFilling};  // written under the lock
        std::atomic<std::size_t> count{0};           // written under the lock
    };
    State& state() const noexcept { return *ref_.get<State>(); }

    std::size_t wait_impl(std::optional<std::chrono::nanoseconds> timeout);
    void enter();
    void release_all();
    void wait_released(std::optional<std::chrono::nanoseconds> timeout);
    void exit();
    void break_barrier();

    Condition cond_;
    detail::SegmentRef ref_;
    std::function<void()> action_;
    std::optional<std::chrono::nanoseconds> timeout_;
};

}  // namespace concur::multiprocessing
