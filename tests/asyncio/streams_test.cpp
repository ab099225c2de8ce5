// Tests for asyncio's streams: StreamReader's reads, TCP and Unix-domain
// servers and connections, EOF, back-pressure, errors. Ports of CPython's
// Lib/test/test_asyncio/test_streams.py where named. Servers bind
// 127.0.0.1 only; every wait is bounded.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <string>

namespace {

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

// Every test's coroutine runs under this bound: a hang fails, never blocks CI.
template <class T>
T run_bounded(asyncio::Coroutine<T> main_) {
    return asyncio::run(asyncio::wait_for(std::move(main_), 20.0));
}

// test_streams: test_readexactly_eof / test_readuntil_* on a fed reader.
TEST(StreamReader, ReadsFromFedData) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        asyncio::StreamReader r;
        r.feed_data("line one\nline two\nrest");
        r.feed_eof();
        EXPECT_EQ(co_await r.readline(), "line one\n");
        EXPECT_EQ(co_await r.readuntil("two"), "line two");
        EXPECT_EQ(co_await r.read(2), "\nr");
        EXPECT_EQ(co_await r.readline(), "est");  // partial at EOF
        EXPECT_EQ(co_await r.readline(), "");
        EXPECT_TRUE(r.at_eof());
    };
    run_bounded(main_());
}

TEST(StreamReader, ReadexactlyAtEofIsIncompleteReadError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::StreamReader r;
        r.feed_data("abc");
        r.feed_eof();
        try {
            co_await r.readexactly(5);
        } catch (const asyncio::IncompleteReadError& e) {
            co_return e.partial() == "abc" && e.expected() == 5u;
        }
        co_return false;
    };
    EXPECT_TRUE(run_bounded(main_()));
}

TEST(StreamReader, ReaduntilPastLimitIsLimitOverrunError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::StreamReader r(8);
        r.feed_data("0123456789abcdef");
        try {
            co_await r.readuntil("\n");
        } catch (const asyncio::LimitOverrunError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(run_bounded(main_()));
}

TEST(StreamReader, ReadWaitsForData) {
    auto main_ = []() -> asyncio::Coroutine<std::string> {
        asyncio::StreamReader r;
        auto feeder = [&]() -> asyncio::Coroutine<void> {
            co_await asyncio::sleep(0.01);
            r.feed_data("late");
        };
        auto t = asyncio::create_task(feeder());
        std::string got = co_await r.read(100);
        co_await t;
        co_return got;
    };
    EXPECT_EQ(run_bounded(main_()), "late");
}

TEST(StreamReader, TwoConcurrentReadersIsRuntimeError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::StreamReader r;
        auto first = asyncio::create_task(r.read(1));
        co_await asyncio::sleep(0.0);
        bool refused = false;
        try {
            co_await r.read(1);
        } catch (const concur::RuntimeError&) {
            refused = true;
        }
        r.feed_eof();
        co_await first;
        co_return refused;
    };
    EXPECT_TRUE(run_bounded(main_()));
}

asyncio::Coroutine<void> echo(asyncio::StreamReader r, asyncio::StreamWriter w) {
    for (;;) {
        std::string line = co_await r.readline();
        if (line.empty()) break;
        w.write(line);
        co_await w.drain();
    }
    w.close();
}

TEST(Streams, TcpEchoRoundTrips) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        asyncio::Server server = co_await asyncio::start_server(echo, "127.0.0.1", 0);
        const auto [host, port] = server.sockets().at(0).getsockname();
        EXPECT_EQ(host, "127.0.0.1");
        EXPECT_GT(port, 0);
        auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
        for (int i = 0; i < 100; ++i) {
            const std::string line = "message " + std::to_string(i) + "\n";
            w.write(line);
            EXPECT_EQ(co_await r.readline(), line);
        }
        auto peer = w.get_extra_info("peername");
        EXPECT_TRUE(peer.has_value() && peer->second == port);
        EXPECT_FALSE(w.get_extra_info("unknown").has_value());
        w.close();
        co_await w.wait_closed();
        server.close();
        co_await server.wait_closed();
        EXPECT_FALSE(server.is_serving());
    };
    run_bounded(main_());
}

TEST(Streams, ManyClientsAtOnce) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        asyncio::Server server = co_await asyncio::start_server(echo, "127.0.0.1", 0);
        const int port = server.sockets().at(0).getsockname().second;
        auto client = [port](int id) -> asyncio::Coroutine<int> {
            auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
            int ok = 0;
            for (int i = 0; i < 20; ++i) {
                std::string line = std::to_string(id) + ":" + std::to_string(i) + "\n";
                w.write(line);
                ok += (co_await r.readline() == line);
            }
            w.close();
            co_return ok;
        };
        std::vector<asyncio::Coroutine<int>> clients;
        for (int id = 0; id < 50; ++id) clients.push_back(client(id));
        auto results = co_await asyncio::gather(std::move(clients));
        server.close();
        co_await server.wait_closed();
        int total = 0;
        for (int n : results) total += n;
        co_return total;
    };
    EXPECT_EQ(run_bounded(main_()), 50 * 20);
}

TEST(Streams, LocalhostNameIsResolved) {
    auto main_ = []() -> asyncio::Coroutine<std::string> {
        asyncio::Server server = co_await asyncio::start_server(echo, "127.0.0.1", 0);
        const int port = server.sockets().at(0).getsockname().second;
        auto [r, w] = co_await asyncio::open_connection("localhost", port);
        w.write("hi\n");
        std::string got = co_await r.readline();
        w.close();
        server.close();
        co_await server.wait_closed();
        co_return got;
    };
    EXPECT_EQ(run_bounded(main_()), "hi\n");
}

