#include <concur/detail/futex.hpp>
#include <concur/threading/event.hpp>

namespace concur::threading {

void Event::set() noexcept {
    std::uint32_t current = state_.load(std::memory_order_relaxed);
    for (;;) {
        if (current & kFlag) return;
        const std::uint32_t next = ((current & ~kSleepers) + kGeneration) | kFlag;
        if (state_.compare_exchange_weak(current, next, std::memory_order_release,
                                         std::memory_order_relaxed))
            break;
    }
    if (current & kSleepers) concur::detail::futex_wake(&state_);
}

bool Event::wait_until(const concur::detail::Deadline* deadline) {
    std::uint32_t current = state_.load(std::memory_order_acquire);
    if (current & kFlag) return true;
    const std::uint32_t generation = current & ~(kFlag | kSleepers);
    for (;;) {
        if (!(current & kSleepers)) {
            if (!state_.compare_exchange_weak(current, current | kSleepers,
                                              std::memory_order_acquire,
                                              std::memory_order_acquire)) {
                if ((current & kFlag) || (current & ~(kFlag | kSleepers)) != generation)
                    return true;
                continue;
            }
            current |= kSleepers;
        }
        const bool woke = concur::detail::futex_wait(&state_, current, deadline);
        current = state_.load(std::memory_order_acquire);
        if ((current & kFlag) || (current & ~(kFlag | kSleepers)) != generation) return true;
        if (!woke) return false;
    }
}

}  // namespace concur::threading
