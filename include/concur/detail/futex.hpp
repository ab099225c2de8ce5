// concur/detail/futex.hpp -- private: Linux futex wait/wake on a 32-bit atomic.
//
// Every blocking primitive of concur parks threads here rather than on a
// pthread mutex/condvar pair, because Python's semantics need what pthreads do
// not give together: a lock released by a thread that does not own it, timed
// waits on the monotonic clock, and one word that both holds state and is
// waited on (so a wake-up can never be lost between a check and the sleep:
// the kernel re-checks the word atomically before sleeping).
//
// Memory ordering: the futex calls themselves order nothing. Every caller
// publishes its state change with a release (or seq_cst) operation on the word
// *before* calling futex_wake, and reloads the word with acquire after
// futex_wait returns; the happens-before edges come from those atomics.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include <concur/detail/deadline.hpp>

namespace concur::detail {

// Sleeps while `*word == expected`, until woken, `deadline` passes (if not
// null), or a spurious wake-up. Returns false only when the deadline passed.
// `shared` selects a process-shared futex (for words in shared memory).
bool futex_wait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
                const Deadline* deadline = nullptr, bool shared = false) noexcept;

// Wakes up to `count` threads sleeping on `word`.
void futex_wake(const std::atomic<std::uint32_t>* word, int count = INT_MAX,
                bool shared = false) noexcept;

// A CPU hint for short spin loops before parking.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace concur::detail
