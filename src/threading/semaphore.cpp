#include <concur/detail/futex.hpp>
#include <concur/threading/semaphore.hpp>

namespace concur::threading {

Semaphore::Semaphore(long long value, std::uint32_t bound) : count_(0), bound_(bound) {
    if (value < 0) throw ValueError("semaphore initial value must be >= 0");
    if (value > static_cast<long long>(std::numeric_limits<std::uint32_t>::max()))
        throw ValueError("semaphore initial value is too large");
    count_.store(static_cast<std::uint32_t>(value), std::memory_order_relaxed);
}

bool Semaphore::acquire_slow(const concur::detail::Deadline* deadline) {
    for (int i = 0; i < 32; ++i) {
        concur::detail::cpu_relax();
        if (try_acquire()) return true;
    }
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    bool acquired = false;
    for (;;) {
        if (try_acquire()) {
            acquired = true;
            break;
        }
        if (!concur::detail::futex_wait(&count_, 0, deadline)) {
            acquired = try_acquire();
            break;
        }
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
    return acquired;
}

void Semaphore::release(std::uint32_t n) {
    if (n < 1) throw ValueError("n must be one or more");
    std::uint32_t current = count_.load(std::memory_order_relaxed);
    do {
        if (n > bound_ - current) throw ValueError("Semaphore released too many times");
    } while (!count_.compare_exchange_weak(current, current + n, std::memory_order_seq_cst,
                                           std::memory_order_relaxed));
    if (waiters_.load(std::memory_order_seq_cst) > 0)
        concur::detail::futex_wake(&count_, n > static_cast<std::uint32_t>(INT_MAX) ? INT_MAX
                                                                           : static_cast<int>(n));
}

}  // namespace concur::threading
