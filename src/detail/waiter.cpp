// src/detail/waiter.cpp -- the one waiting primitive: spin policy and the
// futex calls (park/unpark) every concur wait ends in.
#include <concur/detail/waiter.hpp>

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace concur::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(sizeof(std::atomic<std::uint64_t>) == sizeof(std::uint64_t));

namespace {

int futex_op(int op, WordScope scope) noexcept {
    return scope == WordScope::process_shared ? op : (op | FUTEX_PRIVATE_FLAG);
}

bool futex_park(const std::uint32_t* address, std::uint32_t expected, const Deadline* deadline,
                WordScope scope) noexcept {
    timespec ts{};
    timespec* tsp = nullptr;
    if (deadline != nullptr && *deadline != Deadline::max()) {
        if (Clock::now() >= *deadline) return false;
        // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, which is
        // what steady_clock reads on Linux.
        const auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch())
                .count();
        ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        tsp = &ts;
    }
    const long rc = ::syscall(SYS_futex, address, futex_op(FUTEX_WAIT_BITSET, scope), expected, tsp,
                              nullptr, FUTEX_BITSET_MATCH_ANY);
    // Woken, value already changed (EAGAIN) or interrupted (EINTR): the
    // caller re-checks its word either way.
    return !(rc == -1 && errno == ETIMEDOUT);
}

void futex_unpark(const std::uint32_t* address, int count, WordScope scope) noexcept {
    ::syscall(SYS_futex, address, futex_op(FUTEX_WAKE, scope), count, nullptr, nullptr, 0);
}

// The 32-bit half of a 64-bit word that holds its low bits.
const std::uint32_t* low_half(const std::atomic<std::uint64_t>& word) noexcept {
    const auto* halves = reinterpret_cast<const std::uint32_t*>(&word);
    return std::endian::native == std::endian::little ? halves : halves + 1;
}

}  // namespace

bool SpinWait::spin(const Deadline* deadline) noexcept {
    if (rounds_ < kPauseRounds) {
        ++rounds_;
        cpu_relax();
        return true;
    }
    if (rounds_ < kPauseRounds + kYieldRounds) {
        if (deadline != nullptr && Clock::now() >= *deadline) return false;
        ++rounds_;
        ::sched_yield();
        return true;
    }
    return false;
}

bool park(const std::atomic<std::uint32_t>& word, std::uint32_t expected, const Deadline* deadline,
          WordScope scope) noexcept {
    return futex_park(reinterpret_cast<const std::uint32_t*>(&word), expected, deadline, scope);
}

void unpark(const std::atomic<std::uint32_t>& word, int count, WordScope scope) noexcept {
    futex_unpark(reinterpret_cast<const std::uint32_t*>(&word), count, scope);
}

bool park(const std::atomic<std::uint64_t>& word, std::uint64_t expected, const Deadline* deadline,
          WordScope scope) noexcept {
    return futex_park(low_half(word), static_cast<std::uint32_t>(expected), deadline, scope);
}

void unpark(const std::atomic<std::uint64_t>& word, int count, WordScope scope) noexcept {
    futex_unpark(low_half(word), count, scope);
}

}  // namespace concur::detail
