// The resource tracker (detail/resource_tracker.hpp): starting it, talking to
// it, and the tracker process's own loop.
#include <concur/multiprocessing/detail/resource_tracker.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace concur::multiprocessing::detail {

namespace {

constexpr std::size_t kMaxName = 255;  // NAME_MAX: longer names are refused by shm_open

// This process's end of the tracker's socket, valid in state kRunning. No
// mutex: a fork() while another thread starts the tracker would leave a
// mutex locked in the child. The state word holds the pid of the process
// whose thread is starting it (kStarting): a forked child that finds its
// parent's start in progress (the starting thread does not exist there)
// starts its own. (Checked by pid rather than reset by a pthread_atfork
// handler, which would cost every child a page fault: see current_pid().)
enum TrackerState : std::uint64_t { kNone, kStarting, kRunning, kFailed };
std::atomic<std::uint64_t> tracker_state{kNone};
int tracker_fd = -1;

std::uint64_t starting_here() noexcept {
    return kStarting | static_cast<std::uint64_t>(current_pid()) << 2;
}

// ---- the tracker process -------------------------------------------------
// It runs in a fork() of a process that may have had other threads: no
// malloc, no stdio, only system calls. Names live in slots of an mmap()ed
// table that grows with mremap().

struct NameTable {
    struct Slot {
        unsigned char length;  // 0: free
        char name[kMaxName];
    };
    Slot* slots = nullptr;
    std::size_t capacity = 0;

    bool grow() noexcept {
        const std::size_t bigger = capacity == 0 ? 256 : capacity * 2;
        void* memory =
            capacity == 0
                ? ::mmap(nullptr, bigger * sizeof(Slot), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                : ::mremap(slots, capacity * sizeof(Slot), bigger * sizeof(Slot), MREMAP_MAYMOVE);
        if (memory == MAP_FAILED) return false;
        slots = static_cast<Slot*>(memory);
        capacity = bigger;
        return true;
    }
    Slot* find(const char* name, std::size_t length) noexcept {
        for (std::size_t i = 0; i < capacity; ++i)
            if (slots[i].length == length && std::memcmp(slots[i].name, name, length) == 0)
                return &slots[i];
        return nullptr;
    }
    void add(const char* name, std::size_t length) noexcept {
        if (length == 0 || length > kMaxName || find(name, length) != nullptr) return;
        for (;;) {
            for (std::size_t i = 0; i < capacity; ++i)
                if (slots[i].length == 0) {
                    std::memcpy(slots[i].name, name, length);
                    slots[i].length = static_cast<unsigned char>(length);
                    return;
                }
            if (!grow()) return;
        }
    }
    void remove(const char* name, std::size_t length) noexcept {
        if (Slot* slot = find(name, length)) slot->length = 0;
    }
};

// Appends to a fixed buffer, dropping what does not fit.
struct Line {
    char text[4096];
    std::size_t used = 0;
    void add(const char* s, std::size_t n) noexcept {
        if (n > sizeof text - used) n = sizeof text - used;
        std::memcpy(text + used, s, n);
        used += n;
    }
    void add(const char* s) noexcept { add(s, std::strlen(s)); }
    void add(std::size_t value) noexcept {
        char digits[24];
        std::size_t n = 0;
        do {
            digits[sizeof digits - 1 - n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        add(digits + sizeof digits - n, n);
    }
};

// Closes every descriptor above 3, the tracker's socket.
void close_descriptors_above_3() noexcept {
    if (::syscall(SYS_close_range, 4u, ~0u, 0u) == 0) return;
    const long limit = ::sysconf(_SC_OPEN_MAX);
    for (long fd = 4; fd < (limit > 0 ? limit : 1024); ++fd) ::close(static_cast<int>(fd));
}

[[noreturn]] void run_tracker(int tracker_end, int users_end) noexcept {
    ::close(users_end);  // or we would never read end-of-file
    // Python's tracker ignores SIGINT and SIGTERM: a ^C to the program must not
    // take away the one process that cleans up after it.
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGTERM, SIG_IGN);
    ::setsid();
    if (tracker_end != 3) {
        if (::dup2(tracker_end, 3) < 0) ::_exit(1);
        ::close(tracker_end);
    }
    close_descriptors_above_3();
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::close(null);
    }

