// Pipe() and Connection (concur/multiprocessing/connection.hpp): frames of an
// 8-byte native-endian length and the payload, over a Unix socket pair
// (duplex) or a pipe in packet mode (simplex).
//
// Why packet mode (pipe2(O_DIRECT), Linux >= 3.4): a system call costs about
// a microsecond on a VM, and a receiver that reads the length and then the
// payload makes two per message. Reading ahead would make one per many, but
// bytes read ahead are gone from the descriptor: a select()/poll() on
// fileno() (asyncio's add_reader, a child sharing the end) would then wait
// for messages that sit in this process's buffer. In packet mode each write of
// at most PIPE_BUF bytes is one packet and a read returns at most one packet,
// so a frame that fits in PIPE_BUF arrives with one read of PIPE_BUF bytes and
// nothing beyond it is taken.
//
// A larger frame would arrive a page per read in packet mode (half a plain
// pipe's speed for 1 MiB messages). So it goes in two parts: one packet of
// PIPE_BUF bytes (the length and the payload's first bytes), then the rest of
// the payload, padded with zeros to a whole number of pages, written with
// packet mode switched off on the write end for that write. The receiver,
// knowing the length, reads the rest and the padding exactly. The padding
// matters: the kernel merges a later write into a pipe buffer that a plain
// write left partly filled, and a small packet merged into the tail of a big
// message would be read together with it. Switching the mode is safe because
// sends on an end are serialised (the send mutex); writers in two processes
// on one end at once may interleave large messages, as in Python.
#include <concur/detail/os_error.hpp>
#include <concur/detail/prefault.hpp>
#include <concur/multiprocessing/connection.hpp>
#include <concur/multiprocessing/detail/sigpipe.hpp>
#include <concur/multiprocessing/detail/unshared_buffer.hpp>

#include <fcntl.h>
#include <limits.h>
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
#include <stdexcept>

namespace concur::multiprocessing {

struct Connection::State {
    State(int descriptor, bool can_read, bool can_write, bool is_socket, bool in_packets) noexcept
        : fd(descriptor),
          readable(can_read),
          writable(can_write),
          socket(is_socket),
          packets(in_packets) {}
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
    const bool packets;     // a pipe in packet mode: frames as the file comment says
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

// Writes every byte of `iov` (modified), through partial writes and EINTR.
void write_all(int fd, bool socket, iovec* iov, int count) {
    if (!socket) detail::block_sigpipe_on_this_thread();
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
            if (error == EPIPE && !socket) detail::discard_raised_sigpipe();
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

// Reads at most `size` bytes (at least one; 0 only at EOF), through EINTR and
// a descriptor someone made non-blocking.
std::size_t read_some(int fd, std::byte* data, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(fd, data, std::min<std::size_t>(size, std::size_t{1} << 30));
        if (n >= 0) return static_cast<std::size_t>(n);
        const int error = errno;
        if (error == EINTR) continue;
        if (error == EAGAIN || error == EWOULDBLOCK) {
            wait_for(fd, POLLIN);
            continue;
        }
        concur::detail::raise_os_error(error);
    }
}

// Reads exactly `size` bytes. EOF raises EOFError: with no message at a
// message boundary (`boundary` and nothing read yet), as Python; otherwise
// saying the message was cut.
void read_exact(int fd, std::byte* data, std::size_t size, bool boundary) {
    std::size_t done = 0;
    while (done < size) {
        const std::size_t n = read_some(fd, data + done, size - done);
        if (n == 0) {
            if (boundary && done == 0) throw EOFError("");
            throw EOFError("end of file in the middle of a message");
        }
        done += n;
    }
}

// Reads and drops `size` bytes (never from a packet: see the file comment).
void discard(int fd, std::uint64_t size) {
    std::byte sink[64 * 1024];
    while (size > 0) {
        const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof sink));
        read_exact(fd, sink, chunk, false);
        size -= chunk;
    }
}

// The most a packet holds: a write of up to PIPE_BUF bytes is one packet.
constexpr std::size_t kPacket = PIPE_BUF;
constexpr std::size_t kHeader = 8;

// Zeros after the rest of a frame larger than a packet, up to a page boundary.
std::size_t padding_after(std::uint64_t rest) noexcept {
    const std::uint64_t page = concur::detail::page_size();
    return static_cast<std::size_t>((page - rest % page) % page);
}

// Clears packet mode on a pipe's write end for its lifetime.
class PlainWrites {
  public:
    explicit PlainWrites(int fd) : fd_(fd), flags_(::fcntl(fd, F_GETFL)) {
        if (flags_ < 0 || ::fcntl(fd_, F_SETFL, flags_ & ~O_DIRECT) != 0)
            concur::detail::raise_os_error(errno);
    }
    ~PlainWrites() { ::fcntl(fd_, F_SETFL, flags_); }
    PlainWrites(const PlainWrites&) = delete;
    PlainWrites& operator=(const PlainWrites&) = delete;

