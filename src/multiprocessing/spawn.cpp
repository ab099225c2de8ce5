// The "spawn" start method: the parent writes the child's payload (its
// header, then the SpawnTarget's function ids and arguments) into a memfd and
// execs this program afresh; the new program's freeze_support() finds the
// payload through CONCUR_MP_SPAWN, becomes the Process and runs the target.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <concur/detail/os_error.hpp>
#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/detail/fd_passing.hpp>
#include <concur/multiprocessing/detail/process_state.hpp>
#include <concur/multiprocessing/detail/resource_tracker.hpp>
#include <concur/multiprocessing/detail/wire.hpp>

extern char** environ;

namespace concur::multiprocessing::detail {

namespace {

constexpr const char* kSpawnVariable = "CONCUR_MP_SPAWN";

// A memfd holding `bytes`, positioned at its start.
int memfd_with(const Bytes& bytes) {
    const int fd = ::memfd_create("concur-spawn", MFD_CLOEXEC);
    if (fd < 0) concur::detail::raise_errno("memfd_create");
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int error = errno;
            ::close(fd);
            errno = error;
            concur::detail::raise_errno("write");
        }
        written += static_cast<std::size_t>(n);
    }
    return fd;
}

Bytes read_all(int fd) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) concur::detail::raise_errno("fstat");
    Bytes bytes(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n =
            ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) concur::detail::raise_errno("pread");
        done += static_cast<std::size_t>(n);
    }
    return bytes;
}

}  // namespace

int payload_memfd(ProcessState& child, std::vector<int>& fds) {
    Bytes payload;
    {
        std::lock_guard lock(child.mutex);
        if (!child.spawn.payload)
            throw ValueError(
                "this Process cannot be started with the " +
                std::string(start_method_name(child.method.value_or(StartMethod::spawn))) +
                " method: " + child.spawn.why_not);
        dump(payload, header_for(child));
        FdSendScope scope(fds);
        child.spawn.payload(payload);
    }
    return memfd_with(payload);
}

int run_payload(int payload_fd, const std::vector<int>& fds, pid_t parent) noexcept {
    try {
        Bytes payload = read_all(payload_fd);
        ::close(payload_fd);
        std::span<const std::byte> in(payload);
        // Kept for the rest of the process (become_child() reads it later).
        const SpawnHeader& header = *new SpawnHeader(load<SpawnHeader>(in));
        become_child(header, parent);
        const int code = run_reporting(header.name, [&] {
            FdReceiveScope scope(fds);
            const auto entry = reinterpret_cast<SpawnEntry>(function_address(load<FunctionId>(in)));
            void* target = function_address(load<FunctionId>(in));
            entry(target, in);
        });
        for (int fd : fds) ::close(fd);
        finish_children();
        return code;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "concur: a child could not start: %s\n", e.what());
    } catch (...) {
        std::fputs("concur: a child could not start\n", stderr);
    }
    return 1;
}

std::unique_ptr<Popen> spawn_child(ProcessState& child) {
    std::vector<int> fds;
    const int payload_fd = payload_memfd(child, fds);
    std::vector<int> keep = fds;
    keep.push_back(payload_fd);
    // The child shares this program's resource tracker (as Python's).
    const auto tracker = resource_tracker_for_child();
    if (tracker) keep.push_back(tracker->fd);
    const pid_t parent = ::getpid();
    try {
        auto popen = exec_child(keep, [&](int lifeline) {
            std::vector<std::string> environment = environment_without(kSpawnVariable);
            std::ostringstream value;
            value << kSpawnVariable << '=' << payload_fd << ' ' << lifeline << ' ' << parent;
            for (int fd : fds) value << ' ' << fd;
            environment.push_back(value.str());
            if (tracker) environment.push_back(tracker->variable);
            return environment;
        });
        ::close(payload_fd);
        return popen;
    } catch (...) {
        ::close(payload_fd);
        throw;
    }
}

std::vector<std::string> environment_without(const char* name) {
    const std::size_t length = std::strlen(name);
    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry)
        if (std::strncmp(*entry, name, length) != 0 || (*entry)[length] != '=')
            environment.emplace_back(*entry);
    return environment;
}

void check_bootstrapped() {
    if (std::getenv(kSpawnVariable) != nullptr || std::getenv("CONCUR_MP_FORKSERVER") != nullptr)
        throw RuntimeError(
            "An attempt has been made to start a new process before the current process has "
            "finished its bootstrapping phase. This probably means that you are not calling "
            "multiprocessing::freeze_support() as the first line of main() and are using "
            "the spawn or forkserver start method to start child processes.");
}

void run_if_spawned() {
    const char* variable = std::getenv(kSpawnVariable);
    if (variable == nullptr) return;
    std::istringstream fields{std::string(variable)};
    ::unsetenv(kSpawnVariable);  // not for this process's own children
    adopt_resource_tracker_from_environment();
    int payload_fd = -1, lifeline = -1, parent = 0;
    fields >> payload_fd >> lifeline >> parent;
    std::vector<int> fds;
    for (int fd; fields >> fd;) fds.push_back(fd);
    if (!fields.eof() || payload_fd < 0) {
        std::fputs("concur: malformed CONCUR_MP_SPAWN; not a spawned child\n", stderr);
        std::exit(1);
    }
    // Not for this process's own children either.
    for (int fd : fds) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(payload_fd, F_SETFD, FD_CLOEXEC);
    if (lifeline >= 0) {
        ::fcntl(lifeline, F_SETFD, FD_CLOEXEC);
        watch_lifeline(lifeline);
    }
    if (::getppid() != parent) std::_Exit(1);  // the parent died before we watched it

    // As Python's spawn_main: sys.exit(code), which runs the atexit handlers.
    std::exit(run_payload(payload_fd, fds, parent));
}

}  // namespace concur::multiprocessing::detail
