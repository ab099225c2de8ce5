// concur/asyncio/streams.hpp
// -----------------------------------------------------------------------------
// asyncio's streams, mirroring Python's asyncio streams API: TCP and
// Unix-domain connections as a reader and a writer, and servers.
//
//   Python                                  concur
//   --------------------------------------  ----------------------------------------
//   r, w = await asyncio.open_connection(   auto [r, w] = co_await
//       h, p)                                   asyncio::open_connection(h, p);
//   srv = await asyncio.start_server(       asyncio::Server srv = co_await
//       cb, h, p)                               asyncio::start_server(cb, h, p);
//   srv.sockets[0].getsockname()            srv.sockets().at(0).getsockname()
//                                               -> {host, port}
//   srv.close(); await srv.wait_closed()    the same
//   await srv.serve_forever()               co_await srv.serve_forever()
//   asyncio.open_unix_connection(path)      asyncio::open_unix_connection(path)
//   asyncio.start_unix_server(cb, path)     asyncio::start_unix_server(cb, path)
//   await r.read(n) / readline() /          co_await r.read(n) / readline() /
//     readexactly(n) / readuntil(sep)           readexactly(n) / readuntil(sep)
//   r.at_eof()                              r.at_eof()
//   w.write(b); await w.drain()             w.write(bytes); co_await w.drain();
//   w.close(); await w.wait_closed()        the same
//   w.get_extra_info("peername")            w.get_extra_info("peername")
//                                               -> optional {host, port}
//
// Python's `bytes` are std::string here. The callback of a server is
// `Coroutine<void>(StreamReader, StreamWriter)` (a function or a lambda; it
// runs as a task per connection; an exception it lets out is reported
// through the loop's exception handler and the connection is closed).
// Readers and writers are handles: copies refer to the same stream.
//
// TCP connections have TCP_NODELAY set, as Python's asyncio does.
//
// Back-pressure: the reader stops reading from the socket when more than
// 2 x `limit` bytes wait in its buffer and starts again below `limit`;
// drain() suspends while more than the high-water mark (64 KiB) waits to
// be sent, until it falls to the low-water mark (16 KiB)
// (set_write_buffer_limits changes them).
//
// Errors: IncompleteReadError (readexactly, readuntil at EOF),
// LimitOverrunError (readuntil/readline: no separator within `limit`),
// ConnectionRefusedError, ConnectionResetError, BrokenPipeError and other
// OSErrors from the system, with Python's "[Errno N] ..." messages;
// RuntimeError when two tasks read one stream at once. Loop-thread only.
//
// Example:
//
//   asyncio::Coroutine<void> echo(asyncio::StreamReader r, asyncio::StreamWriter w) {
//       while (true) {
//           std::string line = co_await r.readline();
//           if (line.empty()) break;                 // EOF
//           w.write(line);
//           co_await w.drain();
//       }
//       w.close();
//   }
//   asyncio::Server srv = co_await asyncio::start_server(echo, "127.0.0.1", 0);
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/exceptions.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concur::asyncio {

// A socket address as Python gives it: (host, port); for a Unix-domain
// socket, (path, 0).
using SocketAddress = std::pair<std::string, int>;

inline constexpr std::size_t default_stream_limit = 64 * 1024;

namespace detail {
struct ReaderState;
struct Transport;
struct ServerState;
}  // namespace detail

class StreamReader {
  public:
    // A reader fed by hand (feed_data/feed_eof), as Python's StreamReader().
    explicit StreamReader(std::size_t limit = default_stream_limit);

    // Up to `n` bytes (n < 0: everything until EOF); empty at EOF.
    Coroutine<std::string> read(std::int64_t n = -1);
    // One line with its "\n"; at EOF the partial last line, or empty.
    Coroutine<std::string> readline();
    // Exactly `n` bytes; IncompleteReadError if the stream ends first.
    Coroutine<std::string> readexactly(std::size_t n);
    // Bytes up to and with `separator`; IncompleteReadError at EOF,
    // LimitOverrunError past `limit`. ValueError for an empty separator.
    Coroutine<std::string> readuntil(std::string separator = "\n");
    // EOF seen and the buffer empty.
    bool at_eof() const noexcept;

    void feed_data(std::string_view data);
    void feed_eof();
    std::size_t limit() const noexcept;

    // Internal.
    explicit StreamReader(std::shared_ptr<detail::ReaderState> state) noexcept
        : state_(std::move(state)) {}

  private:
    std::shared_ptr<detail::ReaderState> state_;
};

class StreamWriter {
  public:
    // Queues `data` for sending (never blocks). Nothing after close().
    void write(std::string_view data);
    void writelines(const std::vector<std::string>& lines);
    // Suspends while more than the high-water mark waits to be sent; raises
    // the connection's error (e.g. ConnectionResetError) if it failed.
    Coroutine<void> drain();
    bool can_write_eof() const noexcept { return true; }
    // Half-closes: sends what is queued, then EOF.
    void write_eof();
    // Sends what is queued, then closes.
    void close();
    bool is_closing() const noexcept;
    // Suspends until the connection is closed.
    Coroutine<void> wait_closed();
    // "peername" or "sockname"; std::nullopt for other names or when unknown.
    std::optional<SocketAddress> get_extra_info(std::string_view name) const;
    std::size_t get_write_buffer_size() const noexcept;
    // ValueError unless high >= low.
    void set_write_buffer_limits(std::size_t high, std::size_t low);

    // Internal.
    explicit StreamWriter(std::shared_ptr<detail::Transport> transport) noexcept
        : transport_(std::move(transport)) {}

  private:
    std::shared_ptr<detail::Transport> transport_;
};

// A listening socket of a Server (Python's TransportSocket, reduced).
class ServerSocket {
  public:
    SocketAddress getsockname() const { return address_; }
    explicit ServerSocket(SocketAddress address) : address_(std::move(address)) {}

  private:
    SocketAddress address_;
};

class Server {
  public:
    Server() = default;
    // Stops listening (connections already accepted go on).
    void close();
    bool is_serving() const noexcept;
    // Suspends until the server is closed and its connections have ended.
    Coroutine<void> wait_closed();
    // Suspends until cancelled, then closes the server.
    Coroutine<void> serve_forever();
    std::vector<ServerSocket> sockets() const;

    // Internal.
    explicit Server(std::shared_ptr<detail::ServerState> state) noexcept
        : state_(std::move(state)) {}

  private:
    std::shared_ptr<detail::ServerState> state_;
};

using ClientConnected = std::function<Coroutine<void>(StreamReader, StreamWriter)>;

// Connects to host:port (a name is resolved first). OSError subclasses on
// failure (ConnectionRefusedError, ...).
Coroutine<std::pair<StreamReader, StreamWriter>> open_connection(
    std::string host, int port, std::size_t limit = default_stream_limit);
// Listens on host:port (port 0: a free port); `client_connected` runs as a
// task per connection.
Coroutine<Server> start_server(ClientConnected client_connected, std::string host, int port,
                               std::size_t limit = default_stream_limit, int backlog = 100);
Coroutine<std::pair<StreamReader, StreamWriter>> open_unix_connection(
    std::string path, std::size_t limit = default_stream_limit);
Coroutine<Server> start_unix_server(ClientConnected client_connected, std::string path,
                                    std::size_t limit = default_stream_limit, int backlog = 100);

}  // namespace concur::asyncio
