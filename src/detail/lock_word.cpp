// src/detail/lock_word.cpp -- the slow paths of LockWord (Python's Lock on a
// futex word), for process-local and process-shared words.
#include <concur/detail/lock_word.hpp>

namespace concur::detail {

template <WordScope Scope>
bool LockWord<Scope>::acquire_slow(const Deadline* deadline) noexcept {
    SpinWait spin;
    while (spin.spin(deadline)) {
        if (word_.load(std::memory_order_relaxed) == 0 && try_acquire()) return true;
    }
    // Announce a sleeper (taking the lock if it is free) and park on that value.
    while (word_.exchange(kLocked | kSleepers, std::memory_order_acquire) != 0) {
        if (!park(word_, kLocked | kSleepers, deadline, Scope)) {
            // Timed out; one last try so that a release racing the timeout is
            // not missed (with the sleepers bit: others may be parked).
            std::uint32_t expected = 0;
            return word_.compare_exchange_strong(expected, kLocked | kSleepers,
                                                 std::memory_order_acquire,
                                                 std::memory_order_relaxed);
        }
    }
    return true;
}

template <WordScope Scope>
bool LockWord<Scope>::release() noexcept {
    const std::uint32_t previous = word_.exchange(0, std::memory_order_release);
    if (previous & kSleepers) unpark(word_, 1, Scope);
    return previous != 0;  // storing 0 over 0 changed nothing
}

template class LockWord<WordScope::process_local>;
template class LockWord<WordScope::process_shared>;

}  // namespace concur::detail
