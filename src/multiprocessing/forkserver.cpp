// The "forkserver" start method. The first forkserver start execs this
// program as the fork server (freeze_support() finds CONCUR_MP_FORKSERVER): a
// single-threaded process that forks every child from its clean state, so
// children never inherit the parent's threads or locks.
//
// Protocol. The parent keeps one SOCK_SEQPACKET control socket to the server.
// A request is one message: its data the requester's pid and the number of
// handle descriptors, its SCM_RIGHTS [reply socket, payload memfd, handle
// fds...] (the payload as for spawn). The server forks; the child runs the
// payload; the server writes the child's pid (int32) on the reply socket and,
// when the child ends, its return code (int32, -signal when killed), then
// closes it. The reply socket is the Process's sentinel. The server exits when
// the control socket reads EOF (the parent is gone); its children die with it
// (PR_SET_PDEATHSIG).
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <concur/detail/os_error.hpp>
#include <concur/multiprocessing/detail/function_id.hpp>
#include <concur/multiprocessing/detail/process_state.hpp>
#include <concur/multiprocessing/detail/resource_tracker.hpp>

namespace concur::multiprocessing::detail {

namespace {

constexpr const char* kServerVariable = "CONCUR_MP_FORKSERVER";
constexpr const char* kBindNowVariable = "LD_BIND_NOW";
constexpr std::size_t kMaxFds = 250;  // SCM_RIGHTS' limit is 253

struct Request {
    std::int32_t requester;
    std::uint32_t handle_fds;
};

bool send_with_fds(int socket, const void* data, std::size_t size, const std::vector<int>& fds) {
    iovec io{const_cast<void*>(data), size};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
    ssize_t n;
    do {
        n = ::sendmsg(socket, &message, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(size);
}

// Receives one request; false on EOF (or an unusable message, whose fds are
// closed).
bool receive_request(int socket, Request& request, std::vector<int>& fds, bool& eof) {
    iovec io{&request, sizeof request};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * (kMaxFds + 2))];
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    eof = n <= 0;
    fds.clear();
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const std::size_t at = fds.size();
        fds.resize(at + count);
        std::memcpy(fds.data() + at, CMSG_DATA(header), count * sizeof(int));
    }
    if (n == static_cast<ssize_t>(sizeof request) && fds.size() == request.handle_fds + 2)
        return true;
    for (int fd : fds) ::close(fd);
    fds.clear();
    return false;
}

bool write_int(int fd, std::int32_t value) {
    ssize_t n;
    do {
        n = ::send(fd, &value, sizeof value, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == sizeof value;
}

// Reads an int32 with a bound; empty on EOF or timeout.
std::optional<std::int32_t> read_int(int fd, int timeout_ms) {
    std::int32_t value;
    std::size_t got = 0;
    while (got < sizeof value) {
        pollfd watch{fd, POLLIN, 0};
        const int ready = ::poll(&watch, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        const ssize_t n = ::recv(fd, reinterpret_cast<char*>(&value) + got, sizeof value - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        got += static_cast<std::size_t>(n);
    }
    return value;
}

// A child of the fork server, seen from the process that asked for it.
class ServerChildPopen final : public Popen {
  public:
    ServerChildPopen(pid_t pid, int reply) noexcept
        : Popen(pid), reply_(reply), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {}
    ~ServerChildPopen() override {
        ::close(reply_);
        if (pidfd_ >= 0) ::close(pidfd_);
    }
    ServerChildPopen(const ServerChildPopen&) = delete;
    ServerChildPopen& operator=(const ServerChildPopen&) = delete;

    std::optional<int> poll() override {
        std::lock_guard lock(mutex_);
        if (!returncode_) {
            pollfd watch{reply_, POLLIN, 0};
            if (::poll(&watch, 1, 0) > 0)  // the code, or EOF (the server died): Python's 255
                returncode_ = read_int(reply_, 0).value_or(255);
        }
        return returncode_;
    }
    std::optional<int> wait(const concur::detail::Deadline* deadline) override {
        for (;;) {
            if (auto code = poll()) return code;
            int timeout = -1;
            if (deadline != nullptr && *deadline != concur::detail::Deadline::max()) {
                const auto left = *deadline - concur::detail::Clock::now();
                if (left <= concur::detail::Clock::duration::zero()) return poll();
                timeout = static_cast<int>(std::min<long long>(
                    std::chrono::ceil<std::chrono::milliseconds>(left).count(), INT_MAX));
            }
            pollfd watch{reply_, POLLIN, 0};
            if (::poll(&watch, 1, timeout) == 0) return poll();
        }
    }
    void send_signal(int signal) override {
        std::lock_guard lock(mutex_);
        if (returncode_) return;
        const int rc =
            pidfd_ >= 0
                ? static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd_, signal, nullptr, 0))
                : ::kill(pid(), signal);
        if (rc != 0 && errno != ESRCH) concur::detail::raise_errno("kill");
    }
    int sentinel() const noexcept override { return reply_; }

  private:
    std::mutex mutex_;
    int reply_;
    int pidfd_;
    std::optional<int> returncode_;
};

// The parent's side: the control socket, the server's Popen.
struct Client {
    std::mutex mutex;
    int control = -1;
    std::unique_ptr<Popen> server;
};

// A forked child starts its own server: the parent's control socket would
// make the parent's server fork the child's children, and they would not die
// with the child.
void forget_server_after_fork() noexcept;

Client& client() {
    static Client* c = [] {
        ::pthread_atfork(nullptr, nullptr, forget_server_after_fork);
        return new Client;  // leaked: used until the process ends
    }();
    return *c;
}

void forget_server_after_fork() noexcept {
    Client& c = client();
    new (&c.mutex) std::mutex();  // another thread may have held it at fork()
    if (c.control >= 0) ::close(c.control);
    c.control = -1;
    (void)c.server.release();  // the parent's child: not ours to wait for
}

void start_server(Client& c) {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0)
        concur::detail::raise_errno("socketpair");
    const pid_t parent = ::getpid();
    // The server's children share this program's resource tracker (as Python's).
    const auto tracker = resource_tracker_for_child();
    std::vector<int> keep{sockets[1]};
    if (tracker) keep.push_back(tracker->fd);
    try {
        c.server = exec_child(keep, [&](int lifeline) {
            std::vector<std::string> environment = environment_without(kServerVariable);
            // The server binds every symbol of every library at its start
            // (and then drops the variable, so that its children's own execs
            // do not inherit it): a child would otherwise resolve each
            // library function it calls first by itself -- symbol lookups
            // and page faults in every child.
            const bool bind_now = std::getenv(kBindNowVariable) == nullptr;
            if (bind_now) environment.push_back(std::string(kBindNowVariable) + "=1");
            std::ostringstream value;
            value << kServerVariable << '=' << sockets[1] << ' ' << lifeline << ' ' << parent << ' '
                  << (bind_now ? 1 : 0);
            environment.push_back(value.str());
            if (tracker) environment.push_back(tracker->variable);
            return environment;
        });
    } catch (...) {
        ::close(sockets[0]);
        ::close(sockets[1]);
        throw;
    }
    ::close(sockets[1]);
    c.control = sockets[0];
}

// --- the server -------------------------------------------------------------

[[noreturn]] void serve(int control, pid_t parent) {
    ::signal(SIGINT, SIG_IGN);  // as Python's: Ctrl-C is for the parent to handle
    sigset_t child_signals;
    sigemptyset(&child_signals);
    sigaddset(&child_signals, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &child_signals, nullptr);
    const int children_ended = ::signalfd(-1, &child_signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (children_ended < 0) std::_Exit(1);
    // The loop allocates nothing once warm: after each fork() every page the
    // server writes costs it a copy-on-write fault, tens of microseconds on a
    // VM, on the way to its next reply.
    std::vector<std::pair<pid_t, int>> replies;  // running child, its reply socket
    replies.reserve(64);
    std::vector<int> fds;
    fds.reserve(kMaxFds + 2);
    std::vector<int> handles;
    handles.reserve(kMaxFds);
    (void)function_address(FunctionId{});  // finds the main program once, for every child
    for (;;) {
        pollfd watch[2] = {{control, POLLIN, 0}, {children_ended, POLLIN, 0}};
        if (::poll(watch, 2, -1) < 0) continue;
        if (watch[1].revents != 0) {
            signalfd_siginfo info;
            while (::read(children_ended, &info, sizeof info) > 0) {
            }
            int status;
            for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
                const int code = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
                const auto it = std::find_if(replies.begin(), replies.end(),
                                             [pid](const auto& r) { return r.first == pid; });
                if (it != replies.end()) {
                    write_int(it->second, code);
                    ::close(it->second);
                    *it = replies.back();
                    replies.pop_back();
                }
            }
        }
        if (watch[0].revents == 0) continue;
        Request request{};
        bool eof = false;
        if (!receive_request(control, request, fds, eof)) {
            if (eof) std::_Exit(0);  // the parent is gone: our children die with us
            continue;
        }
        const int reply = fds[0];
        const int payload = fds[1];
        handles.assign(fds.begin() + 2, fds.end());
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() == 1) std::_Exit(1);
            ::close(control);
            ::close(children_ended);
            ::close(reply);
            for (auto& [_, other] : replies) ::close(other);
            ::sigprocmask(SIG_UNBLOCK, &child_signals, nullptr);
            ::signal(SIGINT, SIG_DFL);
            // As Python's fork server: the child leaves through os._exit()
            // (stdio flushed), not running the server program's atexit
            // handlers and static destructors -- every page those wrote
            // would be a copy-on-write fault.
            exit_child(run_payload(payload, handles, request.requester));
        }
        const bool answered = pid >= 0 && write_int(reply, pid);  // the requester waits for it
        ::close(payload);
        for (int fd : handles) ::close(fd);
        if (!answered) {
            ::close(reply);
            continue;
        }
        replies.emplace_back(pid, reply);
    }
    (void)parent;
}

}  // namespace

