// concur/detail/semaphore_word.hpp -- private: the algorithm of Python's
// Semaphore / BoundedSemaphore on one 32-bit word, for threading's semaphores
// (process-local) and, placed in shared memory, multiprocessing's
// (process-shared). Status at this level, exceptions at the edge.
//
// Memory ordering: the word holds the count (bits 0..30, so at most
// 2,147,483,647 units) and waiter.hpp's sleepers bit (bit 31). acquire takes
// a unit with an acquire-CAS; release adds its units and clears the sleepers
// bit in one release-CAS, then, if the bit was set, wakes every sleeper by
// address (waiter.hpp's contract): a thread that takes the unit may destroy
// the semaphore at once. Woken sleepers that find no unit set the bit again
// and park (wait_on).
#pragma once

#include <atomic>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/waiter.hpp>

namespace concur::detail {

template <WordScope Scope>
class SemaphoreWord {
  public:
    static constexpr std::uint32_t kMaxCount = (1u << 31) - 1;

    // `value` and `bound` at most kMaxCount (the owner checks).
    SemaphoreWord(std::uint32_t value, std::uint32_t bound) noexcept
        : word_(value), bound_(bound) {}

    // Takes a unit if there is one; never blocks.
    bool try_acquire() noexcept {
        std::uint32_t current = word_.load(std::memory_order_relaxed);
        while ((current & kCount) > 0)
            if (word_.compare_exchange_weak(current, current - 1, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return true;
        return false;
    }
    // Blocks until a unit is taken (true) or `deadline` passes (false; null:
    // never).
    bool acquire(const Deadline* deadline) noexcept {
        return try_acquire() || acquire_slow(deadline);
    }
    // Adds `n` units and wakes the sleepers; false (and no change) if the
    // count would exceed the bound.
    bool release(std::uint32_t n) noexcept;
    std::uint32_t value() const noexcept { return word_.load(std::memory_order_relaxed) & kCount; }
    std::uint32_t bound() const noexcept { return bound_; }

  private:
    static constexpr std::uint32_t kSleepers = 1u << 31;
    static constexpr std::uint32_t kCount = kSleepers - 1;
    bool acquire_slow(const Deadline* deadline) noexcept;

    std::atomic<std::uint32_t> word_;
    const std::uint32_t bound_;
};

extern template class SemaphoreWord<WordScope::process_local>;
extern template class SemaphoreWord<WordScope::process_shared>;

}  // namespace concur::detail
