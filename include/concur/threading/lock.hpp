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
// Implementation: detail::LockWord (one futex word; its memory-ordering
// notes are in detail/lock_word.hpp), the same code multiprocessing's Lock runs
// in shared memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/lock_word.hpp>
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
        if (!blocking) return word_.try_acquire();
        return word_.acquire(nullptr);
    }

    // Blocks for at most `timeout`; returns whether the lock was acquired.
    // Raises ValueError for a negative timeout or with `blocking` false
    // (Python: "can't specify a timeout for a non-blocking call").
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify a timeout for a non-blocking call");
        concur::detail::require_non_negative(timeout, "timeout value");
        if (word_.try_acquire()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return word_.acquire(&deadline);
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Releases the lock; any thread may call it. Never blocks.
    // Raises RuntimeError ("release unlocked lock") if the lock is not held.
    void release() {
        if (!word_.release()) throw RuntimeError("release unlocked lock");
    }

    // Whether the lock is currently held (by anyone). Never blocks.
    bool locked() const noexcept { return word_.locked(); }

    // Standard Lockable / TimedLockable interface.
    void lock() { acquire(); }
    bool try_lock() noexcept { return word_.try_acquire(); }
    void unlock() { release(); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
        if (word_.try_acquire()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return word_.acquire(&deadline);
    }
    template <class Clock, class Duration>
    bool try_lock_until(std::chrono::time_point<Clock, Duration> when) {
        return try_lock_for(when - Clock::now());
    }

  private:
    concur::detail::LockWord<concur::detail::WordScope::process_local> word_;
};

}  // namespace concur::threading
