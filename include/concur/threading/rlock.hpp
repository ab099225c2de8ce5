// concur/threading/rlock.hpp
// -----------------------------------------------------------------------------
// `concur::threading::RLock` mirrors Python's `threading.RLock`: a reentrant
// lock. The owning thread may acquire it again; it is released when release()
// has been called as often as acquire(). Only the owner may release it:
// anyone else gets RuntimeError ("cannot release un-acquired lock").
//
// Satisfies *TimedLockable*, so std::lock_guard / std::unique_lock work.
// Thread-safety: every member is safe to call concurrently.
//
// Example:
//
//   concur::threading::RLock lock;
//   std::lock_guard outer(lock);
//   std::lock_guard inner(lock);       // same thread: no deadlock
//
// Memory ordering: the mutual exclusion and its happens-before edges come from
// the inner Lock. `owner_` is only ever set to the calling thread's id by the
// thread that holds the inner Lock, and reset by it before releasing; a thread
// can therefore only read its own id there if it is the owner, which makes
// relaxed accesses sufficient for the "am I the owner?" test.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <concur/threading/lock.hpp>
#include <concur/threading/thread.hpp>

namespace concur::threading {

class Condition;

class RLock {
public:
    RLock() noexcept = default;
    RLock(const RLock&) = delete;
    RLock& operator=(const RLock&) = delete;

    // Acquires (or re-enters) the lock; blocks unless `blocking` is false.
    bool acquire(bool blocking = true) {
        if (reenter()) return true;
        if (!lock_.acquire(blocking)) return false;
        take_ownership();
        return true;
    }
    // Blocks at most `timeout`. ValueError for a negative timeout or with
    // `blocking` false.
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify a timeout for a non-blocking call");
        concur::detail::require_non_negative(timeout, "timeout value");
        if (reenter()) return true;
        if (!lock_.acquire(true, timeout)) return false;
        take_ownership();
        return true;
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Releases one level. RuntimeError unless the calling thread owns it.
    void release();

    // Whether any thread holds the lock (Python 3.14's RLock.locked()).
    bool locked() const noexcept { return lock_.locked(); }

    // Standard Lockable / TimedLockable interface.
    void lock() { acquire(); }
    bool try_lock() { return acquire(false); }
    void unlock() { release(); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
        if (reenter()) return true;
        if (!lock_.try_lock_for(timeout)) return false;
        take_ownership();
        return true;
    }
    template <class Clock, class Duration>
    bool try_lock_until(std::chrono::time_point<Clock, Duration> when) {
        return try_lock_for(when - Clock::now());
    }

private:
    friend class Condition;
    struct Saved {
        std::uint64_t owner;
        std::uint64_t count;
    };
    bool is_owned() const noexcept {
        return owner_.load(std::memory_order_relaxed) == get_ident();
    }
    // Condition::wait support: release every level at once, then restore.
    Saved release_save();
    void acquire_restore(Saved saved);

    bool reenter() noexcept {
        if (!is_owned()) return false;
        ++count_;
        return true;
    }
    void take_ownership() noexcept {
        owner_.store(get_ident(), std::memory_order_relaxed);
        count_ = 1;
    }

    Lock lock_;
    std::atomic<std::uint64_t> owner_{0};
    std::uint64_t count_ = 0;  // only touched by the owner
};

}  // namespace concur::threading
