// RobustLockWord's slow paths and the process checks it relies on.
#include <concur/detail/prefault.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace concur::multiprocessing::detail {

namespace {
using concur::detail::Clock;
using concur::detail::Deadline;
using concur::detail::WordScope;

std::atomic<pid_t> fallback_pid_slot{0};

// Where getpid() is cached: a page of its own marked MADV_WIPEONFORK, which a
// child sees zero-filled, so that it caches its own pid on first use. A
// pthread_atfork handler would write the cache in every child, used or not:
// a copy-on-write fault plus the fault on the handler's code page (~15 us
// each on a VM) on every process start (W7). Without the madvise (Linux
// < 4.14) a handler clears the fallback slot instead.
std::atomic<pid_t>& pid_slot() noexcept {
    static std::atomic<pid_t>* const slot = []() -> std::atomic<pid_t>* {
        const std::size_t page = concur::detail::page_size();
        void* p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            if (::madvise(p, page, MADV_WIPEONFORK) == 0) return new (p) std::atomic<pid_t>(0);
            ::munmap(p, page);
        }
        ::pthread_atfork(nullptr, nullptr,
                         [] { fallback_pid_slot.store(0, std::memory_order_relaxed); });
        return &fallback_pid_slot;
    }();
    return *slot;
}

// The state letter of /proc/<pid>/stat ("pid (comm) S ..."); 0 if unreadable.
char process_state(pid_t pid) noexcept {
    char path[48];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[512];
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (n <= 0) return 0;
    buffer[n] = '\0';
    const char* paren = std::strrchr(buffer, ')');  // comm may contain spaces and ')'
    if (paren == nullptr || paren[1] != ' ') return 0;
    return paren[2];
}
}  // namespace

pid_t current_pid() noexcept {
    std::atomic<pid_t>& slot = pid_slot();
    pid_t pid = slot.load(std::memory_order_relaxed);
    if (pid == 0) {
        pid = ::getpid();
        slot.store(pid, std::memory_order_relaxed);
    }
    return pid;
}

std::uint64_t current_thread_token() noexcept {
    static std::atomic<std::uint32_t> next_thread{0};
    struct Cache {
        pid_t pid = 0;
        std::uint64_t token = 0;
    };
    thread_local Cache cache;
    const pid_t pid = current_pid();
    if (cache.pid != pid) {
        cache.pid = pid;
        cache.token = (static_cast<std::uint64_t>(pid) << 32) |
                      (next_thread.fetch_add(1, std::memory_order_relaxed) + 1);
    }
    return cache.token;
}

bool process_alive(pid_t pid) noexcept {
    if (pid <= 0) return false;
    if (pid == current_pid()) return true;
    if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
    const char state = process_state(pid);
    return state != 'Z' && state != 'X';
}

bool RobustLockWord::take_over_if_dead(std::uint32_t seen) noexcept {
    const pid_t holder = static_cast<pid_t>(seen & kOwner);
    if (holder == 0 || process_alive(holder)) return false;
    const std::uint32_t mine = static_cast<std::uint32_t>(current_pid()) | (seen & kSleepers);
    if (!word_.compare_exchange_strong(seen, mine, std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return false;
    recovered_.store(1, std::memory_order_relaxed);
    return true;
}

bool RobustLockWord::acquire_slow(const Deadline* deadline) noexcept {
    const std::uint32_t me = static_cast<std::uint32_t>(current_pid());
    concur::detail::SpinWait spin;
    bool spinning = true;
    bool check_holder = true;  // before the first park, then after each slice
    bool slept = false;        // take the lock with the sleepers bit once we slept
    for (;;) {
        std::uint32_t value = word_.load(std::memory_order_relaxed);
        if ((value & kOwner) == 0) {
            const std::uint32_t want = me | (value & kSleepers) | (slept ? kSleepers : 0);
            if (word_.compare_exchange_weak(value, want, std::memory_order_acquire,
                                            std::memory_order_relaxed))
                return true;
            continue;
        }
        if (spinning && spin.spin(deadline)) continue;
        spinning = false;
        if (check_holder) {
            check_holder = false;
            if (take_over_if_dead(value)) return true;
        }
        const Deadline now = Clock::now();
        if (deadline != nullptr && now >= *deadline) return false;  // before announcing
        if (!(value & kSleepers)) {
            if (!word_.compare_exchange_strong(value, value | kSleepers, std::memory_order_seq_cst,
                                               std::memory_order_relaxed))
                continue;
            value |= kSleepers;
        }
        Deadline slice = now + kSlice;
        if (deadline != nullptr) slice = std::min(slice, *deadline);
        slept = true;
        if (!concur::detail::park(word_, value, &slice, WordScope::process_shared)) {
            if (deadline != nullptr && Clock::now() >= *deadline) {
                // One last try, so that a release racing the timeout is not missed.
                std::uint32_t expected = word_.load(std::memory_order_relaxed);
                if ((expected & kOwner) == 0)
                    return word_.compare_exchange_strong(expected, me | kSleepers,
                                                         std::memory_order_acquire,
                                                         std::memory_order_relaxed);
                return take_over_if_dead(expected);
            }
            check_holder = true;
        }
    }
}

bool RobustLockWord::release() noexcept {
    const std::uint32_t previous = word_.exchange(0, std::memory_order_release);
    if (previous & kSleepers) concur::detail::unpark(word_, 1, WordScope::process_shared);
    return previous != 0;
}

}  // namespace concur::multiprocessing::detail
