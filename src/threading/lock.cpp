#include <concur/detail/futex.hpp>
#include <concur/threading/lock.hpp>

namespace concur::threading {

bool Lock::acquire_slow(const concur::detail::Deadline* deadline) {
    // Spin briefly: most critical sections are shorter than a futex round trip.
    for (int i = 0; i < 64; ++i) {
        concur::detail::cpu_relax();
        if (state_.load(std::memory_order_relaxed) == 0 && try_acquire_fast()) return true;
    }
    // Mark the lock contended (2) before sleeping; if it was free, we own it.
    while (state_.exchange(2, std::memory_order_acquire) != 0) {
        if (!concur::detail::futex_wait(&state_, 2, deadline)) {
            // Timed out; one last try so a release racing the timeout is not missed.
            std::uint32_t expected = 0;
            return state_.compare_exchange_strong(expected, 2, std::memory_order_acquire,
                                                  std::memory_order_relaxed);
        }
    }
    return true;
}

void Lock::release() {
    const std::uint32_t previous = state_.exchange(0, std::memory_order_release);
    if (previous == 0) throw RuntimeError("release unlocked lock");
    if (previous == 2) concur::detail::futex_wake(&state_, 1);
}

}  // namespace concur::threading
