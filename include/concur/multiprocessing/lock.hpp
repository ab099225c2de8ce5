// concur/multiprocessing/lock.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Lock` mirrors Python's `multiprocessing.Lock`: a
// non-recursive lock shared by processes. It is a *handle*: copies refer to
// the same lock (as a Python Lock passed to a child does), so it can be passed
// by value to a child created by fork(), or serialised for a "spawn" child
// (save/load inside detail::FdSendScope / FdReceiveScope; outside them,
// RuntimeError "Lock objects should only be shared between processes through
// inheritance", Python's message).
//
// As in Python any thread of any process may release it; releasing an
// unlocked Lock raises ValueError ("semaphore or lock released too many
// times", multiprocessing's message; threading's Lock raises RuntimeError).
// Like threading::Lock it is *TimedLockable*: std::lock_guard,
// std::unique_lock and std::scoped_lock play the role of `with lock:`.
//
// Differences from Python: the lock is robust. If the process holding it dies
// (SIGKILL, _exit), the next acquire() by another process takes it over
// within about 50 ms instead of deadlocking (detail/robust_lock_word.hpp;
// the processes must share a pid namespace). What the dead holder protected
// may be half-updated: that is for the caller to judge. A negative timeout
// raises ValueError, as threading's does (Python's multiprocessing treats it
// as zero).
//
// Thread-safety: every member is safe to call concurrently, from any process.
//
// Example:
//
//   namespace mp = concur::multiprocessing;
//   mp::Lock lock;
//   if (::fork() == 0) {
//       { std::lock_guard guard(lock); /* ... */ }
//       ::_exit(0);
//   }
//   if (lock.acquire(true, std::chrono::seconds(1))) lock.release();
//
// Memory ordering: that of detail::RobustLockWord (acquire CAS, release
// exchange; see its header), in memory shared by the processes.
#pragma once

#include <chrono>
#include <string_view>

#include <concur/detail/deadline.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing {

class Condition;

class Lock {
  public:
    // A new, unlocked lock in its own shared segment. OSError if the segment
    // cannot be created.
    Lock() : ref_(detail::make_shared_state<detail::RobustLockWord>("concur-mp-lock")) {}

    // Acquires the lock. With `blocking` false returns at once: true if the
    // lock was free (or its holder dead). Otherwise blocks until acquired.
    bool acquire(bool blocking = true) {
        if (!blocking) return word().try_acquire();
        return word().acquire(nullptr);
    }
    // Blocks for at most `timeout`; returns whether the lock was acquired.
    // ValueError for a negative timeout or with `blocking` false.
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify a timeout for a non-blocking call");
        concur::detail::require_non_negative(timeout, "timeout value");
        return try_lock_for(timeout);
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Releases the lock; any thread of any process may. Never blocks.
    // ValueError if the lock is not held.
    void release() {
        if (!word().release()) throw ValueError("semaphore or lock released too many times");
    }

    // Whether the lock is held (by anyone). Never blocks.
    bool locked() const noexcept { return word().locked(); }

    // Standard Lockable / TimedLockable interface.
    void lock() { acquire(); }
    bool try_lock() noexcept { return word().try_acquire(); }
    void unlock() { release(); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
        if (word().try_acquire()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return word().acquire(&deadline);
    }
    template <class Clock, class Duration>
    bool try_lock_until(std::chrono::time_point<Clock, Duration> when) {
        return try_lock_for(when - Clock::now());
    }

    // Serialisation for a "spawn" child (cereal; see the file comment).
    template <class Archive>
    void save(Archive& archive) const {
        ref_.save(archive, "Lock");
    }
    template <class Archive>
    void load(Archive& archive) {
        ref_.load(archive);
    }

  private:
    friend class Condition;
    bool is_mine() const noexcept { return word().owner() == detail::current_pid(); }
    detail::RobustLockWord& word() const noexcept { return *ref_.get<detail::RobustLockWord>(); }

    detail::SegmentRef ref_;
};

}  // namespace concur::multiprocessing
