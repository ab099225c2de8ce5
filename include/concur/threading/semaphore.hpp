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
// Memory ordering: one 32-bit futex word holds the count (bits 0..30) and a
// "sleepers" flag (bit 31). acquire() takes a unit with an acquire-CAS;
// release() adds its units and clears the flag in one release-CAS, then, if
// the flag was set, wakes every sleeper with a futex syscall. Nothing of the
// semaphore is read after that CAS, so a thread that acquires the unit may
// destroy the semaphore at once (the use-after-free of glibc bug 12674 cannot
// happen). A sleeper sets the flag with a CAS and sleeps on exactly that
// value, so a release either sees the flag or changes the word first; woken
// sleepers re-check and set the flag again if they must sleep on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>

namespace concur::threading {

class Semaphore {
public:
    explicit Semaphore(long long value = 1)
        : Semaphore(value, kCount) {}
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    // Takes one unit, blocking while there is none (unless `blocking` is
    // false: then returns false at once).
    bool acquire(bool blocking = true) {
        if (try_acquire()) return true;
        if (!blocking) return false;
        return acquire_slow(nullptr);
    }
    // Blocks at most `timeout` (negative counts as zero); returns whether a
    // unit was taken.
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify timeout for non-blocking acquire");
        if (try_acquire()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return acquire_slow(&deadline);
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Adds `n` units, waking up to `n` waiters. Never blocks. ValueError if
    // n < 1, or (BoundedSemaphore) if the count would exceed its bound.
    void release(std::uint32_t n = 1);

    // The current count (Python's private `_value`; racy by nature).
    std::uint32_t value() const noexcept { return word_.load(std::memory_order_relaxed) & kCount; }

    // Standard Lockable interface.
    void lock() { acquire(); }
    bool try_lock() noexcept { return try_acquire(); }
    void unlock() { release(); }

protected:
    Semaphore(long long value, std::uint32_t bound);

private:
    static constexpr std::uint32_t kSleepers = 1u << 31;
    static constexpr std::uint32_t kCount = kSleepers - 1;

    bool try_acquire() noexcept {
        std::uint32_t current = word_.load(std::memory_order_relaxed);
        while ((current & kCount) > 0)
            if (word_.compare_exchange_weak(current, current - 1, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return true;
        return false;
    }
    bool acquire_slow(const concur::detail::Deadline* deadline);

    std::atomic<std::uint32_t> word_;
    const std::uint32_t bound_;
};

class BoundedSemaphore : public Semaphore {
public:
    // The counter may never exceed `value`.
    explicit BoundedSemaphore(long long value = 1) : Semaphore(value, bound_of(value)) {}

private:
    static std::uint32_t bound_of(long long value) {
        return value < 0 ? 0 : static_cast<std::uint32_t>(value);
    }
};

}  // namespace concur::threading
