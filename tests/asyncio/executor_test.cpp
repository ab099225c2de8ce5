// Tests for the bridges between asyncio and threads: to_thread,
// run_in_executor, wrap_future, run_coroutine_threadsafe (CPython's
// test_asyncio/test_threads.py and test_tasks.py RunCoroutineThreadsafe).
#include <concur/asyncio.hpp>
#include <concur/futures.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

namespace asyncio = concur::asyncio;
namespace futures = concur::futures;
using namespace std::chrono_literals;

TEST(ToThread, RunsOffTheLoopThread) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        const auto loop_thread = std::this_thread::get_id();
        auto other = co_await asyncio::to_thread([] { return std::this_thread::get_id(); });
        co_return other != loop_thread;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(ToThread, ExceptionKeepsItsType) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        co_return co_await asyncio::to_thread(
            [](int x) -> int { throw concur::ValueError(std::to_string(x)); }, 3);
    };
    EXPECT_THROW(asyncio::run(main_()), concur::ValueError);
}

TEST(ToThread, LoopKeepsRunningMeanwhile) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        int ticks = 0;
        auto ticker = [&]() -> asyncio::Coroutine<void> {
            for (int i = 0; i < 5; ++i) {
                co_await asyncio::sleep(0.005);
                ++ticks;
            }
        };
        auto t = asyncio::create_task(ticker());
        co_await asyncio::to_thread([] { std::this_thread::sleep_for(100ms); });
        co_await t;
        co_return ticks;
    };
    EXPECT_EQ(asyncio::run(main_()), 5);
}

TEST(RunInExecutor, UsesTheGivenExecutor) {
    futures::ThreadPoolExecutor pool(1, "custom");
    auto main_ = [&]() -> asyncio::Coroutine<int> {
        co_return co_await asyncio::run_in_executor(
            &pool, [](int a, int b) { return a * b; }, 6, 7);
    };
    EXPECT_EQ(asyncio::run(main_()), 42);
}

TEST(WrapFuture, CompletesWithTheConcurrentFuture) {
    futures::Future<int> source;
    auto main_ = [&]() -> asyncio::Coroutine<int> {
        auto wrapped = asyncio::wrap_future(source);
        std::thread setter([&] {
            std::this_thread::sleep_for(20ms);
            source.set_result(9);
        });
        int v = co_await wrapped;
        setter.join();
        co_return v;
    };
    EXPECT_EQ(asyncio::run(main_()), 9);
}

TEST(WrapFuture, CancellingTheWrapperCancelsTheSource) {
    futures::Future<int> source;
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto wrapped = asyncio::wrap_future(source);
        wrapped.cancel();
        co_await asyncio::sleep(0.0);
        co_return source.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(RunCoroutineThreadsafe, FromAnotherThread) {
    auto loop = asyncio::new_event_loop();
    std::thread runner([&] { loop->run_forever(); });
    auto add = [](int a, int b) -> asyncio::Coroutine<int> {
        co_await asyncio::sleep(0.01);
        co_return a + b;
    };
    futures::Future<int> f = asyncio::run_coroutine_threadsafe(add(2, 3), loop);
    EXPECT_EQ(f.result(5s), 5);
    loop->call_soon_threadsafe([&] { loop->stop(); });
    runner.join();
    loop->close();
}

TEST(RunCoroutineThreadsafe, CancelReachesTheTask) {
    auto loop = asyncio::new_event_loop();
    std::thread runner([&] { loop->run_forever(); });
    auto forever = []() -> asyncio::Coroutine<int> {
        co_await asyncio::sleep(100.0);
        co_return 0;
    };
    futures::Future<int> f = asyncio::run_coroutine_threadsafe(forever(), loop);
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(f.cancel());
    // The task is cancelled on the loop; then the loop has nothing left.
    futures::Future<bool> check = asyncio::run_coroutine_threadsafe(
        []() -> asyncio::Coroutine<bool> {
            co_await asyncio::sleep(0.02);
            co_return asyncio::all_tasks().size() == 1;  // only this one
        }(),
        loop);
    EXPECT_TRUE(check.result(5s));
    loop->call_soon_threadsafe([&] { loop->stop(); });
    runner.join();
    loop->close();
}

TEST(AsyncGenerator, YieldsValuesWithAwaitsBetween) {
    auto ticks = [](int n) -> concur::AsyncGenerator<int> {
        for (int i = 0; i < n; ++i) {
            co_await asyncio::sleep(0.001);
            co_yield i;
        }
    };
    auto main_ = [&]() -> asyncio::Coroutine<std::vector<int>> {
        std::vector<int> got;
        auto gen = ticks(4);
        while (auto x = co_await gen.next()) got.push_back(*x);
        EXPECT_FALSE(co_await gen.next());
        co_return got;
    };
    EXPECT_EQ(asyncio::run(main_()), (std::vector<int>{0, 1, 2, 3}));
}

TEST(AsyncGenerator, AnextRaisesStopAsyncIteration) {
    auto one = []() -> concur::AsyncGenerator<int> { co_yield 1; };
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto gen = one();
        EXPECT_EQ(co_await gen.anext(), 1);
        try {
            co_await gen.anext();
        } catch (const concur::StopAsyncIteration&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(AsyncGenerator, AcloseRunsTheHandler) {
    bool closed = false;
    auto gen_fn = [&]() -> concur::AsyncGenerator<int> {
        try {
            for (int i = 0;; ++i) co_yield i;
        } catch (const concur::GeneratorExit&) {
            closed = true;
        }
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto gen = gen_fn();
        co_await gen.anext();
        co_await gen.aclose();
    };
    asyncio::run(main_());
    EXPECT_TRUE(closed);
}

TEST(AsyncGenerator, ExceptionReachesConsumer) {
    auto bad = []() -> concur::AsyncGenerator<int> {
        co_yield 1;
        throw concur::ValueError("gen");
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto gen = bad();
        co_await gen.next();
        co_await gen.next();
    };
    EXPECT_THROW(asyncio::run(main_()), concur::ValueError);
}

}  // namespace
