// Children watched through pidfds (detail/popen.hpp), and fork_child(): the
// fork, the lifeline that kills a child whose parent died, the child's exit.
#include <concur/multiprocessing/detail/popen.hpp>
#include <concur/multiprocessing/detail/sigpipe.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio_ext.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include <concur/detail/os_error.hpp>
#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/robust_lock_word.hpp>

namespace concur::multiprocessing::detail {

namespace {

int pidfd_open(pid_t pid) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal(int pidfd, int signal) noexcept {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

int returncode_of(const siginfo_t& info) noexcept {
    return info.si_code == CLD_EXITED ? info.si_status : -info.si_status;
}

// Milliseconds until `deadline` for poll(): -1 forever, rounded up.
int poll_timeout(const concur::detail::Deadline* deadline) noexcept {
    if (deadline == nullptr || *deadline == concur::detail::Deadline::max()) return -1;
    const auto left = *deadline - concur::detail::Clock::now();
    if (left <= concur::detail::Clock::duration::zero()) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

// The lifeline: a pipe whose write end only this process holds. A child of a
// thread other than the main one cannot use PR_SET_PDEATHSIG (it fires when
// that thread ends), so it watches the read end and exits on EOF.
// Made on the first fork by such a thread; no mutex (a child forked while
// another thread held one would inherit it locked): 0 none, 1 being made,
// 2 made.
int lifeline_read_end = -1;
int lifeline_write_end = -1;
std::atomic<int> lifeline_state{0};

void make_lifeline() noexcept {
    int expected = 0;
    if (lifeline_state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) == 0) {  // else children rely on PDEATHSIG only
            lifeline_read_end = fds[0];
            lifeline_write_end = fds[1];
        }
        lifeline_state.store(2, std::memory_order_release);
        return;
    }
    while (lifeline_state.load(std::memory_order_acquire) != 2) std::this_thread::yield();
}

// Flushes stdout and stderr if they hold output, as Python flushes
// sys.stdout and sys.stderr before a fork and in a child before os._exit.
// Only those two: other streams' buffered output is the parent's alone (a
// child never flushes it: it leaves through _exit). And only when there is
// output: flushing locks a stream, a write to libc's pages. After fork()
// every page a process writes costs it a copy-on-write fault (also in the
// parent, once per page, after the child has gone), several microseconds each
// on a VM; fflush(nullptr) cost three or four per process start.
void flush_standard_streams() noexcept {
    if (::__fpending(stdout) != 0) std::fflush(stdout);
    if (::__fpending(stderr) != 0) std::fflush(stderr);
}

// In a new child: make sure it dies with its parent.
void watch_parent(pid_t parent, bool forked_by_main_thread, int read_end, int write_end) noexcept {
    if (write_end >= 0) ::close(write_end);
    if (forked_by_main_thread) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (read_end >= 0) ::close(read_end);
    } else if (read_end >= 0) {
        watch_lifeline(read_end);
    }
    if (::getppid() != parent) ::_exit(1);  // the parent died before we watched it
}

// The argv this program was started with.
std::vector<std::string> own_arguments() {
    std::vector<std::string> arguments;
    std::FILE* file = std::fopen("/proc/self/cmdline", "rb");
    if (file == nullptr) concur::detail::raise_errno("/proc/self/cmdline");
    std::string current;
    for (int c; (c = std::fgetc(file)) != EOF;) {
        if (c == '\0') {
            arguments.push_back(std::move(current));
            current.clear();
        } else {
            current += static_cast<char>(c);
        }
    }
    std::fclose(file);
    if (arguments.empty()) arguments.emplace_back("concur-child");
    return arguments;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers;
}

std::unique_ptr<Popen> popen_of(pid_t pid) {
    const int pidfd = pidfd_open(pid);
    if (pidfd < 0) {
        const int error = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        concur::detail::raise_os_error(error, "pidfd_open");
    }
    return std::make_unique<ChildPopen>(pid, pidfd);
}

}  // namespace

[[noreturn]] void exit_child(int code) noexcept {
    flush_standard_streams();
    ::_exit(code);
}

void watch_lifeline(int lifeline) {
    try {
        std::thread([lifeline] {
            char byte;
            while (::read(lifeline, &byte, 1) < 0 && errno == EINTR) {
            }
            ::_exit(1);  // the parent is gone (as if SIGKILLed: nothing to flush safely)
        }).detach();
    } catch (...) {
    }
}

