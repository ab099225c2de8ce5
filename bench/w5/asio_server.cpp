// W5 "async-echo", Boost.Asio server (bench/README.md, bench/w5/workload.hpp).
//
// System: asio-coro -- Boost.Asio C++20 coroutines, one io_context run by one
// thread: an acceptor coroutine on 127.0.0.1 port 0 (the port printed on the
// first stdout line) co_spawns one coroutine per connection, which sets
// no_delay(true) and loops `n = co_await async_read_some(64 KiB buffer)`;
// `co_await async_write(n bytes)` until EOF. Exits with status 0 after C
// connections have closed (the acceptor is closed and the guard cancelled, so
// run() returns), or with status 1 when the 120 s guard timer fires first.
//
// Usage: peer_w5_asio_server [asio-coro] [C]   (C = 100; or --list)
// Pins itself to W5_PIN's first CPU (default 0; "none": no pinning).
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "workload.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr const char* kSystem = "asio-coro";

struct Server {
    asio::io_context ctx{1};  // concurrency hint: one thread runs it
    tcp::acceptor acceptor{ctx};
    asio::steady_timer guard{ctx};
    long to_close = w5::kConnections;
    long closed = 0;
    bool guard_fired = false;
};

asio::awaitable<void> session(tcp::socket socket, Server& server) {
    error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    std::vector<char> data(w5::kServerReadBytes);
    for (;;) {
        const std::size_t n = co_await socket.async_read_some(
            asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // EOF or an error
        co_await asio::async_write(socket, asio::buffer(data.data(), n),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
    }
    socket.close(ec);
    if (++server.closed == server.to_close) {
        server.acceptor.close(ec);  // ends the acceptor coroutine
        server.guard.cancel();
    }
}

asio::awaitable<void> accept_loop(Server& server) {
    for (;;) {
        error_code ec;
        tcp::socket socket =
            co_await server.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (!server.acceptor.is_open()) co_return;
        if (ec) continue;
        asio::co_spawn(server.ctx, session(std::move(socket), server), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
        std::printf("%s\n", kSystem);
        return 0;
    }
    Server server;
    int arg = 1;
    if (argc > arg && std::strcmp(argv[arg], kSystem) == 0) ++arg;
    if (argc > arg) server.to_close = std::atol(argv[arg++]);
    if (argc > arg || server.to_close <= 0) {
        std::fprintf(stderr, "usage: %s [%s] [connections=%ld]   (or --list)\n", argv[0], kSystem,
                     w5::kConnections);
        return 2;
    }
    w5::pin_self(0);

    error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    server.acceptor.open(endpoint.protocol(), ec);
    if (!ec) server.acceptor.bind(endpoint, ec);
    if (!ec) server.acceptor.listen(1024, ec);
    if (ec) {
        std::fprintf(stderr, "peer_w5_asio_server: listen: %s\n", ec.message().c_str());
        return 2;
    }
    std::printf("%u\n", static_cast<unsigned>(server.acceptor.local_endpoint().port()));
    std::fflush(stdout);

    server.guard.expires_after(std::chrono::seconds(w5::kServerGuardSeconds));
    server.guard.async_wait([&server](const error_code& error) {
        if (error) return;  // cancelled: all connections closed
        std::fprintf(stderr,
                     "peer_w5_asio_server: guard: %d s passed with %ld of %ld connections closed\n",
                     w5::kServerGuardSeconds, server.closed, server.to_close);
        server.guard_fired = true;
        server.ctx.stop();
    });
    asio::co_spawn(server.ctx, accept_loop(server), asio::detached);
    server.ctx.run();
    return server.guard_fired ? 1 : 0;
}
