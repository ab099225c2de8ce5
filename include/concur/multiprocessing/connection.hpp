// concur/multiprocessing/connection.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Pipe()` and `Connection` mirror Python's
// `multiprocessing.Pipe(duplex=True)` and
// `multiprocessing.connection.Connection`: two ends of a byte stream between
// processes (or threads) that carry whole messages.
//
// Messages. send(obj) sends any detail::Serialisable value (what pickle does
// in Python: trivially copyable types and types with a cereal serialize(); see
// detail/wire.hpp) and recv<T>() gets it back -- the receiver names the type,
// and a message that does not hold exactly one T raises ValueError.
// send_bytes()/recv_bytes() carry raw bytes. Each message is one frame (an
// 8-byte length, then the payload): boundaries are kept, messages of any size
// work (also 2^31 bytes and more).
//
// Differences from Python:
//  * A Connection is a handle: copies refer to the same end of the pipe and
//    share its descriptor, which closes when the last copy in this process
//    goes, or at once for every copy on close(). A default-constructed or
//    moved-from Connection is closed.
//  * EOF in the middle of a message raises EOFError (Python: OSError "got end
//    of file during message").
//  * recv_bytes(maxlength) on a longer message reads and discards that message
//    before raising OSError("bad message length"), so the connection stays
//    usable (Python leaves the stream in the middle of the message).
//  * Writing to an end whose peer is closed raises concur::BrokenPipeError (an
//    OSError, as in Python) and never delivers SIGPIPE: sockets send with
//    MSG_NOSIGNAL; the first send on a pipe from a thread blocks SIGPIPE on
//    that thread and leaves it blocked (a signal mask change per message
//    would cost more than the write), and the SIGPIPE a failed write raises
//    is discarded. So, as in Python (which ignores SIGPIPE in the whole
//    process), any later write from that thread to a closed pipe or socket
//    fails with EPIPE instead of ending the process; threads it starts
//    inherit the mask. The process's SIGPIPE disposition is not changed, and
//    children concur execs (spawn, forkserver) start with SIGPIPE unblocked.
//  * Pipe(false) is a pipe in packet mode (O_DIRECT, Linux >= 3.4), so that a
//    message of up to 4 KiB costs one write and one read; larger ones are
//    padded to a whole page (see connection.cpp). Bytes written to fileno()
//    by other means break the framing (as in Python).
//  * Passing a Connection to a child: by value to a child created by fork();
//    for spawn and forkserver its serialisation carries the descriptor (see
//    detail/fd_passing.hpp). Sending a Connection through another Connection
//    or a Queue raises RuntimeError (Python can do it with its resource
//    sharer; concur cannot, yet).
//
// Errors, as Python: any call on a closed Connection (except close(),
// closed(), readable(), writable()) raises OSError("handle is closed");
// sending on a read-only end OSError("connection is read-only"), receiving on
// a write-only end OSError("connection is write-only"). A failing system call
// raises OSError with its errno.
//
// Thread-safety: sends on one end are serialised by a mutex, and so are
// receives, so any number of threads may send and receive on the same end at
// once; each message arrives whole. (So, as with any lock and fork(): a
// child forked while another thread is inside send() or recv() on an end must
// not use that end -- its copy of the lock stays held.) close() must not run
// concurrently with another call on the same end (as with any descriptor: a
// thread blocked in recv() on a closed descriptor would then read whatever
// reuses its number). Distinct copies may be used, copied and destroyed from
// any threads (as std::shared_ptr).
//
// Example:
//
//   namespace mp = concur::multiprocessing;
//   auto [parent, child] = mp::Pipe();
//   if (::fork() == 0) {
//       parent.close();
//       child.send(child.recv<int>() * 2);
//       ::_exit(0);
//   }
//   child.close();
//   parent.send(21);
//   if (parent.poll(std::chrono::seconds(5))) std::printf("%d\n", parent.recv<int>());  // 42
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>
#include <concur/multiprocessing/detail/fd_passing.hpp>
#include <concur/multiprocessing/detail/wire.hpp>
#include <concur/multiprocessing/exceptions.hpp>