std::unique_ptr<Popen> exec_child(
    const std::vector<int>& keep_fds,
    const std::function<std::vector<std::string>(int lifeline)>& make_environment) {
    const pid_t parent = current_pid();
    const bool by_main_thread = ::gettid() == parent;
    if (!by_main_thread) make_lifeline();
    const int lifeline = by_main_thread ? -1 : lifeline_read_end;
    // Everything the child needs is allocated here: between fork() and
    // execve() a child of a threaded process may only make system calls.
    std::vector<std::string> arguments = own_arguments();
    std::vector<std::string> environment = make_environment(lifeline);
    std::vector<char*> argv = pointers_to(arguments);
    std::vector<char*> envp = pointers_to(environment);
    std::vector<int> inherited = keep_fds;
    if (lifeline >= 0) inherited.push_back(lifeline);
    flush_standard_streams();
    const pid_t pid = ::fork();
    if (pid < 0) concur::detail::raise_errno("fork");
    if (pid == 0) {
        if (lifeline_write_end >= 0) ::close(lifeline_write_end);
        if (by_main_thread) ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // survives the exec
        if (::getppid() != parent) ::_exit(1);
        for (int fd : inherited) ::fcntl(fd, F_SETFD, 0);  // this child's copy only
        unblock_sigpipe_before_exec();
        ::execve("/proc/self/exe", argv.data(), envp.data());
        ::_exit(127);
    }
    return popen_of(pid);
}

ChildPopen::ChildPopen(pid_t pid, int pidfd) noexcept : Popen(pid), pidfd_(pidfd) {}

ChildPopen::~ChildPopen() {
    if (pidfd_ >= 0) ::close(pidfd_);
}

std::optional<int> ChildPopen::poll() {
    std::lock_guard lock(mutex_);
    if (returncode_) return returncode_;
    siginfo_t info{};
    int rc;
    do {
        rc = ::waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED | WNOHANG);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        // ECHILD: someone else reaped it (SIGCHLD ignored, a waitpid(-1)
        // elsewhere); Python reports such a child as ended with code 255? It
        // keeps None; we report it ended, with an unknown status.
        if (errno == ECHILD) returncode_ = 255;
        return returncode_;
    }
    if (info.si_pid != 0) returncode_ = returncode_of(info);
    return returncode_;
}

std::optional<int> ChildPopen::wait(const concur::detail::Deadline* deadline) {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (returncode_) return returncode_;
        }
        // The pidfd is readable once the child has ended: then reap it.
        pollfd watch{pidfd_, POLLIN, 0};
        const int rc = ::poll(&watch, 1, poll_timeout(deadline));
        if (rc < 0 && errno != EINTR) concur::detail::raise_errno("poll");
        if (rc >= 0) {
            if (auto code = poll()) return code;
            if (rc == 0) return std::nullopt;  // timed out
        }
    }
}

void ChildPopen::send_signal(int signal) {
    std::lock_guard lock(mutex_);
    if (returncode_) return;
    if (pidfd_send_signal(pidfd_, signal) != 0 && errno != ESRCH)
        concur::detail::raise_errno("pidfd_send_signal");
}

// Field 20 of /proc/self/stat, read into a stack buffer: opendir() of
// /proc/self/task would allocate 32 KB on the heap on every start, and each
// page the parent writes costs it a copy-on-write fault while a child shares
// it (see flush_standard_streams()).
int thread_count() noexcept {
    const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    char text[1024];
    ssize_t size;
    do {
        size = ::read(fd, text, sizeof text - 1);
    } while (size < 0 && errno == EINTR);
    ::close(fd);
    if (size <= 0) return 1;
    text[size] = '\0';
    // "pid (comm) state ppid ...": comm may hold spaces and ')', so count
    // the fields after its last ')'; num_threads is field 20, the 18th after.
    const char* at = std::strrchr(text, ')');
    if (at == nullptr) return 1;
    for (int field = 2; field < 20; ++field) {
        at = std::strchr(at + 1, ' ');
        if (at == nullptr) return 1;
    }
    const int n = std::atoi(at + 1);
    return n > 0 ? n : 1;
}

std::unique_ptr<Popen> fork_child(const std::function<int()>& child_main) {
    const pid_t parent = current_pid();
    const bool by_main_thread = ::gettid() == parent;
    if (!by_main_thread) make_lifeline();  // (the main thread's children use PDEATHSIG)
    flush_standard_streams();  // or the child would write the parent's buffered output again
    const pid_t pid = ::fork();
    if (pid < 0) concur::detail::raise_errno("fork");
    if (pid == 0) {
        watch_parent(parent, by_main_thread, lifeline_read_end, lifeline_write_end);
        // This process's own children get a lifeline of their own. (Written
        // only if there was one: each page a child writes costs it a fault.)
        if (lifeline_state.load(std::memory_order_relaxed) != 0) {
            lifeline_read_end = lifeline_write_end = -1;
            lifeline_state.store(0, std::memory_order_relaxed);
        }
        int code = 1;
        try {
            code = child_main();
        } catch (...) {
        }
        exit_child(code);
    }
    return popen_of(pid);
}

}  // namespace concur::multiprocessing::detail
