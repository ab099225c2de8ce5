// Tests for asyncio::gather, wait, wait_for and sleep: ports of CPython's
// Lib/test/test_asyncio/test_tasks.py (test_gather_*, test_wait_*,
// test_wait_for_*) where named.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace {

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

asyncio::Coroutine<int> value_after(int v, double seconds) {
    co_await asyncio::sleep(seconds);
    co_return v;
}

asyncio::Coroutine<void> fail_after(double seconds) {
    co_await asyncio::sleep(seconds);
    throw concur::ValueError("failed");
}

TEST(Gather, ResultsInArgumentOrder) {
    auto main_ = []() -> asyncio::Coroutine<std::tuple<int, int, std::monostate>> {
        co_return co_await asyncio::gather(value_after(1, 0.03), value_after(2, 0.01),
                                           asyncio::sleep(0.02));
    };
    auto [a, b, c] = asyncio::run(main_());
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    (void)c;
}

TEST(Gather, RunsConcurrently) {
    auto main_ = []() -> asyncio::Coroutine<double> {
        auto loop = asyncio::get_running_loop();
        const double start = loop->time();
        co_await asyncio::gather(asyncio::sleep(0.1), asyncio::sleep(0.1), asyncio::sleep(0.1));
        co_return loop->time() - start;
    };
    EXPECT_LT(asyncio::run(main_()), 0.25);  // serially 0.3 s
}

TEST(Gather, VectorOfCoroutines) {
    auto main_ = []() -> asyncio::Coroutine<std::vector<int>> {
        std::vector<asyncio::Coroutine<int>> coros;
        for (int i = 0; i < 10; ++i) coros.push_back(value_after(i, 0.001 * (10 - i)));
        co_return co_await asyncio::gather(std::move(coros));
    };
    EXPECT_EQ(asyncio::run(main_()), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

// test_gather: the first exception is raised; the others go on running.
TEST(Gather, FirstExceptionRaisedOthersContinue) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto slow = asyncio::create_task(value_after(5, 0.05));
        bool raised = false;
        try {
            co_await asyncio::gather(fail_after(0.01), slow);
        } catch (const concur::ValueError&) {
            raised = true;
        }
        EXPECT_FALSE(slow.done());
        EXPECT_EQ(co_await slow, 5);
        co_return raised;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

// test_gather_cancel: cancelling the gathering task cancels the children.
TEST(Gather, CancellingTheWaiterCancelsChildren) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto a = asyncio::create_task(value_after(1, 10.0));
        auto b = asyncio::create_task(value_after(2, 10.0));
        auto gathering = asyncio::create_task(asyncio::gather(a, b));
        co_await asyncio::sleep(0.01);
        gathering.cancel();
        try {
            co_await gathering;
        } catch (const concur::CancelledError&) {
        }
        co_return a.cancelled() && b.cancelled() && gathering.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

// test_tasks.py GatherTests.test_return_exceptions: with return_exceptions
// the failures come back in argument order beside the values.
TEST(GatherSettled, ValuesAndExceptionsInArgumentOrder) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        auto [a, b, c] = co_await asyncio::gather_settled(value_after(1, 0.02), fail_after(0.01),
                                                          asyncio::sleep(0.0));
        EXPECT_TRUE(a.has_value());
        EXPECT_EQ(*a, 1);
        EXPECT_FALSE(b);
        EXPECT_THROW(b.value(), concur::ValueError);
        EXPECT_THROW(std::rethrow_exception(b.error()), concur::ValueError);
        EXPECT_TRUE(c.has_value());
        EXPECT_EQ(c.error(), nullptr);
    };
    asyncio::run(main_());
}

// A child cancelled on its own is a result (CancelledError), not a raise.
TEST(GatherSettled, CancelledChildIsAResult) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto slow = asyncio::create_task(value_after(1, 10.0));
        auto fast = asyncio::create_task(value_after(2, 0.01));
        auto canceller = [](asyncio::Task<int> t) -> asyncio::Coroutine<void> {
            co_await asyncio::sleep(0.005);
            t.cancel("stop");
        };
        auto cancelling = asyncio::create_task(canceller(slow));
        std::vector<asyncio::Task<int>> tasks{slow, fast};
        auto results = co_await asyncio::gather_settled(std::move(tasks));
        co_await cancelling;
        bool cancelled = false;
        try {
            results.at(0).value();
        } catch (const concur::CancelledError&) {
            cancelled = true;
        }
        co_return cancelled&& results.at(1).has_value() && results.at(1).value() == 2;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(GatherSettled, VectorWaitsForEveryChild) {
    auto main_ = []() -> asyncio::Coroutine<std::size_t> {
        std::vector<asyncio::Coroutine<int>> coros;
        for (int i = 0; i < 6; ++i) coros.push_back(value_after(i, 0.001 * (6 - i)));
        auto results = co_await asyncio::gather_settled(std::move(coros));
        std::size_t good = 0;
        for (std::size_t i = 0; i < results.size(); ++i)
            if (results[i] && *results[i] == static_cast<int>(i)) ++good;
        co_return good;
    };
    EXPECT_EQ(asyncio::run(main_()), 6u);
}

