// concur/multiprocessing/detail/robust_lock_word.hpp -- private: the word of
// multiprocessing's Lock and RLock, a lock that survives its holder's death.
//
// detail::LockWord stores only "locked"; a process killed while holding it
// leaves it locked for ever. RobustLockWord stores the holder's process id
// instead (bits 0..29; Linux pids are below 2^22), plus waiter.hpp's sleepers
// bit (bit 31). Uncontended acquire is one CAS 0 -> pid, release one exchange.
//
// Robustness: a waiter parks in slices of at most kSlice (50 ms). When a slice
// ends -- and once before its first park -- it checks whether the holder
// process still exists (kill(pid, 0) fails with ESRCH, or /proc/<pid>/stat
// shows a zombie 'Z' or 'X': dead but not yet reaped by its parent). If it is
// dead, the waiter takes the lock over with a CAS from the value it read to
// its own pid (so two waiters cannot both take over). acquire(false) also
// takes over from a dead holder (one kill() per failed attempt). The data the
// dead holder was changing may be half-written: as with a pthread robust
// mutex's EOWNERDEAD, that is the caller's to judge (recovered() says it
// happened). A pid reused by a new process before a waiter checks makes the
// lock look held by that process: pid reuse needs pid_max allocations in
// between, unlikely within 50 ms. Every process using the lock must be in one
// pid namespace (fork()ed or spawned children are): a pid from another
// namespace could look dead and the lock would be taken over while held.
//
// Memory ordering: as detail::LockWord. A successful acquire (CAS, also the
// takeover CAS) is an acquire-RMW, release() a release exchange to 0, so what
// the holder wrote before release() is visible after the next acquire.
// release() reads the sleepers bit from its exchange and then only calls
// unpark() with the address (waiter.hpp's contract). A waiter sets the
// sleepers bit with a CAS on the value it read and parks on exactly that
// value; a woken waiter takes the lock with the sleepers bit set (others may
// still be parked: Drepper, "Futexes Are Tricky", mutex 3), so each release
// wakes the next. The slices also bound any wake-up lost to a timed-out
// waiter, which could otherwise strand the others.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/waiter.hpp>

namespace concur::multiprocessing::detail {

// getpid(), cached (in a page a forked child sees zeroed: it caches its own
// on first use).
pid_t current_pid() noexcept;

// A number naming the calling thread among the threads of every process:
// current_pid() in the high 32 bits, a per-process thread number in the low
// ones (cached per thread, recomputed after fork()).
std::uint64_t current_thread_token() noexcept;

// Whether process `pid` exists and is not a zombie. Processes of another user
// (EPERM) count as alive.
bool process_alive(pid_t pid) noexcept;

class RobustLockWord {
  public:
    static constexpr std::chrono::milliseconds kSlice{50};

    // Takes the lock if it is free or its holder is dead; never blocks.
    bool try_acquire() noexcept {
        std::uint32_t expected = 0;
        if (word_.compare_exchange_strong(expected, static_cast<std::uint32_t>(current_pid()),
                                          std::memory_order_acquire, std::memory_order_relaxed))
            return true;
        return take_over_if_dead(expected);
    }
    // Blocks until the lock is taken (true) or `deadline` passes (false;
    // null: never).
    bool acquire(const concur::detail::Deadline* deadline) noexcept {
        std::uint32_t expected = 0;
        return word_.compare_exchange_strong(expected, static_cast<std::uint32_t>(current_pid()),
                                             std::memory_order_acquire,
                                             std::memory_order_relaxed) ||
               acquire_slow(deadline);
    }
    // Unlocks (any process may); false (and no change) if it was not held.
    bool release() noexcept;

    bool locked() const noexcept { return word_.load(std::memory_order_relaxed) != 0; }
    // The holder's pid (0: unlocked).
    pid_t owner() const noexcept {
        return static_cast<pid_t>(word_.load(std::memory_order_relaxed) & kOwner);
    }
    // Whether the lock was ever taken over from a dead holder.
    bool recovered() const noexcept { return recovered_.load(std::memory_order_relaxed) != 0; }

  private:
    static constexpr std::uint32_t kSleepers = 1u << 31;
    static constexpr std::uint32_t kOwner = (1u << 30) - 1;

    bool acquire_slow(const concur::detail::Deadline* deadline) noexcept;
    // `seen` is a value read from the word: if its holder is dead, CAS it to
    // our pid (keeping the sleepers bit).
    bool take_over_if_dead(std::uint32_t seen) noexcept;

    std::atomic<std::uint32_t> word_{0};
    std::atomic<std::uint32_t> recovered_{0};
};

}  // namespace concur::multiprocessing::detail
