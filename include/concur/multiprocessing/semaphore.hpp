// concur/multiprocessing/semaphore.hpp
// -----------------------------------------------------------------------------
// `Semaphore` and `BoundedSemaphore` mirror Python's
// `multiprocessing.Semaphore` / `multiprocessing.BoundedSemaphore`: a counter
// shared by processes that acquire() decrements, blocking while it is zero,
// and release() increments. Both are *handles*: copies refer to the same
// semaphore; pass them by value to a fork()ed child or serialise them for a
// "spawn" child (save/load inside detail::FdSendScope / FdReceiveScope).
// Lockable (acquire()/release()), so std::lock_guard is Python's `with sem:`.
//
// Errors: ValueError for a negative initial value, release(n) with n < 1, a
// timeout given with `blocking` false, and a release that takes a
// BoundedSemaphore above its initial value ("semaphore or lock released too
// many times", multiprocessing's message). Thread-safe, from any process.
//
// Differences from Python: release(n) takes threading's `n` (multiprocessing's
// release() has none); get_value() works on every platform. Not robust: a unit
// taken by a process that dies is not given back (as in Python).
//
// Example:
//
//   mp::BoundedSemaphore slots(2);         // at most 2 processes at once
//   if (::fork() == 0) {
//       { std::lock_guard hold(slots); work(); }
//       ::_exit(0);
//   }
//
// Implementation: detail::SemaphoreWord<process_shared> placed in a shared
// segment -- the code threading's semaphores run; its memory-ordering notes
// are in detail/semaphore_word.hpp (acquire-CAS takes a unit, release-CAS adds
// units and clears the sleepers bit, then wakes by address).
#pragma once

#include <chrono>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/semaphore_word.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing {

class Semaphore {
  public:
    using Word = concur::detail::SemaphoreWord<concur::detail::WordScope::process_shared>;

    // A semaphore holding `value` units (at most 2,147,483,647). ValueError
    // for a negative or too large value, OSError if the segment cannot be
    // created.
    explicit Semaphore(long long value = 1) : Semaphore(value, Word::kMaxCount, false) {}

    // Takes one unit, blocking while there is none (with `blocking` false:
    // returns false at once).
    bool acquire(bool blocking = true) {
        if (!blocking) return word().try_acquire();
        return word().acquire(nullptr);
    }
    // Blocks at most `timeout` (negative counts as zero); returns whether a
    // unit was taken. ValueError with `blocking` false.
    template <class Rep, class Period>
    bool acquire(bool blocking, std::chrono::duration<Rep, Period> timeout) {
        if (!blocking) throw ValueError("can't specify timeout for non-blocking acquire");
        if (word().try_acquire()) return true;
        const auto deadline = concur::detail::deadline_after(timeout);
        return word().acquire(&deadline);
    }
    template <class Rep, class Period>
    bool acquire(std::chrono::duration<Rep, Period> timeout) {
        return acquire(true, timeout);
    }

    // Adds `n` units, waking the waiters. Never blocks. ValueError if n < 1 or
    // if the count would exceed its bound.
    void release(long long n = 1);

    // The current count (Python's get_value(); racy by nature).
    std::uint32_t get_value() const noexcept { return word().value(); }

    // Standard Lockable interface.
    void lock() { acquire(); }
    bool try_lock() noexcept { return word().try_acquire(); }
    void unlock() { release(); }

    // Serialisation for a "spawn" child (cereal; see the file comment).
    template <class Archive>
    void save(Archive& archive) const {
        ref_.save(archive, bounded() ? "BoundedSemaphore" : "Semaphore");
    }
    template <class Archive>
    void load(Archive& archive) {
        ref_.load(archive);
    }

  protected:
    Semaphore(long long value, std::uint32_t bound, bool bounded);

  private:
    struct State {
        State(std::uint32_t value, std::uint32_t bound, bool is_bounded) noexcept
            : word(value, bound), bounded(is_bounded) {}
        Word word;
        bool bounded;
    };
    Word& word() const noexcept { return ref_.get<State>()->word; }
    bool bounded() const noexcept { return ref_.get<State>()->bounded; }

    detail::SegmentRef ref_;
};

class BoundedSemaphore : public Semaphore {
  public:
    // The counter may never exceed `value`.
    explicit BoundedSemaphore(long long value = 1)
        : Semaphore(value, value < 0 ? 0 : static_cast<std::uint32_t>(value), true) {}
};

}  // namespace concur::multiprocessing
