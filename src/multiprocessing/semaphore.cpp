// multiprocessing's Semaphore/BoundedSemaphore: Python's argument checks and
// exceptions around a process-shared detail::SemaphoreWord.
#include <concur/multiprocessing/semaphore.hpp>

namespace concur::multiprocessing {

namespace {
std::uint32_t checked_initial_value(long long value) {
    if (value < 0) throw ValueError("semaphore initial value must be >= 0");
    if (value > static_cast<long long>(Semaphore::Word::kMaxCount))
        throw ValueError("semaphore initial value is too large (at most 2147483647)");
    return static_cast<std::uint32_t>(value);
}
}  // namespace

Semaphore::Semaphore(long long value, std::uint32_t bound, bool bounded)
    : ref_(detail::make_shared_state<State>("concur-mp-semaphore", checked_initial_value(value),
                                            bound, bounded)) {}

void Semaphore::release(long long n) {
    if (n < 1) throw ValueError("n must be one or more");
    if (n > static_cast<long long>(Word::kMaxCount) ||
        !word().release(static_cast<std::uint32_t>(n))) {
        if (bounded()) throw ValueError("semaphore or lock released too many times");
        throw ValueError("semaphore value would exceed 2147483647");
    }
}

}  // namespace concur::multiprocessing
