// concur/threading/lock.hpp
// -----------------------------------------------------------------------------
// `concur::threading::Lock` mirrors Python's `threading.Lock` (a primitive,
// non-reentrant lock). As in Python, a Lock has no owner: any thread may
// release it, which is what distinguishes it from `std::mutex` (where unlocking
// from another thread is undefined behaviour). Releasing an unlocked Lock
// raises RuntimeError instead.
//
// A Lock satisfies the standard *TimedLockable* requirements, so
// `std::lock_guard`, `std::unique_lock` and `std::scoped_lock` play the role of
// Python's `with lock:`.
//
// Thread-safety: every member is safe to call concurrently.
//
// Example:
//
//   concur::threading::Lock lock;
//   long counter = 0;
//   {
//       std::lock_guard guard(lock);      // Python: with lock:
//       ++counter;
//   }
//   if (lock.acquire(true, std::chrono::milliseconds(50))) lock.release();
//
// Memory ordering: the state word is 0 (unlocked), 1 (locked) or 2 (locked,
// and some thread may be sleeping on it). A successful acquire is an
// acquire-RMW on the word, release() a release-RMW, so everything written
// before release() happens-before everything after the next acquire. The
// state 2 tells release() it must call futex_wake; a sleeper always sets 2
// (with exchange) before it sleeps on the value 2, so a release that sees 1
// cannot have a sleeper to wake.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>

namespace concur::threading {

class Lock {
public:
    Lock() noexcept = default;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

    // Acquires the lock. With `blocking` false, returns at once: true if the
    // lock was free. Otherwise blocks until the lock is acquired (true).
    bool acquire(bool blocking = true) {
        if (try_acquire_fast()) return true;
        if (!blocking) return false;
        return acquire_slow(nullptr);
    }

    // Blocks for at most `timeout`; returns whether the lock was acquired.
    // Raises ValueError for a negative timeout or with `blocking` false
    // (Python: "can't specify a timeout for a non-blocking call").
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify a timeout for a non-blocking call");
        concur::detail::require_non_negative(timeout, "timeout value");
        if (try_acquire_fast()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return acquire_slow(&deadline);
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Releases the lock; any thread may call it. Never blocks.
    // Raises RuntimeError ("release unlocked lock") if the lock is not held.
    void release();

    // Whether the lock is currently held (by anyone). Never blocks.
    bool locked() const noexcept { return state_.load(std::memory_order_relaxed) != 0; }

    // Standard Lockable / TimedLockable interface.
    void lock() { acquire(); }
    bool try_lock() noexcept { return try_acquire_fast(); }
    void unlock() { release(); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
        if (try_acquire_fast()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return acquire_slow(&deadline);
    }
    template <class Clock, class Duration>
    bool try_lock_until(std::chrono::time_point<Clock, Duration> when) {
        return try_lock_for(when - Clock::now());
    }

private:
    bool try_acquire_fast() noexcept {
        std::uint32_t expected = 0;
        return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                              std::memory_order_relaxed);
    }
    bool acquire_slow(const concur::detail::Deadline* deadline);

    std::atomic<std::uint32_t> state_{0};
};

}  // namespace concur::threading