namespace concur::multiprocessing {

namespace detail {
// A contiguous, sized range of char, signed char, unsigned char or std::byte:
// what send_bytes() accepts (Python: any bytes-like object).
template <class R>
concept ByteRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    (std::is_same_v<std::remove_cv_t<std::ranges::range_value_t<R>>, char> ||
     std::is_same_v<std::remove_cv_t<std::ranges::range_value_t<R>>, signed char> ||
     std::is_same_v<std::remove_cv_t<std::ranges::range_value_t<R>>, unsigned char> ||
     std::is_same_v<std::remove_cv_t<std::ranges::range_value_t<R>>, std::byte>);

// A ByteRange whose elements can be written: what recv_bytes_into() fills.
template <class R>
concept WritableByteRange =
    ByteRange<R> && !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;
}  // namespace detail

class Connection;
std::pair<Connection, Connection> Pipe(bool duplex = true);
namespace detail {
struct ConnectionAccess;  // worker_pool.cpp: messages without copies
class UnsharedBuffer;
}  // namespace detail

class Connection {
  public:
    // A closed Connection (every operation but close()/closed()/readable()/
    // writable() raises OSError). Pipe() makes the useful ones.
    Connection() noexcept = default;

    // Sends `obj` as one message; text that is not a std::string ("literal",
    // std::string_view, a C string) goes as a std::string. Blocks while the
    // pipe is full (until the peer reads). Throws OSError (closed, read-only,
    // a failed write), BrokenPipeError (the peer is closed), RuntimeError
    // (obj holds a handle and no process start is serialising it).
    // Thread-safe: yes.
    template <class T>
    void send(const T& obj) {
        check_writable();
        if constexpr (detail::wire_impl::kContiguous<T>) {
            // The bytes dump() would make (a count, then the elements),
            // written from where they are.
            const std::uint64_t count = obj.size();
            const std::span<const std::byte> parts[2] = {
                std::as_bytes(std::span<const std::uint64_t, 1>(&count, 1)),
                std::as_bytes(std::span(obj.data(), obj.size()))};
            send_parts(parts);
        } else {
            detail::Bytes frame(kHeaderSize);
            detail::dump(frame, obj);
            send_frame(std::move(frame));
        }
    }

    // Receives one message holding a T. Blocks until a whole message is there.
    // Throws EOFError (the peer closed, also in the middle of the message),
    // ValueError (the message is not exactly one T), OSError (closed,
    // write-only, a failed read). Thread-safe: yes.
    template <class T>
    T recv() {
        std::optional<T> result;
        auto load = [&result](std::span<const std::byte> bytes) {
            result.emplace(detail::loads<T>(bytes));
        };
        recv_to(&load, [](void* context, std::span<const std::byte> bytes) {
            (*static_cast<decltype(load)*>(context))(bytes);
        });
        return std::move(*result);
    }

    // Sends bytes [offset, offset + size) of `buffer` (to its end when `size`
    // is not given) as one message. A const char array -- a string literal --
    // counts up to its first NUL, so send_bytes("abc") sends 3 bytes, as
    // Python's send_bytes(b"abc"); other arrays count whole. Blocks as send().
    // Throws ValueError when the range is outside the buffer ("buffer length
    // < offset", "buffer length < offset + size"), otherwise as send().
    // Thread-safe: yes.
    template <detail::ByteRange R>
    void send_bytes(R&& buffer, std::size_t offset = 0,
                    std::optional<std::size_t> size = std::nullopt) {
        using Buffer = std::remove_reference_t<R>;
        auto length = static_cast<std::size_t>(std::ranges::size(buffer));
        if constexpr (std::is_array_v<Buffer> && std::is_const_v<Buffer> &&
                      std::is_same_v<std::remove_cv_t<std::remove_extent_t<Buffer>>, char>)
            length = ::strnlen(buffer, length);
        const auto* bytes = reinterpret_cast<const std::byte*>(std::ranges::data(buffer));
        send_bytes_impl(std::span<const std::byte>(bytes, length), offset, size);
    }

    // Receives one message as bytes. Blocks and throws as recv() (no
    // ValueError). Thread-safe: yes.
    detail::Bytes recv_bytes();

    // Receives one message of at most `maxlength` bytes. A longer message is
    // read and dropped, then OSError("bad message length") is raised.
    detail::Bytes recv_bytes(std::size_t maxlength);

    // Receives one message into `buffer` from byte `offset` on and returns its
    // size (Python's recv_bytes_into). Blocks as recv(). Throws ValueError
    // ("offset too large") for an offset past the end of the buffer;
    // BufferTooShort when the message does not fit (it is consumed, and
    // e.message() holds it); otherwise as recv_bytes(). Thread-safe: yes.
    template <detail::WritableByteRange R>
    std::size_t recv_bytes_into(R&& buffer, std::size_t offset = 0) {
        const auto length = static_cast<std::size_t>(std::ranges::size(buffer));
        auto* bytes = reinterpret_cast<std::byte*>(std::ranges::data(buffer));
        return recv_into_impl(std::span<std::byte>(bytes, length), offset);
    }

