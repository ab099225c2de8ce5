// Tests for asyncio::EventLoop: callbacks, timers, stop/close, thread-safe
// calls, signals, the exception handler. Ports of CPython's
// Lib/test/test_asyncio/test_base_events.py and test_events.py where named.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

TEST(EventLoop, CallSoonRunsInOrder) {
    auto loop = asyncio::new_event_loop();
    std::vector<int> seen;
    for (int i = 0; i < 5; ++i) loop->call_soon([&, i] { seen.push_back(i); });
    loop->call_soon([&] { loop->stop(); });
    loop->run_forever();
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
    loop->close();
}

TEST(EventLoop, CallLaterOrdersByDeadline) {
    auto loop = asyncio::new_event_loop();
    std::vector<std::string> seen;
    loop->call_later(0.06, [&] {
        seen.push_back("60ms");
        loop->stop();
    });
    loop->call_later(20ms, [&] { seen.push_back("20ms"); });
    loop->call_later(0.0, [&] { seen.push_back("0"); });
    const double start = loop->time();
    loop->run_forever();
    EXPECT_GE(loop->time() - start, 0.05);
    EXPECT_EQ(seen, (std::vector<std::string>{"0", "20ms", "60ms"}));
    loop->close();
}

// Regression: a callback that runs longer than the next timer's delay left
// libuv's cached clock behind; the wake-up timer then fell due before the
// poll, and the poll waited with no timeout (the loop hung until the watchdog).
TEST(EventLoop, TimerAfterALongCallbackStillFires) {
    auto loop = asyncio::new_event_loop();
    std::atomic<bool> finished{false};
    std::thread watchdog([&] {
        for (int i = 0; i < 500 && !finished.load(); ++i) std::this_thread::sleep_for(10ms);
        if (!finished.load()) loop->call_soon_threadsafe([&] { loop->stop(); });
    });
    bool fired = false;
    loop->call_soon([&] {
        const auto until = std::chrono::steady_clock::now() + 30ms;
        while (std::chrono::steady_clock::now() < until) {
        }
        loop->call_later(0.005, [&] {
            fired = true;
            loop->stop();
        });
    });
    const auto start = std::chrono::steady_clock::now();
    loop->run_forever();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    finished = true;
    watchdog.join();
    EXPECT_TRUE(fired);
    EXPECT_LT(elapsed, 3s);  // the watchdog stops a hung loop after 5 s
    loop->close();
}

