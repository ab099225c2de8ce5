// src/detail/event_word.cpp -- EventWord's set() and wait() (Python's Event on
// a futex word), for process-local and process-shared words.
#include <concur/detail/event_word.hpp>

namespace concur::detail {

template <WordScope Scope>
void EventWord<Scope>::set() noexcept {
    std::uint32_t current = word_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
        if (current & kFlag) return;
        next = ((current & ~kSleepers) + kGeneration) | kFlag;
    } while (!word_.compare_exchange_weak(current, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    if (current & kSleepers) unpark(word_, INT_MAX, Scope);
}

template <WordScope Scope>
bool EventWord<Scope>::wait(const Deadline* deadline) noexcept {
    const std::uint32_t first = word_.load(std::memory_order_acquire);
    if (first & kFlag) return true;
    const std::uint32_t generation = first & ~(kFlag | kSleepers);
    return wait_on(
        word_, kSleepers,
        [generation](std::uint32_t value) {
            return (value & kFlag) || (value & ~(kFlag | kSleepers)) != generation;
        },
        deadline, Scope);
}

template class EventWord<WordScope::process_local>;
template class EventWord<WordScope::process_shared>;

}  // namespace concur::detail