  private:
    int fd_;
    int flags_;
};

// The iovecs of bytes [from, to) of `parts` laid end to end, into `out`
// (room for parts.size()); returns how many.
int slice(std::span<const std::span<const std::byte>> parts, std::size_t from, std::size_t to,
          iovec* out) noexcept {
    int count = 0;
    std::size_t at = 0;
    for (const std::span<const std::byte> part : parts) {
        const std::size_t begin = std::max(from, at);
        const std::size_t end = std::min(to, at + part.size());
        if (begin < end)
            out[count++] = {const_cast<std::byte*>(part.data()) + (begin - at), end - begin};
        at += part.size();
    }
    return count;
}

// Writes one frame, `parts` laid end to end (the kHeader-byte length first):
// one packet or, when `packets` and it is larger, the two parts of the file
// comment.
void write_frame(int fd, bool socket, bool packets,
                 std::span<const std::span<const std::byte>> parts) {
    constexpr std::size_t kMostParts = 3;
    iovec iov[kMostParts + 1];
    if (parts.size() > kMostParts) throw std::logic_error("write_frame: too many parts");
    std::size_t total = 0;
    for (const std::span<const std::byte> part : parts) total += part.size();
    if (!packets || total <= kPacket) {
        write_all(fd, socket, iov, slice(parts, 0, total, iov));
        return;
    }
    write_all(fd, socket, iov, slice(parts, 0, kPacket, iov));
    static const std::vector<std::byte> zeros(concur::detail::page_size());
    const int count = slice(parts, kPacket, total, iov);
    iov[count] = {const_cast<std::byte*>(zeros.data()), padding_after(total - kPacket)};
    PlainWrites plain(fd);
    write_all(fd, false, iov, count + 1);
}

// Python's OSError("bad message length"): a frame longer than the receiver
// accepts, or one whose first packet does not match its length.
[[noreturn]] void throw_bad_message_length() {
    throw OSError("bad message length");
}

// One frame being received, in the layout its sender used: the constructor
// reads the length (in packet mode, the first packet), then read_into() or
// skip() consume the payload.
class FrameReader {
  public:
    // EOF before the frame raises EOFError(""), as Python at a message
    // boundary; a first packet that does not fit the layout, OSError.
    FrameReader(int fd, bool packets) : fd_(fd) {
        if (!packets) {
            read_exact(fd_, reinterpret_cast<std::byte*>(&length_), kHeader, true);
            return;
        }
        const std::size_t got = read_some(fd_, first_, kPacket);
        if (got == 0) throw EOFError("");
        if (got < kHeader) throw OSError("bad message header");
        std::memcpy(&length_, first_, kHeader);
        inline_ = got - kHeader;
        const bool split = length_ > kPacket - kHeader;
        if (split ? inline_ != kPacket - kHeader : inline_ != length_) throw_bad_message_length();
        if (split) padding_ = padding_after(length_ - inline_);
    }
    FrameReader(const FrameReader&) = delete;
    FrameReader& operator=(const FrameReader&) = delete;