// The timers live in a heap and a sorted lane (deadlines in order); mixed
// orders, equal deadlines and cancellations in both must still fire in
// (deadline, scheduling order).
TEST(EventLoop, TimersFireInDeadlineOrderWhateverOrderTheyWereSet) {
    auto loop = asyncio::new_event_loop();
    const double base = loop->time() + 0.05;
    // Deadlines in ms after `base`: ascending runs, descending ones, repeats.
    const std::vector<int> offsets{0, 5, 5, 10, 3, 3, 20, 1, 15, 15, 2, 30, 25, 30, 0};
    std::vector<std::pair<int, int>> fired;  // (offset, index)
    std::vector<asyncio::TimerHandle> handles;
    for (int i = 0; i < static_cast<int>(offsets.size()); ++i) {
        handles.push_back(loop->call_at(base + offsets[i] / 1000.0, [&fired, &offsets, i] {
            fired.emplace_back(offsets[i], i);
        }));
    }
    handles[3].cancel();   // a lane entry in the middle
    handles[4].cancel();   // a heap entry
    handles[13].cancel();  // the lane's last
    loop->call_at(base + 0.05, [&] { loop->stop(); });
    loop->run_forever();
    std::vector<std::pair<int, int>> expected;
    for (int i = 0; i < static_cast<int>(offsets.size()); ++i)
        if (i != 3 && i != 4 && i != 13) expected.emplace_back(offsets[i], i);
    std::stable_sort(expected.begin(), expected.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    EXPECT_EQ(fired, expected);
    loop->close();
}

TEST(EventLoop, CancelledHandleDoesNotRun) {
    auto loop = asyncio::new_event_loop();
    bool ran = false;
    auto h = loop->call_later(0.01, [&] { ran = true; });
    auto soon = loop->call_soon([&] { ran = true; });
    h.cancel();
    soon.cancel();
    EXPECT_TRUE(h.cancelled());
    loop->call_later(0.03, [&] { loop->stop(); });
    loop->run_forever();
    EXPECT_FALSE(ran);
    loop->close();
}

TEST(EventLoop, CallAtUsesTheLoopClock) {
    auto loop = asyncio::new_event_loop();
    bool ran = false;
    auto h = loop->call_at(loop->time() + 0.02, [&] {
        ran = true;
        loop->stop();
    });
    EXPECT_GT(h.when(), loop->time());
    loop->run_forever();
    EXPECT_TRUE(ran);
    loop->close();
}

// test_base_events: stop() ends run_forever after the current iteration.
TEST(EventLoop, StopFinishesTheCurrentIteration) {
    auto loop = asyncio::new_event_loop();
    std::vector<int> seen;
    loop->call_soon([&] {
        seen.push_back(1);
        loop->stop();
    });
    loop->call_soon([&] { seen.push_back(2); });
    loop->run_forever();
    loop->call_soon([&] {
        seen.push_back(3);
        loop->stop();
    });
    loop->run_forever();
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
    loop->close();
}

TEST(EventLoop, ClosedLoopRejectsWork) {
    auto loop = asyncio::new_event_loop();
    loop->close();
    EXPECT_TRUE(loop->is_closed());
    EXPECT_THROW(loop->call_soon([] {}), concur::RuntimeError);
    EXPECT_THROW(loop->run_forever(), concur::RuntimeError);
    EXPECT_THROW(loop->call_soon_threadsafe([] {}), concur::RuntimeError);
    loop->close();  // idempotent
}

TEST(EventLoop, RunningLoopCannotRunOrCloseAgain) {
    auto loop = asyncio::new_event_loop();
    bool nested_refused = false, close_refused = false;
    loop->call_soon([&] {
        EXPECT_TRUE(loop->is_running());
        try {
            loop->run_forever();
        } catch (const concur::RuntimeError&) {
            nested_refused = true;
        }
        try {
            loop->close();
        } catch (const concur::RuntimeError&) {
            close_refused = true;
        }
        loop->stop();
    });
    loop->run_forever();
    EXPECT_TRUE(nested_refused);
    EXPECT_TRUE(close_refused);
    EXPECT_FALSE(loop->is_running());
    loop->close();
}

TEST(EventLoop, CallSoonThreadsafeWakesABlockedLoop) {
    auto loop = asyncio::new_event_loop();
    std::atomic<bool> ran{false};
    std::thread other([&] {
        std::this_thread::sleep_for(30ms);
        loop->call_soon_threadsafe([&] {
            ran = true;
            loop->stop();
        });
    });
    loop->run_forever();  // nothing scheduled: blocks until the other thread calls
    other.join();
    EXPECT_TRUE(ran);
    loop->close();
}

TEST(EventLoop, CallSoonThreadsafeFromManyThreads) {
    for (int threads : {1, 2, 4}) {
        auto loop = asyncio::new_event_loop();
        constexpr int per_thread = 1000;
        int count = 0;
        std::vector<std::thread> senders;
        for (int t = 0; t < threads; ++t)
            senders.emplace_back([&] {
                for (int i = 0; i < per_thread; ++i)
                    loop->call_soon_threadsafe([&] {
                        if (++count == threads * per_thread) loop->stop();
                    });
            });
        loop->run_forever();
        for (auto& s : senders) s.join();
        EXPECT_EQ(count, threads * per_thread);
        loop->close();
    }
}

TEST(EventLoop, ExceptionInCallbackGoesToHandler) {
    auto loop = asyncio::new_event_loop();
    std::string message;
    std::exception_ptr error;
    loop->set_exception_handler([&](asyncio::EventLoop&, const asyncio::ExceptionContext& context) {
        message = context.message;
        error = context.exception;
    });
    loop->call_soon([] { throw concur::ValueError("boom"); });
    loop->call_soon([&] { loop->stop(); });
    loop->run_forever();
    EXPECT_EQ(message, "Exception in callback");
    ASSERT_TRUE(error);
    EXPECT_THROW(std::rethrow_exception(error), concur::ValueError);
    loop->close();
}

TEST(EventLoop, DefaultExceptionHandlerPrints) {
    auto loop = asyncio::new_event_loop();
    testing::internal::CaptureStderr();
    loop->call_soon([] { throw concur::ValueError("printed"); });
    loop->call_soon([&] { loop->stop(); });
    loop->run_forever();
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Exception in callback"), std::string::npos) << err;
    EXPECT_NE(err.find("ValueError: printed"), std::string::npos) << err;
    loop->close();
}

// L23's shape: close() with a task still pending reports it.
TEST(EventLoop, CloseReportsAndDestroysPendingTasks) {
    auto loop = asyncio::new_event_loop();
    auto owned = std::make_shared<int>(1);
    std::weak_ptr<int> watch = owned;
    auto sleeper = [](std::shared_ptr<int>) -> asyncio::Coroutine<void> {
        co_await asyncio::sleep(100.0);
    };
    auto t = loop->create_task(sleeper(std::move(owned)), "sleepy");
    loop->call_later(0.01, [&] { loop->stop(); });
    loop->run_forever();
    testing::internal::CaptureStderr();
    loop->close();
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Task was destroyed but it is pending!"), std::string::npos) << err;
    EXPECT_NE(err.find("name='sleepy'"), std::string::npos) << err;
    EXPECT_TRUE(watch.expired());  // the frame and its arguments are freed
    EXPECT_FALSE(t.done());
}

TEST(EventLoop, GetEventLoopCreatesAndKeepsOnePerThread) {
    auto a = asyncio::get_event_loop();
    auto b = asyncio::get_event_loop();
    EXPECT_EQ(a, b);
    std::shared_ptr<asyncio::EventLoop> other;
    std::thread([&] {
        other = asyncio::get_event_loop();
        asyncio::set_event_loop(nullptr);
    }).join();
    EXPECT_NE(other, a);
    asyncio::set_event_loop(nullptr);
    a->close();
    other->close();
    EXPECT_THROW(asyncio::get_running_loop(), concur::RuntimeError);
}

TEST(EventLoop, RunUntilCompleteReturnsTheValue) {
    auto loop = asyncio::new_event_loop();
    auto coro = []() -> asyncio::Coroutine<std::string> {
        co_await asyncio::sleep(0.01);
        co_return "done";
    };
    EXPECT_EQ(loop->run_until_complete(coro()), "done");
    auto t = loop->create_task(coro());
    EXPECT_EQ(loop->run_until_complete(t), "done");
    loop->close();
}

TEST(EventLoop, SignalHandlerRunsOnTheLoop) {
    auto loop = asyncio::new_event_loop();
    int calls = 0;
    loop->add_signal_handler(SIGUSR1, [&] {
        ++calls;
        loop->stop();
    });
    loop->call_soon([] { std::raise(SIGUSR1); });
    loop->call_later(5.0, [&] { loop->stop(); });  // bound: never hang
    loop->run_forever();
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(loop->remove_signal_handler(SIGUSR1));
    EXPECT_FALSE(loop->remove_signal_handler(SIGUSR1));
    EXPECT_THROW(loop->add_signal_handler(SIGKILL, [] {}), concur::RuntimeError);
    EXPECT_THROW(loop->add_signal_handler(0, [] {}), concur::ValueError);
    loop->close();
}

}  // namespace
