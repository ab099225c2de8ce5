// concur/threading/condition.hpp
// -----------------------------------------------------------------------------
// `concur::threading::Condition` mirrors Python's `threading.Condition`: a
// condition variable bound to a lock. `Condition()` owns an RLock (Python's
// default); `Condition(lock)` shares a Lock or RLock you own, which must
// outlive it. The Condition is itself Lockable (acquire/release forward to
// the lock), so `std::unique_lock lk(cond)` is Python's `with cond:`.
//
// Differences from Python: `wait(timeout)` returns true if the thread was
// notified by the time it holds the lock again, even if that happened just as
// the timeout expired (Python may drop such a notification). Like Python,
// `wait_for(predicate, timeout)` is the predicate loop, not
// std::condition_variable::wait_for.
//
// wait and notify raise RuntimeError unless the calling thread holds the lock
// (for a plain Lock: unless the lock is held at all, Python's rule). Waiters
// are woken in FIFO order. Thread-safe.
//
// Example:
//
//   threading::Condition cond;
//   std::deque<int> items;
//   // consumer                              // producer
//   std::unique_lock lk(cond);               { std::unique_lock lk(cond);
//   cond.wait_for([&] { return !items.empty(); });   items.push_back(1);
//   int item = items.front();                  cond.notify(); }
//
// Memory ordering: the waiter list is only touched while holding the lock,
// which orders it. A notifier unlinks a waiter, then sets kSignaled in the
// waiter's word with a release exchange and wakes it if the exchange shows it
// parked; the waiter waits on the word with detail::wait_on (acquire). The
// waiter's node lives on its stack but cannot go away before the notifier is
// done with it: the waiter must re-acquire the lock, which the notifier holds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <concur/detail/deadline.hpp>
#include <concur/threading/lock.hpp>
#include <concur/threading/rlock.hpp>

namespace concur::threading {

class Condition {
  public:
    Condition() noexcept : rlock_(&own_rlock_) {}
    explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
    explicit Condition(RLock& lock) noexcept : rlock_(&lock) {}
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;

    // The underlying lock's acquire/release (see Lock and RLock).
    bool acquire(bool blocking = true) {
        return lock_ ? lock_->acquire(blocking) : rlock_->acquire(blocking);
    }
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        return lock_ ? lock_->acquire(blocking, timeout) : rlock_->acquire(blocking, timeout);
    }
    void release() { lock_ ? lock_->release() : rlock_->release(); }
    void lock() { acquire(); }
    bool try_lock() { return acquire(false); }
    void unlock() { release(); }

    // Releases the lock, blocks until notified, re-acquires the lock.
    // RuntimeError if the lock is not held.
    void wait() { wait_until(nullptr); }
    // As wait(), for at most `timeout`; returns false on timeout.
    template <class Rep, class Period>
    bool wait(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return wait_until(&deadline);
    }

    // Waits until `predicate()` is truthy and returns its last value.
    template <class Predicate>
    auto wait_for(Predicate predicate) -> std::invoke_result_t<Predicate&> {
        auto result = predicate();
        while (!result) {
            wait_until(nullptr);
            result = predicate();
        }
        return result;
    }
    // As above, giving up after `timeout` overall; returns the predicate's
    // last value (falsy on timeout).
    template <class Predicate, class Rep, class Period>
    auto wait_for(Predicate predicate, std::chrono::duration<Rep, Period> timeout)
        -> std::invoke_result_t<Predicate&> {
        const auto deadline = concur::detail::deadline_after(timeout);
        auto result = predicate();
        while (!result) {
            if (concur::detail::Clock::now() >= deadline) break;
            wait_until(&deadline);
            result = predicate();
        }
        return result;
    }

    // Wakes up to `n` waiters. RuntimeError if the lock is not held. Never blocks.
    void notify(std::size_t n = 1);
    // Wakes every waiter. RuntimeError if the lock is not held.
    void notify_all() { notify(static_cast<std::size_t>(-1)); }

  private:
    struct Waiter {
        static constexpr std::uint32_t kSignaled = 1;
        static constexpr std::uint32_t kSleepers = 2;  // see detail/waiter.hpp
        std::atomic<std::uint32_t> signaled{0};
        Waiter* prev = nullptr;
        Waiter* next = nullptr;
    };
    bool is_owned() const noexcept { return lock_ ? lock_->locked() : rlock_->is_owned(); }
    bool wait_until(const concur::detail::Deadline* deadline);
    void unlink(Waiter& waiter) noexcept;

    RLock own_rlock_;
    Lock* lock_ = nullptr;
    RLock* rlock_ = nullptr;
    Waiter* head_ = nullptr;  // guarded by the lock
    Waiter* tail_ = nullptr;
};

}  // namespace concur::threading
