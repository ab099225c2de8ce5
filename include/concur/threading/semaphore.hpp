// concur/threading/semaphore.hpp
// -----------------------------------------------------------------------------
// `Semaphore` and `BoundedSemaphore` mirror Python's `threading.Semaphore`
// and `threading.BoundedSemaphore`: a counter that acquire() decrements,
// blocking while it is zero, and release(n) increments. A BoundedSemaphore
// raises ValueError ("Semaphore released too many times") when release would
// take the counter above its initial value. Both are Lockable (acquire() /
// release()), so std::lock_guard works as Python's `with sem:`.
//
// Errors: ValueError for a negative initial value, `release(0)`, or a timeout
// given with `blocking` false. Thread-safe.
//
// Example:
//
//   threading::BoundedSemaphore slots(3);      // at most 3 at once
//   {
//       std::lock_guard hold(slots);
//       download();
//   }
//   slots.release();                            // ValueError: too many releases
//
// Limits: the count holds at most 2,147,483,647 units (Python's is
// unbounded): a larger initial value, or a release() past it, raises
// ValueError.
//
// Implementation: detail::SemaphoreWord (one futex word; its memory-ordering
// notes are in detail/semaphore_word.hpp), the same code multiprocessing's
// semaphores run in shared memory. A thread that takes a unit may destroy the
// semaphore at once, even while the releasing thread is still in release().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include <concur/detail/deadline.hpp>
#include <concur/detail/semaphore_word.hpp>
#include <concur/exceptions.hpp>

namespace concur::threading {

class Semaphore {
  public:
    explicit Semaphore(long long value = 1)
        : Semaphore(
              value,
              concur::detail::SemaphoreWord<concur::detail::WordScope::process_local>::kMaxCount,
              false) {}
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    // Takes one unit, blocking while there is none (unless `blocking` is
    // false: then returns false at once).
    bool acquire(bool blocking = true) {
        if (!blocking) return word_.try_acquire();
        return word_.acquire(nullptr);
    }
    // Blocks at most `timeout` (negative counts as zero); returns whether a
    // unit was taken.
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify timeout for non-blocking acquire");
        if (word_.try_acquire()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return word_.acquire(&deadline);
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Adds `n` units, waking up to `n` waiters. Never blocks. ValueError if
    // n < 1, or if the count would exceed its bound (BoundedSemaphore: the
    // initial value; Semaphore: 2,147,483,647).
    void release(long long n = 1);

    // The current count (Python's private `_value`; racy by nature).
    std::uint32_t value() const noexcept { return word_.value(); }

    // Standard Lockable interface.
    void lock() { acquire(); }
    bool try_lock() noexcept { return word_.try_acquire(); }
    void unlock() { release(); }

  protected:
    Semaphore(long long value, std::uint32_t bound, bool bounded);

  private:
    concur::detail::SemaphoreWord<concur::detail::WordScope::process_local> word_;
    const bool bounded_;
};

class BoundedSemaphore : public Semaphore {
  public:
    // The counter may never exceed `value`.
    explicit BoundedSemaphore(long long value = 1) : Semaphore(value, bound_of(value), true) {}

  private:
    static std::uint32_t bound_of(long long value) {
        return value < 0 ? 0 : static_cast<std::uint32_t>(value);
    }
};

}  // namespace concur::threading
