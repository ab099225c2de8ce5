// src/threading/semaphore.cpp -- Semaphore/BoundedSemaphore: Python's argument
// checks and exceptions around detail::SemaphoreWord.
#include <concur/threading/semaphore.hpp>

namespace concur::threading {

namespace {
using Word = concur::detail::SemaphoreWord<concur::detail::WordScope::process_local>;

std::uint32_t checked_initial_value(long long value) {
    if (value < 0) throw ValueError("semaphore initial value must be >= 0");
    if (value > static_cast<long long>(Word::kMaxCount))
        throw ValueError("semaphore initial value is too large (at most 2147483647)");
    return static_cast<std::uint32_t>(value);
}
}  // namespace

Semaphore::Semaphore(long long value, std::uint32_t bound, bool bounded)
    : word_(checked_initial_value(value), bound), bounded_(bounded) {}

void Semaphore::release(long long n) {
    if (n < 1) throw ValueError("n must be one or more");
    if (n > static_cast<long long>(Word::kMaxCount) ||
        !word_.release(static_cast<std::uint32_t>(n))) {
        if (bounded_) throw ValueError("Semaphore released too many times");
        throw ValueError("semaphore value would exceed 2147483647");
    }
}

}  // namespace concur::threading
