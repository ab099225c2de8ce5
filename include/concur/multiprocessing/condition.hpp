// concur/multiprocessing/condition.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Condition` mirrors Python's
// `multiprocessing.Condition`: a condition variable shared by processes,
// bound to a Lock or RLock. `Condition()` creates a new RLock (Python's
// default); `Condition(lock)` shares the given lock handle. The Condition is
// itself Lockable (acquire/release forward to the lock), so
// `std::unique_lock lk(cond)` is Python's `with cond:`.
//
// A *handle*: copies refer to the same condition (and lock); pass it by value
// to a fork()ed child or serialise it for a "spawn" child (save/load inside
// detail::FdSendScope / FdReceiveScope).
//
// Errors: wait() and notify() raise RuntimeError unless the caller holds the
// lock (an RLock: this thread owns it; a Lock: this process holds it) --
// Python asserts ("must acquire() condition before using wait()", "lock is not
// owned"). Thread-safe, from any process.
//
// Semantics: notify(n) wakes at most n waiters, the longest-waiting first, as
// Python's. Waiters are kept in kSlots (64) slots in the shared segment; a
// slot whose process died is skipped by notify (so a notification is never
// spent on a dead waiter) and reclaimed. Beyond 64 simultaneous waiters, the
// extra ones wait on a shared generation word that any notify() finding too
// few slot waiters advances: they all return as notified (more than n may
// wake -- spurious wake-ups, harmless under wait_for()). As threading's
// Condition, wait(timeout) returns true if the waiter was notified by the
// time it holds the lock again, even if that happened as the timeout expired.
// wait_for(predicate, timeout) is Python's predicate loop.
//
// Example:
//
//   mp::Condition cond;
//   mp::Value<int> ready(0);
//   if (::fork() == 0) {
//       std::unique_lock lk(cond);
//       ready.value(1);
//       cond.notify();
//       lk.unlock();
//       ::_exit(0);
//   }
//   std::unique_lock lk(cond);
//   cond.wait_for([&] { return ready.value() == 1; }, std::chrono::seconds(5));
//
// Memory ordering: slots, tickets and counts are only touched while holding
// the lock, which orders them. A notifier marks a slot signalled, then sets
// kSignaled in the slot's word with a release exchange and wakes the slot's
// waiter if the exchange shows it parked (waiter.hpp's contract); the waiter
// waits on its word with detail::wait_on (acquire, process-shared). A slot is
// not reused before its waiter, holding the lock again, frees it. The
// overflow word is changed by a release CAS that advances its generation and
// clears its sleepers bit, with the same wake-up rule.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

#include <concur/detail/deadline.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/lock.hpp>
#include <concur/multiprocessing/rlock.hpp>

namespace concur::multiprocessing {

namespace detail {
// The waiters of a Condition, in shared memory; guarded by its lock except
// for the futex words.
struct ConditionState {
    static constexpr std::size_t kSlots = 64;
    enum : std::uint32_t { kFree = 0, kWaiting = 1, kSignalled = 2 };
    struct Slot {
        std::atomic<std::uint32_t> word{0};  // kSignal | kSleepers
        std::uint32_t state = kFree;
        pid_t pid = 0;
        std::uint64_t ticket = 0;  // arrival order
    };
    static constexpr std::uint32_t kSignal = 1;
    static constexpr std::uint32_t kSleepers = 2;
    static constexpr std::uint32_t kGeneration = 4;  // one step of `overflow`

    std::uint64_t next_ticket = 0;
    std::uint32_t overflow_waiters = 0;
    std::atomic<std::uint32_t> overflow{0};  // generation | kSleepers
    Slot slots[kSlots];
};
}  // namespace detail

class Condition {
  public:
    static constexpr std::size_t kSlots = detail::ConditionState::kSlots;

    // A condition over a new RLock (OSError if a segment cannot be created).
    Condition() : Condition(RLock()) {}
    // A condition over `lock` (a handle: the condition shares that lock).
    explicit Condition(Lock lock) : Condition(Which(std::move(lock))) {}
    explicit Condition(RLock lock) : Condition(Which(std::move(lock))) {}

    // The underlying lock's acquire/release (see Lock and RLock).
    bool acquire(bool blocking = true) {
        return std::visit([&](auto& lock) { return lock.acquire(blocking); }, lock_);
    }
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        return std::visit([&](auto& lock) { return lock.acquire(blocking, timeout); }, lock_);
    }
    void release() {
        std::visit([](auto& lock) { lock.release(); }, lock_);
    }
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

    // Wakes up to `n` waiters (longest waiting first). Never blocks.
    // RuntimeError if the lock is not held.
    void notify(std::size_t n = 1);
    // Wakes every waiter. RuntimeError if the lock is not held.
    void notify_all() { notify(static_cast<std::size_t>(-1)); }

    // Serialisation for a "spawn" child (cereal): the lock, then the waiters'
    // segment.
    template <class Archive>
    void save(Archive& archive) const {
        const std::uint8_t which = static_cast<std::uint8_t>(lock_.index());
        archive(which);
        std::visit([&](const auto& lock) { lock.save(archive); }, lock_);
        ref_.save(archive, "Condition");
    }
    template <class Archive>
    void load(Archive& archive) {
        std::uint8_t which = 0;
        archive(which);
        if (which == 0) {
            RLock lock;
            lock.load(archive);
            lock_ = std::move(lock);
        } else {
            Lock lock;
            lock.load(archive);
            lock_ = std::move(lock);
        }
        ref_.load(archive);
    }

  private:
    using Which = std::variant<RLock, Lock>;
    explicit Condition(Which lock);

    detail::ConditionState& state() const noexcept { return *ref_.get<detail::ConditionState>(); }
    bool is_owned() const noexcept;
    bool wait_until(const concur::detail::Deadline* deadline);

    Which lock_;
    detail::SegmentRef ref_;
};

}  // namespace concur::multiprocessing
