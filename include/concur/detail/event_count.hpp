// concur/detail/event_count.hpp -- private: an eventcount, the way lock-free
// structures let threads sleep until "something changed" without putting an
// atomic read-modify-write on the fast path of the threads that change it.
//
// Waiter:   key = prepare_wait(); if (condition holds) cancel_wait(); else wait(key);
// Notifier: make the change with a seq_cst store or RMW; then notify_one/all().
//
// Unlike the primitives built on wait_on() (waiter.hpp), a notifier reads the
// eventcount *after* its change, so the eventcount must outlive every notifier:
// use it where the owner joins the notifying threads before destroying it (the
// scheduler's idle workers), not in an object that a woken waiter may free.
//
// Memory ordering: prepare_wait() increments `waiters_` with a seq_cst RMW and
// then reads the epoch (seq_cst); the waiter re-checks its condition with
// seq_cst loads after that. A notifier's change is a seq_cst store, then it
// reads `waiters_` (seq_cst). In the single total order of seq_cst operations
// either the notifier's read sees the waiter (it bumps the epoch and wakes,
// and the waiter's park on the old epoch fails or is woken), or the waiter's
// re-check comes after the change and sees it. On the common path, with
// nobody asleep, a notifier pays one load of a read-mostly cache line.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include <concur/detail/waiter.hpp>

namespace concur::detail {

template <WordScope Scope = WordScope::process_local>
class EventCount {
  public:
    std::uint32_t prepare_wait() noexcept {
        waiters_.fetch_add(1, std::memory_order_seq_cst);
        return epoch_.load(std::memory_order_seq_cst);
    }
    void cancel_wait() noexcept { waiters_.fetch_sub(1, std::memory_order_relaxed); }
    // Parks unless the epoch moved past `key`; false if `deadline` passed.
    bool wait(std::uint32_t key, const Deadline* deadline) noexcept {
        const bool woken = park(epoch_, key, deadline, Scope);
        waiters_.fetch_sub(1, std::memory_order_relaxed);
        return woken;
    }

    void notify_one() noexcept {
        if (waiters_.load(std::memory_order_seq_cst) != 0) bump_and_wake(1);
    }
    void notify_all() noexcept {
        if (waiters_.load(std::memory_order_seq_cst) != 0) bump_and_wake(INT_MAX);
    }

  private:
    void bump_and_wake(int count) noexcept {
        epoch_.fetch_add(1, std::memory_order_seq_cst);
        unpark(epoch_, count, Scope);
    }

    alignas(64) std::atomic<std::uint32_t> epoch_{0};
    std::atomic<std::uint32_t> waiters_{0};
};

}  // namespace concur::detail