// test_tasks.py test_return_exceptions with a cancelled outer gather: the
// children are cancelled and the waiter raises CancelledError.
TEST(GatherSettled, CancellingTheWaiterCancelsChildrenAndRaises) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto a = asyncio::create_task(value_after(1, 10.0));
        auto b = asyncio::create_task(value_after(2, 10.0));
        auto gathering = asyncio::create_task(asyncio::gather_settled(a, b));
        co_await asyncio::sleep(0.01);
        gathering.cancel();
        bool raised = false;
        try {
            co_await gathering;
        } catch (const concur::CancelledError&) {
            raised = true;
        }
        co_return raised&& a.cancelled() && b.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Wait, AllCompleted) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        std::vector<asyncio::Task<int>> tasks{asyncio::create_task(value_after(1, 0.01)),
                                              asyncio::create_task(value_after(2, 0.02))};
        auto [done, pending] = co_await asyncio::wait(tasks);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_TRUE(pending.empty());
    };
    asyncio::run(main_());
}

TEST(Wait, FirstCompletedLeavesOthersRunning) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        std::vector<asyncio::Task<int>> tasks{asyncio::create_task(value_after(1, 0.01)),
                                              asyncio::create_task(value_after(2, 5.0))};
        auto [done, pending] =
            co_await asyncio::wait(tasks, std::nullopt, asyncio::FIRST_COMPLETED);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(pending.size(), 1u);
        if (done.size() == 1 && pending.size() == 1) {
            EXPECT_EQ(done[0].result(), 1);
            EXPECT_FALSE(pending[0].done());
        }
        for (auto& t : pending) t.cancel();
    };
    asyncio::run(main_());
}

TEST(Wait, FirstExceptionIgnoresCancelledAndValues) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        std::vector<asyncio::Task<void>> tasks{asyncio::create_task(asyncio::sleep(0.01)),
                                               asyncio::create_task(fail_after(0.03)),
                                               asyncio::create_task(asyncio::sleep(5.0))};
        auto [done, pending] =
            co_await asyncio::wait(tasks, std::nullopt, asyncio::FIRST_EXCEPTION);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_EQ(pending.size(), 1u);
        for (auto& t : pending) t.cancel();
        for (auto& t : done) (void)t.exception();
    };
    asyncio::run(main_());
}

TEST(Wait, TimeoutReturnsPendingWithoutRaising) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        std::vector<asyncio::Task<int>> tasks{asyncio::create_task(value_after(1, 5.0))};
        auto [done, pending] = co_await asyncio::wait(tasks, 0.02);
        EXPECT_TRUE(done.empty());
        EXPECT_EQ(pending.size(), 1u);
        pending[0].cancel();
    };
    asyncio::run(main_());
}

TEST(Wait, EmptySetIsValueError) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        co_await asyncio::wait(std::vector<asyncio::Task<int>>{});
    };
    EXPECT_THROW(asyncio::run(main_()), concur::ValueError);
}

TEST(WaitFor, ReturnsInTime) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        co_return co_await asyncio::wait_for(value_after(3, 0.01), 1.0);
    };
    EXPECT_EQ(asyncio::run(main_()), 3);
}

// test_wait_for_timeout / test_wait_for_waits_for_task_cancellation.
TEST(WaitFor, TimeoutCancelsAndWaitsForCleanUp) {
    bool cleaned_up = false;
    auto slow = [&]() -> asyncio::Coroutine<int> {
        std::exception_ptr cancelled;
        try {
            co_await asyncio::sleep(10.0);
        } catch (const concur::CancelledError&) {
            cancelled = std::current_exception();
        }
        co_await asyncio::sleep(0.02);  // clean-up takes time
        cleaned_up = true;
        std::rethrow_exception(cancelled);
    };
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        try {
            co_await asyncio::wait_for(slow(), 30ms);
        } catch (const concur::TimeoutError&) {
            co_return cleaned_up;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(WaitFor, CancellingTheWaiterCancelsTheInnerTask) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto inner = asyncio::create_task(value_after(1, 10.0));
        auto waiter = asyncio::create_task(asyncio::wait_for(inner, 10.0));
        co_await asyncio::sleep(0.01);
        waiter.cancel();
        try {
            co_await waiter;
        } catch (const concur::CancelledError&) {
        }
        co_return inner.cancelled() && waiter.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Sleep, ZeroYieldsToOtherTasks) {
    std::vector<std::string> order;
    auto worker = [&](std::string name) -> asyncio::Coroutine<void> {
        for (int i = 0; i < 2; ++i) {
            order.push_back(name);
            co_await asyncio::sleep(0s);
        }
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        co_await asyncio::gather(worker("a"), worker("b"));
    };
    asyncio::run(main_());
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "a", "b"}));
}

TEST(Sleep, OutsideATaskIsRuntimeError) {
    auto loop = asyncio::new_event_loop();
    bool refused = false;
    loop->call_soon([&] {
        auto s = asyncio::sleep(0.01);
        try {
            s.await_suspend(std::noop_coroutine());
        } catch (const concur::RuntimeError&) {
            refused = true;
        }
        loop->stop();
    });
    loop->run_forever();
    loop->close();
    EXPECT_TRUE(refused);
}

// 100,000 tasks sleeping at once (W4's shape, small).
TEST(Sleep, HundredThousandTasksSleepingAtOnce) {
    auto main_ = []() -> asyncio::Coroutine<std::size_t> {
        std::vector<asyncio::Coroutine<void>> sleepers;
        sleepers.reserve(100000);
        for (int i = 0; i < 100000; ++i)
            sleepers.push_back(
                []() -> asyncio::Coroutine<void> { co_await asyncio::sleep(0.2); }());
        auto results = co_await asyncio::gather(std::move(sleepers));
        co_return results.size();
    };
    EXPECT_EQ(asyncio::run(main_()), 100000u);
}

}  // namespace
