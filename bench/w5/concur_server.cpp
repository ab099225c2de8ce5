// W5 "async-echo", concur server (bench/README.md, bench/w5/workload.hpp).
//
// System: concur-asyncio -- the shape of Python's echo server:
// `asyncio::start_server(echo, "127.0.0.1", 0)`, where echo() loops
// `data = co_await reader.read(64 KiB)`; `writer.write(data)`;
// `co_await writer.drain()` until EOF, then closes the writer. TCP_NODELAY is
// set by concur on every TCP connection (as by Python's asyncio). One event
// loop (asyncio::run). Exits with status 0 after C connections have closed, or
// with status 1 when the 120 s guard passes first.
//
// Usage: bench_w5_concur_server [concur-asyncio] [C]   (C = 100; or --list)
// Pins itself to W5_PIN's first CPU (default 0; "none": no pinning).
#include <concur/asyncio.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "workload.hpp"

namespace asyncio = concur::asyncio;

namespace {

constexpr const char* kSystem = "concur-asyncio";

struct Counts {
    long to_close = w5::kConnections;
    long closed = 0;
    asyncio::Event all_closed;
};

Counts* counts = nullptr;  // the server callback is a plain function, as in Python

asyncio::Coroutine<void> echo(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
    for (;;) {
        std::string data = co_await reader.read(static_cast<std::int64_t>(w5::kServerReadBytes));
        if (data.empty()) break;  // EOF
        writer.write(data);
        co_await writer.drain();
    }
    writer.close();
    if (++counts->closed == counts->to_close) counts->all_closed.set();
}

asyncio::Coroutine<int> serve() {
    asyncio::Server server = co_await asyncio::start_server(echo, "127.0.0.1", 0);
    std::printf("%d\n", server.sockets().at(0).getsockname().second);
    std::fflush(stdout);
    int status = 0;
    try {
        co_await asyncio::wait_for(counts->all_closed.wait(), double(w5::kServerGuardSeconds));
    } catch (const concur::TimeoutError&) {
        std::fprintf(stderr,
                     "bench_w5_concur_server: guard: %d s passed with %ld of %ld connections "
                     "closed\n",
                     w5::kServerGuardSeconds, counts->closed, counts->to_close);
        status = 1;
    }
    server.close();
    co_await server.wait_closed();
    co_return status;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
        std::printf("%s\n", kSystem);
        return 0;
    }
    Counts state;
    counts = &state;
    int arg = 1;
    if (argc > arg && std::strcmp(argv[arg], kSystem) == 0) ++arg;
    if (argc > arg) state.to_close = std::atol(argv[arg++]);
    if (argc > arg || state.to_close <= 0) {
        std::fprintf(stderr, "usage: %s [%s] [connections=%ld]   (or --list)\n", argv[0], kSystem,
                     w5::kConnections);
        return 2;
    }
    w5::pin_self(0);
    return asyncio::run(serve());
}
