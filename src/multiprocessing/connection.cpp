// Pipe() and Connection (concur/multiprocessing/connection.hpp): frames of an
// 8-byte native-endian length and the payload, over a Unix socket pair
// (duplex) or a pipe (simplex).
#include <concur/detail/os_error.hpp>
#include <concur/multiprocessing/connection.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>

namespace concur::multiprocessing {

struct Connection::State {
    State(int descriptor, bool can_read, bool can_write, bool is_socket) noexcept
        : fd(descriptor), readable(can_read), writable(can_write), socket(is_socket) {}
    ~State() {
        const int descriptor = fd.exchange(-1);
        if (descriptor >= 0) ::close(descriptor);
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    std::atomic<int> fd;
    const bool readable;
    const bool writable;
    const bool socket;      // send with MSG_NOSIGNAL; a pipe blocks SIGPIPE instead
    std::mutex send_mutex;  // one frame at a time
    std::mutex recv_mutex;
};

namespace {

// Waits for `events` on a descriptor someone made non-blocking.
void wait_for(int fd, short events) {
    pollfd p{fd, events, 0};
    while (::poll(&p, 1, -1) < 0)
        if (errno != EINTR) concur::detail::raise_os_error(errno);
}

// Blocks SIGPIPE on this thread while a pipe is written; if the write raised
// one (EPIPE) that was not already pending, takes it off the thread's pending
// set before restoring the mask, so the process never sees it.
class SigpipeGuard {
  public:
    explicit SigpipeGuard(bool active) noexcept : active_(active) {
        if (!active_) return;
        sigemptyset(&sigpipe_);
        sigaddset(&sigpipe_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        ::sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        ::pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
    }
    ~SigpipeGuard() {
        if (!active_) return;
        if (broke_ && !was_pending_) {
            timespec zero{0, 0};
            while (::sigtimedwait(&sigpipe_, nullptr, &zero) < 0 && errno == EINTR) {
            }
        }
        ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;
    void broke() noexcept { broke_ = true; }

  private:
    bool active_;
    bool was_pending_ = false;
    bool broke_ = false;
    sigset_t sigpipe_{};
    sigset_t previous_{};
};

// Writes every byte of `iov` (modified), through partial writes and EINTR.
void write_all(int fd, bool socket, iovec* iov, int count) {
    SigpipeGuard guard(!socket);
    while (count > 0 && iov->iov_len == 0) ++iov, --count;
    while (count > 0) {
        ssize_t n;
        if (socket) {
            msghdr message{};
            message.msg_iov = iov;
            message.msg_iovlen = static_cast<std::size_t>(count);
            n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
        } else {
            n = ::writev(fd, iov, std::min(count, IOV_MAX));
        }
        if (n < 0) {
            const int error = errno;
            if (error == EINTR) continue;
            if (error == EAGAIN || error == EWOULDBLOCK) {
                wait_for(fd, POLLOUT);
                continue;
            }
            if (error == EPIPE) guard.broke();
            concur::detail::raise_os_error(error);
        }
        auto done = static_cast<std::size_t>(n);
        while (count > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            ++iov, --count;
        }
        if (count > 0) {
            iov->iov_base = static_cast<char*>(iov->iov_base) + done;
            iov->iov_len -= done;
        }
    }
}

// Reads exactly `size` bytes. EOF raises EOFError: with no message at a
// message boundary (`boundary` and nothing read yet), as Python; otherwise
// saying the message was cut.
void read_exact(int fd, std::byte* data, std::size_t size, bool boundary) {
    std::size_t done = 0;
    while (done < size) {
        const std::size_t chunk = std::min<std::size_t>(size - done, std::size_t{1} << 30);
        const ssize_t n = ::read(fd, data + done, chunk);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) {
            if (boundary && done == 0) throw EOFError("");
            throw EOFError("end of file in the middle of a message");
        }
        const int error = errno;
        if (error == EINTR) continue;
        if (error == EAGAIN || error == EWOULDBLOCK) {
            wait_for(fd, POLLIN);
            continue;
        }
        concur::detail::raise_os_error(error);
    }
}

// Reads and drops `size` bytes.
void discard(int fd, std::uint64_t size) {
    std::byte sink[64 * 1024];
    while (size > 0) {
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof sink));
        read_exact(fd, sink, chunk, false);
        size -= chunk;
    }
}

bool is_socket(int fd) {
    struct stat info {};
    return ::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

}  // namespace

Connection::Connection(int fd, bool readable, bool writable) {
    try {
        state_ = std::make_shared<State>(fd, readable, writable, is_socket(fd));
    } catch (...) {
        ::close(fd);
        throw;
    }
}

Connection Connection::adopt_received(std::uint32_t index, bool readable, bool writable) {
    const int received = detail::received_fd(index);
    const int mine = ::fcntl(received, F_DUPFD_CLOEXEC, 0);
    if (mine < 0) concur::detail::raise_os_error(errno);
    return Connection(mine, readable, writable);
}

std::uint32_t Connection::register_for_send() const {
    return detail::send_fd(fileno(), "Connection");
}

void Connection::close() noexcept {
    if (!state_) return;
    const int descriptor = state_->fd.exchange(-1);
    if (descriptor >= 0) ::close(descriptor);
}

bool Connection::closed() const noexcept {
    return !state_ || state_->fd.load() < 0;
}
bool Connection::readable() const noexcept {
    return state_ && state_->readable;
}
bool Connection::writable() const noexcept {
    return state_ && state_->writable;
}

int Connection::fileno() const {
    const int fd = state_ ? state_->fd.load() : -1;
    if (fd < 0) throw OSError("handle is closed");
    return fd;
}

void Connection::check_writable() const {
    (void)fileno();
    if (!state_->writable) throw OSError("connection is read-only");
}

void Connection::send_frame(detail::Bytes frame) {
    check_writable();
    const std::uint64_t length = frame.size() - kHeaderSize;
    std::memcpy(frame.data(), &length, kHeaderSize);
    iovec iov{frame.data(), frame.size()};
    std::lock_guard guard(state_->send_mutex);
    write_all(fileno(), state_->socket, &iov, 1);
}

void Connection::send_bytes_impl(std::span<const std::byte> buffer, std::size_t offset,
                                 std::optional<std::size_t> size) {
    check_writable();
    if (offset > buffer.size()) throw ValueError("buffer length < offset");
    if (size && *size > buffer.size() - offset) throw ValueError("buffer length < offset + size");
    const std::span<const std::byte> payload =
        buffer.subspan(offset, size ? *size : buffer.size() - offset);
    std::uint64_t length = payload.size();
    iovec iov[2] = {{&length, kHeaderSize},
                    {const_cast<std::byte*>(payload.data()), payload.size()}};
    std::lock_guard guard(state_->send_mutex);
    write_all(fileno(), state_->socket, iov, 2);
}

detail::Bytes Connection::recv_bytes() {
    return recv_impl(std::nullopt);
}

detail::Bytes Connection::recv_bytes(std::size_t maxlength) {
    return recv_impl(maxlength);
}

void Connection::check_readable() const {
    (void)fileno();
    if (!state_->readable) throw OSError("connection is write-only");
}

namespace {

std::uint64_t read_length(int fd) {
    std::uint64_t length = 0;
    read_exact(fd, reinterpret_cast<std::byte*>(&length), sizeof length, true);
    return length;
}

detail::Bytes read_payload(int fd, std::uint64_t length) {
    if (length > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
        throw OSError("bad message length");
    detail::Bytes message(static_cast<std::size_t>(length));
    read_exact(fd, message.data(), message.size(), false);
    return message;
}

}  // namespace

detail::Bytes Connection::recv_impl(std::optional<std::size_t> maxlength) {
    check_readable();
    std::lock_guard guard(state_->recv_mutex);
    const int fd = fileno();
    const std::uint64_t length = read_length(fd);
    if (maxlength && length > *maxlength) {
        discard(fd, length);
        throw OSError("bad message length");
    }
    return read_payload(fd, length);
}

std::size_t Connection::recv_into_impl(std::span<std::byte> buffer, std::size_t offset) {
    check_readable();
    if (offset > buffer.size()) throw ValueError("offset too large");
    std::lock_guard guard(state_->recv_mutex);
    const int fd = fileno();
    const std::uint64_t length = read_length(fd);
    if (length > buffer.size() - offset) {
        detail::Bytes message = read_payload(fd, length);
        throw BufferTooShort(
            "a message of " + std::to_string(length) + " bytes does not fit in a buffer of " +
                std::to_string(buffer.size()) + " bytes from offset " + std::to_string(offset),
            std::move(message));
    }
    const auto size = static_cast<std::size_t>(length);
    read_exact(fd, buffer.data() + offset, size, false);
    return size;
}

bool Connection::poll_until(const concur::detail::Deadline* deadline, bool now) const {
    check_readable();
    const int fd = fileno();
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        timespec wait{0, 0};
        timespec* timeout = &wait;
        if (!now) {
            if (deadline == nullptr || *deadline == concur::detail::Deadline::max()) {
                timeout = nullptr;
            } else {
                const auto left = *deadline - concur::detail::Clock::now();
                if (left > concur::detail::Clock::duration::zero()) {
                    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(left);
                    wait.tv_sec = static_cast<time_t>(seconds.count());
                    wait.tv_nsec = static_cast<long>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(left - seconds)
                            .count());
                }
            }
        }
        const int ready = ::ppoll(&p, 1, timeout, nullptr);
        if (ready > 0) {
            if (p.revents & POLLNVAL) throw OSError("handle is closed", EBADF);
            return true;  // data, EOF or an error: recv() will not block
        }
        if (ready == 0) {
            if (now || concur::detail::Clock::now() >= *deadline) return false;
            continue;
        }
        if (errno != EINTR) concur::detail::raise_os_error(errno);
    }
}

std::pair<Connection, Connection> Pipe(bool duplex) {
    int fds[2];
    if (duplex) {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            concur::detail::raise_os_error(errno);
        Connection first(fds[0], true, true);
        Connection second(fds[1], true, true);
        return {std::move(first), std::move(second)};
    }
    if (::pipe2(fds, O_CLOEXEC) != 0) concur::detail::raise_os_error(errno);
    Connection reader(fds[0], true, false);
    Connection writer(fds[1], false, true);
    return {std::move(reader), std::move(writer)};
}

}  // namespace concur::multiprocessing
