// concur/detail/lock_word.hpp -- private: the algorithm of Python's Lock on
// one 32-bit word, for threading::Lock (a process-local word) and, placed in
// shared memory, multiprocessing's Lock (a process-shared word). Status at
// this level, exceptions at the edge: release() of an unlocked word returns
// false and the owner raises RuntimeError.
//
// Memory ordering: the word is 0 (unlocked), kLocked, or kLocked|kSleepers
// (locked, and some thread may be parked on it). A successful acquire is an
// acquire-RMW on the word, release() a release-RMW (an exchange to 0), so
// everything written before release() happens-before everything after the
// next acquire. release() reads the sleepers bit from its exchange and then
// only calls unpark() with the address (waiter.hpp's contract): the lock may
// be destroyed by the next owner at once. A thread about to park sets
// kLocked|kSleepers with an exchange -- taking the lock if it was free -- and
// parks on exactly that value (U. Drepper, "Futexes Are Tricky", mutex 3):
// a woken thread takes the lock with the sleepers bit set, since others may
// still be parked, so no sleeper is stranded by a release that woke one.
#pragma once

#include <atomic>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/waiter.hpp>

namespace concur::detail {

template <WordScope Scope>
class LockWord {
  public:
    // Takes the lock if it is free; never blocks.
    bool try_acquire() noexcept {
        std::uint32_t expected = 0;
        return word_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                             std::memory_order_relaxed);
    }
    // Blocks until the lock is taken (true) or `deadline` passes (false;
    // null: never).
    bool acquire(const Deadline* deadline) noexcept {
        return try_acquire() || acquire_slow(deadline);
    }
    // Unlocks; false (and no change) if the lock was not held.
    bool release() noexcept;
    bool locked() const noexcept { return word_.load(std::memory_order_relaxed) != 0; }

  private:
    static constexpr std::uint32_t kLocked = 1;
    static constexpr std::uint32_t kSleepers = 2;
    bool acquire_slow(const Deadline* deadline) noexcept;

    std::atomic<std::uint32_t> word_{0};
};

extern template class LockWord<WordScope::process_local>;
extern template class LockWord<WordScope::process_shared>;

}  // namespace concur::detail