std::unique_ptr<Popen> forkserver_child(ProcessState& child) {
    std::vector<int> handles;
    const int payload = payload_memfd(child, handles);
    if (handles.size() > kMaxFds) {
        ::close(payload);
        throw ValueError("too many handles among the arguments for the fork server");
    }
    int reply[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, reply) != 0) {
        ::close(payload);
        concur::detail::raise_errno("socketpair");
    }
    std::vector<int> fds{reply[1], payload};
    fds.insert(fds.end(), handles.begin(), handles.end());
    const Request request{static_cast<std::int32_t>(::getpid()),
                          static_cast<std::uint32_t>(handles.size())};
    bool sent;
    {
        Client& c = client();
        std::lock_guard lock(c.mutex);
        if (c.control < 0 || (c.server && c.server->poll())) {
            if (c.control >= 0) ::close(c.control);
            c.control = -1;
            try {
                start_server(c);
            } catch (...) {
                ::close(payload);
                ::close(reply[0]);
                ::close(reply[1]);
                throw;
            }
        }
        sent = send_with_fds(c.control, &request, sizeof request, fds);
    }
    ::close(payload);
    ::close(reply[1]);
    if (!sent) {
        ::close(reply[0]);
        throw OSError("the fork server is not answering", EPIPE);
    }
    // The server answers with the pid right after forking.
    const std::optional<std::int32_t> pid = read_int(reply[0], 30'000);
    if (!pid) {
        ::close(reply[0]);
        throw OSError("the fork server did not start the child", EPIPE);
    }
    return std::make_unique<ServerChildPopen>(*pid, reply[0]);
}

void run_if_forkserver() {
    const char* variable = std::getenv(kServerVariable);
    if (variable == nullptr) return;
    std::istringstream fields{std::string(variable)};
    ::unsetenv(kServerVariable);
    adopt_resource_tracker_from_environment();
    int control = -1, lifeline = -1, parent = 0, set_bind_now = 0;
    fields >> control >> lifeline >> parent >> set_bind_now;
    if (set_bind_now == 1) ::unsetenv(kBindNowVariable);  // (the loader has read it)
    if (fields.fail() || control < 0) {
        std::fputs("concur: malformed CONCUR_MP_FORKSERVER; not a fork server\n", stderr);
        std::exit(1);
    }
    ::fcntl(control, F_SETFD, FD_CLOEXEC);
    if (lifeline >= 0) {
        ::fcntl(lifeline, F_SETFD, FD_CLOEXEC);
        watch_lifeline(lifeline);
    }
    if (::getppid() != parent) std::_Exit(1);
    serve(control, parent);
}

}  // namespace concur::multiprocessing::detail
