#include <concur/detail/futex.hpp>
#include <concur/threading/semaphore.hpp>

namespace concur::threading {

Semaphore::Semaphore(long long value, std::uint32_t bound) : word_(0), bound_(bound) {
    if (value < 0) throw ValueError("semaphore initial value must be >= 0");
    if (value > static_cast<long long>(kCount))
        throw ValueError("semaphore initial value is too large");
    word_.store(static_cast<std::uint32_t>(value), std::memory_order_relaxed);
}

bool Semaphore::acquire_slow(const concur::detail::Deadline* deadline) {
    for (int i = 0; i < 32; ++i) {
        concur::detail::cpu_relax();
        if (try_acquire()) return true;
    }
    std::uint32_t current = word_.load(std::memory_order_relaxed);
    for (;;) {
        if ((current & kCount) > 0) {
            if (word_.compare_exchange_weak(current, current - 1, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return true;
            continue;
        }
        if (!(current & kSleepers)) {
            if (!word_.compare_exchange_weak(current, current | kSleepers,
                                             std::memory_order_relaxed,
                                             std::memory_order_relaxed))
                continue;
            current |= kSleepers;
        }
        if (!concur::detail::futex_wait(&word_, current, deadline)) return try_acquire();
        current = word_.load(std::memory_order_relaxed);
    }
}

void Semaphore::release(std::uint32_t n) {
    if (n < 1) throw ValueError("n must be one or more");
    std::uint32_t current = word_.load(std::memory_order_relaxed);
    std::uint32_t next;
    do {
        const std::uint32_t count = current & kCount;
        if (n > bound_ - count) throw ValueError("Semaphore released too many times");
        next = count + n;  // and the sleepers flag cleared: all of them are woken below
    } while (!word_.compare_exchange_weak(current, next, std::memory_order_release,
                                          std::memory_order_relaxed));
    // From here on the semaphore may already be destroyed by a thread that
    // took the unit: only the syscall, which reads no memory of ours, follows.
    if (current & kSleepers) concur::detail::futex_wake(&word_);
}

}  // namespace concur::threading