    // Whether a message (or EOF) is there to receive; returns at once.
    // Throws OSError (closed, write-only). Thread-safe: yes.
    bool poll() const { return poll_until(nullptr, true); }

    // Waits at most `timeout` (none if negative) for something to receive.
    // Throws as poll(). Thread-safe: yes.
    template <class Rep, class Period>
    bool poll(std::chrono::duration<Rep, Period> timeout) const {
        const concur::detail::Deadline deadline = concur::detail::deadline_after(timeout);
        return poll_until(&deadline, false);
    }

    // Closes the end, for every copy. Closing twice is fine. Never blocks.
    // Not to be called concurrently with another call on this end.
    void close() noexcept;

    // Never block, never throw. Thread-safe: yes.
    bool closed() const noexcept;
    bool readable() const noexcept;  // Python's `readable` property
    bool writable() const noexcept;  // Python's `writable` property

    // The descriptor. Throws OSError when closed. Thread-safe: yes.
    int fileno() const;

    // cereal: a Connection inside a value being serialised for a process
    // start (an FdSendScope) travels with its descriptor; anywhere else it
    // raises RuntimeError. The loaded Connection owns a dup() of the received
    // descriptor.
    template <class Archive>
    void save(Archive& archive) const {
        const std::uint32_t index = register_for_send();
        archive(index, readable(), writable(), packets());
    }
    template <class Archive>
    void load(Archive& archive) {
        std::uint32_t index = 0;
        bool can_read = false;
        bool can_write = false;
        bool in_packets = false;
        archive(index, can_read, can_write, in_packets);
        *this = adopt_received(index, can_read, can_write, in_packets);
    }

  private:
    friend std::pair<Connection, Connection> Pipe(bool duplex);
    friend struct detail::ConnectionAccess;

    static constexpr std::size_t kHeaderSize = 8;
    struct State;  // the descriptor, its kind and direction, two mutexes

    // `packets`: a pipe end in packet mode (connection.cpp).
    Connection(int fd, bool readable, bool writable, bool packets);
    static Connection adopt_received(std::uint32_t index, bool readable, bool writable,
                                     bool packets);
    bool packets() const noexcept;
    std::uint32_t register_for_send() const;

    void check_writable() const;
    // `frame` starts with kHeaderSize bytes to fill in.
    void send_frame(detail::Bytes frame);
    // Sends the message made of `parts` laid end to end.
    void send_parts(std::span<const std::span<const std::byte>> parts);
    // Receives one message into a buffer of this thread (kept between calls
    // up to a size) and calls consume(context, its bytes) once, outside the
    // receive lock.
    void recv_to(void* context, void (*consume)(void*, std::span<const std::byte>));
    // Receives one message into `buffer` (grown when too small, never shrunk)
    // and returns where it is there.
    std::span<const std::byte> recv_reusing(detail::Bytes& buffer);
    std::span<const std::byte> recv_reusing(detail::UnsharedBuffer& buffer);
    // The two above: `room(context, size)` makes room for a message.
    std::span<const std::byte> recv_with(void* context, std::byte* (*room)(void*, std::size_t));
    void send_bytes_impl(std::span<const std::byte> buffer, std::size_t offset,
                         std::optional<std::size_t> size);
    detail::Bytes recv_impl(std::optional<std::size_t> maxlength);
    std::size_t recv_into_impl(std::span<std::byte> buffer, std::size_t offset);
    void check_readable() const;
    // nullptr and `now` true: return at once; nullptr alone: wait forever.
    bool poll_until(const concur::detail::Deadline* deadline, bool now) const;

    std::shared_ptr<State> state_;
};

// Python's `multiprocessing.Pipe(duplex=True)`: a connected pair of ends. With
// `duplex` both ends send and receive (a Unix socket pair); without, the first
// end only receives and the second only sends (a pipe). The descriptors are
// close-on-exec. Throws OSError when the system is out of descriptors.
// Thread-safe: yes.
//
//   auto [a, b] = Pipe();
//   a.send(std::string("hello"));
//   std::string s = b.recv<std::string>();
std::pair<Connection, Connection> Pipe(bool duplex);

}  // namespace concur::multiprocessing
