#include <concur/detail/futex.hpp>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace concur::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

bool futex_wait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
                const Deadline* deadline, bool shared) noexcept {
    timespec ts{};
    timespec* tsp = nullptr;
    if (deadline != nullptr && *deadline != Deadline::max()) {
        if (Clock::now() >= *deadline) return false;
        // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, which is
        // what steady_clock reads on Linux.
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            deadline->time_since_epoch())
                            .count();
        ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        tsp = &ts;
    }
    const int op = FUTEX_WAIT_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG);
    const long rc = ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), op,
                              expected, tsp, nullptr, FUTEX_BITSET_MATCH_ANY);
    // Woken, value already changed (EAGAIN) or interrupted (EINTR): the
    // caller re-checks its word either way.
    return !(rc == -1 && errno == ETIMEDOUT);
}

void futex_wake(const std::atomic<std::uint32_t>* word, int count, bool shared) noexcept {
    const int op = FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG);
    ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), op, count, nullptr,
              nullptr, 0);
}

}  // namespace concur::detail