    NameTable table;
    char message[1 + kMaxName + 1];
    for (;;) {
        const ssize_t n = ::recv(3, message, sizeof message, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // every user has gone
        const auto length = static_cast<std::size_t>(n - 1);
        if (message[0] == 'R')
            table.add(message + 1, length);
        else if (message[0] == 'U')
            table.remove(message + 1, length);
    }

    std::size_t leaked = 0;
    for (std::size_t i = 0; i < table.capacity; ++i) leaked += table.slots[i].length != 0;
    if (leaked != 0) {
        Line line;
        line.add("concur: UserWarning: resource_tracker: There appear to be ");
        line.add(leaked);
        line.add(" leaked shared_memory objects to clean up at shutdown: {");
        const char* separator = "";
        for (std::size_t i = 0; i < table.capacity; ++i) {
            if (table.slots[i].length == 0) continue;
            line.add(separator);
            line.add("'");
            line.add(table.slots[i].name, table.slots[i].length);
            line.add("'");
            separator = ", ";
        }
        line.add("}\n");
        [[maybe_unused]] const ssize_t ignored = ::write(2, line.text, line.used);
        for (std::size_t i = 0; i < table.capacity; ++i) {
            NameTable::Slot& slot = table.slots[i];
            if (slot.length == 0) continue;
            char name[kMaxName + 1];
            std::memcpy(name, slot.name, slot.length);
            name[slot.length] = '\0';
            ::shm_unlink(name);
        }
    }
    ::_exit(0);
}

// ---- users ---------------------------------------------------------------

// Starts the tracker (double fork: it is nobody's child).
int start_tracker() noexcept {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) return -2;
    const pid_t middle = ::fork();
    if (middle == 0) {
        const pid_t tracker = ::fork();
        if (tracker == 0) run_tracker(sockets[0], sockets[1]);
        ::_exit(tracker < 0 ? 1 : 0);
    }
    ::close(sockets[0]);
    int status = 0;
    while (middle > 0 && ::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    if (middle < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ::close(sockets[1]);
        return -2;
    }
    return sockets[1];
}

// Memory ordering: the release store of kRunning publishes tracker_fd to
// the acquire loads that see it.
int ensure_tracker() noexcept {
    for (;;) {
        std::uint64_t state = tracker_state.load(std::memory_order_acquire);
        if (state == kRunning) return tracker_fd;
        if (state == kFailed) return -2;
        const bool ours_to_start =
            state == kNone || ((state & 3) == kStarting && state != starting_here());
        if (ours_to_start && tracker_state.compare_exchange_strong(state, starting_here(),
                                                                   std::memory_order_acquire)) {
            const int fd = start_tracker();
            if (fd >= 0) tracker_fd = fd;
            tracker_state.store(fd >= 0 ? kRunning : kFailed, std::memory_order_release);
            return fd;
        }
        if (!ours_to_start) std::this_thread::yield();  // another thread here starts it
    }
}

void tell(char what, std::string_view name) noexcept {
    if (name.empty() || name.size() > kMaxName) return;
    const int fd = ensure_tracker();
    if (fd < 0) return;
    char message[1 + kMaxName];
    message[0] = what;
    std::memcpy(message + 1, name.data(), name.size());
    while (::send(fd, message, 1 + name.size(), MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

}  // namespace

void track_shared_memory(std::string_view name) {
    tell('R', name);
}

void untrack_shared_memory(std::string_view name) {
    tell('U', name);
}

std::optional<TrackerHandoff> resource_tracker_for_child() {
    const int fd = ensure_tracker();
    if (fd < 0) return std::nullopt;
    return TrackerHandoff{fd, std::string(kResourceTrackerVariable) + '=' + std::to_string(fd)};
}

void adopt_resource_tracker_from_environment() noexcept {
    const char* variable = std::getenv(kResourceTrackerVariable);
    if (variable == nullptr) return;
    char* end = nullptr;
    const long fd = std::strtol(variable, &end, 10);
    const bool valid = end != variable && *end == '\0' && fd >= 0 && fd < 1 << 20;
    ::unsetenv(kResourceTrackerVariable);
    if (!valid) return;
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);  // not for this process's own execs
    // Called first thing in an exec'd child, before any other thread exists.
    tracker_fd = static_cast<int>(fd);
    tracker_state.store(kRunning, std::memory_order_release);
}

}  // namespace concur::multiprocessing::detail
