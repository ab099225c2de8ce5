// W4 "async-sleep", Boost.Asio peer (bench/README.md, bench/w4/workload.hpp).
//
// System: asio-coro -- Boost.Asio C++20 coroutines, one io_context run by one
// thread: N x co_spawn(ctx, sleeper(), detached), where sleeper() is an
// awaitable<void> that co_awaits a steady_timer of 1 s with use_awaitable
// (the timer is armed when the coroutine first runs, as a task's sleep is);
// "wait for all" = ctx.run() returns. A fresh io_context per repetition.
//
// Usage: peer_w4_asio asio-coro <n> [reps]
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

#include "workload.hpp"

namespace asio = boost::asio;

namespace {

asio::awaitable<void> sleeper(long& finished) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::seconds(1));
    co_await timer.async_wait(asio::use_awaitable);
    ++finished;
}

long one(long n, w4::Probe& probe) {
    asio::io_context ctx(1);  // concurrency hint: one thread runs it
    long finished = 0;
    probe.start();
    for (long i = 0; i < n; ++i) asio::co_spawn(ctx, sleeper(finished), asio::detached);
    ctx.run();
    probe.stop();
    return finished;
}

}  // namespace

int main(int argc, char** argv) {
    const bench::Args args = bench::parse(argc, argv, {"asio-coro"});
    return w4::run_repetitions(args, one);
}
