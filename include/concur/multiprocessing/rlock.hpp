// concur/multiprocessing/rlock.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::RLock` mirrors Python's `multiprocessing.RLock`: a
// reentrant lock shared by processes. The owning thread (of the owning
// process) may acquire it again; it is released when release() has been
// called as often as acquire(). A *handle*: copies refer to the same lock, it
// can be passed by value to a fork()ed child or serialised for a "spawn" child
// (save/load, as Lock).
//
// Errors: release() by a thread that does not own it raises RuntimeError
// ("attempt to release recursive lock not owned by thread"; Python raises
// AssertionError with that message). acquire(false, timeout) and negative
// timeouts raise ValueError, as threading's.
//
// Differences from Python: robust, as Lock: if the owning process dies, the
// next acquire() by another process takes the lock over (count 1) within
// about 50 ms (detail/robust_lock_word.hpp). A forked child never owns its
// parent's RLock, even if the forking thread held it.
//
// Satisfies *TimedLockable* (std::lock_guard / std::unique_lock). Thread-safe,
// from any process.
//
// Example:
//
//   mp::RLock lock;
//   std::lock_guard outer(lock);
//   std::lock_guard inner(lock);       // same thread: no deadlock
//
// Memory ordering: mutual exclusion and its happens-before edges come from
// the RobustLockWord (pid of the owning process). The owning thread's token
// (its pid in the high half, a per-process thread number in the low half:
// detail::current_thread_token()) and the count live beside it in the
// segment; the token is written only by the thread that holds the word, and
// cleared by it before releasing. A thread can read its own token there only
// if it is the owner -- a token left by a dead owner names the dead pid -- so
// relaxed accesses suffice for "am I the owner?"; the count is touched only
// by the owner.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing {

class Condition;

namespace detail {
// The state of an RLock in shared memory (also embedded in Value and Array).
struct RLockState {
    RobustLockWord word;
    std::atomic<std::uint64_t> owner_thread{0};  // current_thread_token() of the owner
    std::uint32_t count = 0;                     // only touched by the owner
};
}  // namespace detail

class RLock {
  public:
    // A new, unlocked lock in its own shared segment (OSError if it cannot be
    // created).
    RLock() : ref_(detail::make_shared_state<detail::RLockState>("concur-mp-rlock")) {}
    // Private use (Value, Array): the lock whose state was constructed at `where`.
    explicit RLock(detail::SegmentRef where) noexcept : ref_(std::move(where)) {}

    // Acquires (or re-enters) the lock; blocks unless `blocking` is false.
    bool acquire(bool blocking = true) {
        if (reenter()) return true;
        if (!(blocking ? state().word.acquire(nullptr) : state().word.try_acquire())) return false;
        take_ownership(1);
        return true;
    }
    // Blocks at most `timeout`. ValueError for a negative timeout or with
    // `blocking` false.
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

    // Releases one level. Never blocks. RuntimeError unless the calling
    // thread owns the lock.
    void release();

    // Whether any thread of any process holds the lock.
    bool locked() const noexcept { return state().word.locked(); }

    // Standard Lockable / TimedLockable interface.
    void lock() { acquire(); }
    bool try_lock() { return acquire(false); }
    void unlock() { release(); }
    template <class Rep, class Period>
    bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
        if (reenter()) return true;
        if (!state().word.try_acquire()) {
            const auto deadline = concur::detail::deadline_after(timeout);
            if (!state().word.acquire(&deadline)) return false;
        }
        take_ownership(1);
        return true;
    }
    template <class Clock, class Duration>
    bool try_lock_until(std::chrono::time_point<Clock, Duration> when) {
        return try_lock_for(when - Clock::now());
    }

    // Serialisation for a "spawn" child (cereal; see Lock).
    template <class Archive>
    void save(Archive& archive) const {
        ref_.save(archive, "RLock");
    }
    template <class Archive>
    void load(Archive& archive) {
        ref_.load(archive);
    }

  private:
    friend class Condition;

    detail::RLockState& state() const noexcept { return *ref_.get<detail::RLockState>(); }
    bool is_owned() const noexcept {
        return state().owner_thread.load(std::memory_order_relaxed) ==
               detail::current_thread_token();
    }
    bool reenter() noexcept {
        if (!is_owned()) return false;
        ++state().count;
        return true;
    }
    void take_ownership(std::uint32_t count) noexcept {
        state().owner_thread.store(detail::current_thread_token(), std::memory_order_relaxed);
        state().count = count;
    }
    // Condition::wait: release every level at once (returns the count), then
    // restore it.
    std::uint32_t release_save();
    void acquire_restore(std::uint32_t count);

    detail::SegmentRef ref_;
};

}  // namespace concur::multiprocessing