TEST(Streams, ConnectionRefused) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        // A port that was free a moment ago: bind, note it, close.
        asyncio::Server probe = co_await asyncio::start_server(echo, "127.0.0.1", 0);
        const int port = probe.sockets().at(0).getsockname().second;
        probe.close();
        co_await probe.wait_closed();
        try {
            co_await asyncio::open_connection("127.0.0.1", port);
        } catch (const concur::ConnectionRefusedError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(run_bounded(main_()));
}

// EOF from the client: the server's read(-1) gets everything, then at_eof.
TEST(Streams, WriteEofEndsTheServersRead) {
    auto main_ = []() -> asyncio::Coroutine<std::string> {
        std::string received;
        auto collect = [&](asyncio::StreamReader r,
                           asyncio::StreamWriter w) -> asyncio::Coroutine<void> {
            received = co_await r.read();
            EXPECT_TRUE(r.at_eof());
            w.write("bye");
            w.close();
        };
        asyncio::Server server = co_await asyncio::start_server(collect, "127.0.0.1", 0);
        const int port = server.sockets().at(0).getsockname().second;
        auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
        w.write("part one, ");
        w.write("part two");
        w.write_eof();
        std::string reply = co_await r.read();
        server.close();
        co_await server.wait_closed();
        co_return received + "|" + reply;
    };
    EXPECT_EQ(run_bounded(main_()), "part one, part two|bye");
}

// Back-pressure: drain() waits while the peer does not read.
TEST(Streams, DrainWaitsForThePeer) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::Event start_reading;
        std::size_t got = 0;
        auto slow = [&](asyncio::StreamReader r,
                        asyncio::StreamWriter) -> asyncio::Coroutine<void> {
            co_await start_reading.wait();
            for (;;) {
                std::string chunk = co_await r.read(1 << 16);
                if (chunk.empty()) break;
                got += chunk.size();
            }
        };
        asyncio::Server server = co_await asyncio::start_server(slow, "127.0.0.1", 0);
        const int port = server.sockets().at(0).getsockname().second;
        auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
        const std::string block(1 << 20, 'x');
        for (int i = 0; i < 32; ++i) w.write(block);  // 32 MiB: more than the kernel buffers
        EXPECT_GT(w.get_write_buffer_size(), 0u);
        bool blocked = false;
        try {
            co_await asyncio::wait_for(w.drain(), 0.1);
        } catch (const concur::TimeoutError&) {
            blocked = true;
        }
        start_reading.set();
        co_await w.drain();
        w.close();
        co_await w.wait_closed();
        server.close();
        co_await server.wait_closed();
        co_return blocked&& got == 32u << 20;
    };
    EXPECT_TRUE(run_bounded(main_()));
}

TEST(Streams, HandlerExceptionIsReportedAndConnectionClosed) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        std::string reported;
        asyncio::get_running_loop()->set_exception_handler(
            [&](asyncio::EventLoop&, const asyncio::ExceptionContext& c) { reported = c.message; });
        auto failing = [](asyncio::StreamReader,
                          asyncio::StreamWriter) -> asyncio::Coroutine<void> {
            throw concur::ValueError("handler");
            co_return;
        };
        asyncio::Server server = co_await asyncio::start_server(failing, "127.0.0.1", 0);
        const int port = server.sockets().at(0).getsockname().second;
        auto [r, w] = co_await asyncio::open_connection("127.0.0.1", port);
        std::string rest = co_await r.read();  // EOF: the server closed it
        server.close();
        co_await server.wait_closed();
        co_return rest.empty() && reported == "Unhandled exception in client_connected_cb";
    };
    EXPECT_TRUE(run_bounded(main_()));
}

TEST(Streams, UnixDomainEcho) {
    const std::string path = "/tmp/concur-asyncio-test-" + std::to_string(::getpid()) + ".sock";
    auto main_ = [&]() -> asyncio::Coroutine<std::string> {
        asyncio::Server server = co_await asyncio::start_unix_server(echo, path);
        EXPECT_EQ(server.sockets().at(0).getsockname().first, path);
        auto [r, w] = co_await asyncio::open_unix_connection(path);
        w.write("over a unix socket\n");
        std::string got = co_await r.readline();
        w.close();
        server.close();
        co_await server.wait_closed();
        co_return got;
    };
    EXPECT_EQ(run_bounded(main_()), "over a unix socket\n");
    EXPECT_NE(::access(path.c_str(), F_OK), 0);  // removed on close
}

TEST(Streams, UnixConnectToMissingPathIsFileNotFound) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        co_await asyncio::open_unix_connection("/tmp/concur-no-such-socket");
    };
    EXPECT_THROW(run_bounded(main_()), concur::FileNotFoundError);
}

TEST(Streams, ServeForeverEndsWhenCancelled) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::Server server = co_await asyncio::start_server(echo, "127.0.0.1", 0);
        auto serving = asyncio::create_task(server.serve_forever());
        co_await asyncio::sleep(0.01);
        serving.cancel();
        try {
            co_await serving;
        } catch (const concur::CancelledError&) {
        }
        co_return !server.is_serving();
    };
    EXPECT_TRUE(run_bounded(main_()));
}

}  // namespace
