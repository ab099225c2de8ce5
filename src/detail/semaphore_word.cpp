// src/detail/semaphore_word.cpp -- the slow paths of SemaphoreWord (Python's
// Semaphore on a futex word), for process-local and process-shared words.
#include <concur/detail/semaphore_word.hpp>

namespace concur::detail {

template <WordScope Scope>
bool SemaphoreWord<Scope>::acquire_slow(const Deadline* deadline) noexcept {
    for (;;) {
        const bool unit_seen = wait_on(
            word_, kSleepers, [](std::uint32_t value) { return (value & kCount) > 0; }, deadline,
            Scope);
        if (try_acquire()) return true;
        if (!unit_seen) return false;  // timed out
        // Another thread took the unit first: wait again.
    }
}

template <WordScope Scope>
bool SemaphoreWord<Scope>::release(std::uint32_t n) noexcept {
    std::uint32_t current = word_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
        const std::uint32_t count = current & kCount;
        if (n > bound_ - count) return false;
        next = count + n;  // and the sleepers bit cleared: all of them are woken below
    } while (!word_.compare_exchange_weak(current, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    if (current & kSleepers) unpark(word_, INT_MAX, Scope);
    return true;
}

template class SemaphoreWord<WordScope::process_local>;
template class SemaphoreWord<WordScope::process_shared>;

}  // namespace concur::detail