    std::uint64_t length() const noexcept { return length_; }
    // The length as a size a buffer can have.
    std::size_t size() const {
        if (length_ > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
            throw_bad_message_length();
        return static_cast<std::size_t>(length_);
    }

    // Reads the payload, length() bytes, into `out`.
    void read_into(std::byte* out) {
        if (inline_ != 0) std::memcpy(out, first_ + kHeader, inline_);
        read_exact(fd_, out + inline_, static_cast<std::size_t>(length_ - inline_), false);
        discard(fd_, padding_);
    }
    // Reads the payload into a new buffer.
    detail::Bytes read() {
        detail::Bytes message(size());
        read_into(message.data());
        return message;
    }
    // Reads and drops the payload.
    void skip() { discard(fd_, length_ - inline_ + padding_); }

  private:
    int fd_;
    std::uint64_t length_ = 0;
    std::size_t inline_ = 0;   // payload bytes that came in the first packet
    std::size_t padding_ = 0;  // zeros after the payload
    std::byte first_[kPacket];
};

bool is_socket(int fd) {
    struct stat info {};
    return ::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

}  // namespace

Connection::Connection(int fd, bool readable, bool writable, bool packets) {
    try {
        const bool socket = is_socket(fd);
        state_ = std::make_shared<State>(fd, readable, writable, socket, packets && !socket);
    } catch (...) {
        ::close(fd);
        throw;
    }
}

Connection Connection::adopt_received(std::uint32_t index, bool readable, bool writable,
                                      bool packets) {
    const int received = detail::received_fd(index);
    const int mine = ::fcntl(received, F_DUPFD_CLOEXEC, 0);
    if (mine < 0) concur::detail::raise_os_error(errno);
    return Connection(mine, readable, writable, packets);
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
bool Connection::packets() const noexcept {
    return state_ && state_->packets;
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
    static_assert(kHeaderSize == kHeader);
    check_writable();
    const std::uint64_t length = frame.size() - kHeaderSize;
    std::memcpy(frame.data(), &length, kHeaderSize);
    const std::span<const std::byte> parts[1] = {frame};
    std::lock_guard guard(state_->send_mutex);
    write_frame(fileno(), state_->socket, state_->packets, parts);
}

void Connection::send_bytes_impl(std::span<const std::byte> buffer, std::size_t offset,
                                 std::optional<std::size_t> size) {
    check_writable();
    if (offset > buffer.size()) throw ValueError("buffer length < offset");
    if (size && *size > buffer.size() - offset) throw ValueError("buffer length < offset + size");
    const std::span<const std::byte> payload =
        buffer.subspan(offset, size ? *size : buffer.size() - offset);
    const std::span<const std::byte> parts[1] = {payload};
    send_parts(parts);
}

void Connection::send_parts(std::span<const std::span<const std::byte>> parts) {
    check_writable();
    std::uint64_t length = 0;
    for (const std::span<const std::byte> part : parts) length += part.size();
    std::span<const std::byte> frame[3] = {std::as_bytes(std::span(&length, 1))};
    if (parts.size() > 2) throw std::logic_error("send_parts: too many parts");
    std::copy(parts.begin(), parts.end(), frame + 1);
    std::lock_guard guard(state_->send_mutex);
    write_frame(fileno(), state_->socket, state_->packets,
                std::span<const std::span<const std::byte>>(frame, parts.size() + 1));
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

detail::Bytes Connection::recv_impl(std::optional<std::size_t> maxlength) {
    check_readable();
    std::lock_guard guard(state_->recv_mutex);
    FrameReader frame(fileno(), state_->packets);
    if (maxlength && frame.length() > *maxlength) {
        frame.skip();
        throw_bad_message_length();
    }
    return frame.read();
}

void Connection::recv_to(void* context, void (*consume)(void*, std::span<const std::byte>)) {
    // A buffer per thread, so that a stream of messages costs no allocation
    // (a fresh megabyte is a page fault per 4 KiB); one that grew beyond
    // kKept is let go after its message.
    constexpr std::size_t kKept = std::size_t{64} << 20;
    thread_local detail::Bytes buffer;
    struct Trim {
        ~Trim() {
            if (buffer.size() > kKept) detail::Bytes().swap(buffer);
        }
    } trim;
    consume(context, recv_reusing(buffer));
}

std::span<const std::byte> Connection::recv_reusing(detail::Bytes& buffer) {
    return recv_with(&buffer, [](void* context, std::size_t size) {
        auto& bytes = *static_cast<detail::Bytes*>(context);
        detail::grow_for_writing(bytes, size);  // never shrinks: no zero-fill per message
        return bytes.data();
    });
}

std::span<const std::byte> Connection::recv_reusing(detail::UnsharedBuffer& buffer) {
    return recv_with(&buffer, [](void* context, std::size_t size) {
        auto& unshared = *static_cast<detail::UnsharedBuffer*>(context);
        return unshared.size() >= size ? unshared.data() : unshared.resize(size).data();
    });
}

std::span<const std::byte> Connection::recv_with(void* context,
                                                 std::byte* (*room)(void*, std::size_t)) {
    check_readable();
    std::lock_guard guard(state_->recv_mutex);
    FrameReader frame(fileno(), state_->packets);
    const std::size_t size = frame.size();
    std::byte* data = room(context, size);
    frame.read_into(data);
    return std::span<const std::byte>(data, size);
}

std::size_t Connection::recv_into_impl(std::span<std::byte> buffer, std::size_t offset) {
    check_readable();
    if (offset > buffer.size()) throw ValueError("offset too large");
    std::lock_guard guard(state_->recv_mutex);
    FrameReader frame(fileno(), state_->packets);
    const std::uint64_t length = frame.length();
    if (length > buffer.size() - offset) {
        detail::Bytes message = frame.read();
        throw BufferTooShort(
            "a message of " + std::to_string(length) + " bytes does not fit in a buffer of " +
                std::to_string(buffer.size()) + " bytes from offset " + std::to_string(offset),
            std::move(message));
    }
    frame.read_into(buffer.data() + offset);
    return static_cast<std::size_t>(length);
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
        Connection first(fds[0], true, true, false);
        Connection second(fds[1], true, true, false);
        return {std::move(first), std::move(second)};
    }
    // Packet mode (see the file comment); a kernel without it gets a plain
    // pipe, read a length and a payload at a time. Only the write end shows
    // O_DIRECT, so both ends are told.
    bool packets = ::pipe2(fds, O_CLOEXEC | O_DIRECT) == 0;
    if (!packets && (errno != EINVAL || ::pipe2(fds, O_CLOEXEC) != 0))
        concur::detail::raise_os_error(errno);
    Connection reader(fds[0], true, false, packets);
    Connection writer(fds[1], false, true, packets);
    return {std::move(reader), std::move(writer)};
}

}  // namespace concur::multiprocessing
