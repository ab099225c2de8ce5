// Tests for asyncio::TaskGroup, timeout, shield and as_completed: ports of
// CPython's Lib/test/test_asyncio/test_taskgroups.py, test_timeouts.py and
// test_tasks.py (shield, as_completed) where named.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

asyncio::Coroutine<int> value_after(int v, double seconds) {
    co_await asyncio::sleep(seconds);
    co_return v;
}

asyncio::Coroutine<int> fail_after(double seconds, std::string what) {
    co_await asyncio::sleep(seconds);
    throw concur::ValueError(what);
}

TEST(TaskGroup, WaitsForAllChildren) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        asyncio::TaskGroup tg;
        auto a = tg.create_task(value_after(1, 0.02));
        auto b = tg.create_task(value_after(2, 0.01));
        co_await tg;
        co_return a.result() + b.result();
    };
    EXPECT_EQ(asyncio::run(main_()), 3);
}

// test_taskgroups: test_taskgroup_02..05 -- one failure cancels siblings;
// the failures come out as an ExceptionGroup.
TEST(TaskGroup, FailureCancelsSiblingsAndRaisesExceptionGroup) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::TaskGroup tg;
        auto slow = tg.create_task(value_after(1, 10.0));
        tg.create_task(fail_after(0.01, "one"));
        try {
            co_await tg;
        } catch (const concur::ExceptionGroup& group) {
            EXPECT_EQ(group.exceptions().size(), 1u);
            EXPECT_STREQ(group.what(), "unhandled errors in a TaskGroup (1 sub-exception)");
            co_return slow.cancelled();
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(TaskGroup, SeveralFailuresAreAllReported) {
    auto main_ = []() -> asyncio::Coroutine<std::size_t> {
        asyncio::TaskGroup tg;
        tg.create_task(fail_after(0.01, "a"));
        tg.create_task(fail_after(0.01, "b"));
        try {
            co_await tg;
        } catch (const concur::ExceptionGroup& group) {
            co_return group.exceptions().size();
        }
        co_return 0;
    };
    EXPECT_EQ(asyncio::run(main_()), 2u);
}

// A child fails while the owner is still in the block: run() turns the
// owner's cancellation into the ExceptionGroup, as `async with` does.
TEST(TaskGroup, RunConvertsOwnerCancellation) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        bool owner_was_cancelled = false;
        auto body = [&](asyncio::TaskGroup& tg) -> asyncio::Coroutine<void> {
            tg.create_task(fail_after(0.01, "child"));
            try {
                co_await asyncio::sleep(10.0);
            } catch (const concur::CancelledError&) {
                owner_was_cancelled = true;
                throw;
            }
        };
        try {
            co_await asyncio::TaskGroup::run(body);
        } catch (const concur::ExceptionGroup& group) {
            co_return owner_was_cancelled&& group.exceptions().size() == 1 &&
                asyncio::current_task()->cancelling() == 0;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(TaskGroup, CreateTaskAfterFinishIsRuntimeError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::TaskGroup tg;
        tg.create_task(value_after(1, 0.0));
        co_await tg;
        try {
            tg.create_task(value_after(2, 0.0));
        } catch (const concur::RuntimeError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(TaskGroup, DestroyedWithoutAwaitCancelsChildren) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        asyncio::Task<int> child;
        {
            asyncio::TaskGroup tg;
            child = tg.create_task(value_after(1, 10.0));
        }
        co_await asyncio::sleep(0.0);
        co_await asyncio::sleep(0.0);
        co_return child.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Timeout, ExpiryRaisesTimeoutError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto cm = asyncio::timeout(0.02);
        try {
            co_await cm.run(value_after(1, 10.0));
        } catch (const concur::TimeoutError&) {
            co_return cm.expired() && asyncio::current_task()->cancelling() == 0;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Timeout, WorkInTimeReturnsValue) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        co_return co_await asyncio::timeout(1s).run(value_after(7, 0.01));
    };
    EXPECT_EQ(asyncio::run(main_()), 7);
}

// test_timeouts: test_timeout_reschedule / test_nested_timeouts shapes.
TEST(Timeout, RescheduleMovesTheDeadline) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto cm = asyncio::timeout(std::nullopt);
        EXPECT_FALSE(cm.when().has_value());
        auto body = [&]() -> asyncio::Coroutine<void> {
            cm.reschedule(asyncio::get_running_loop()->time() + 0.02);
            co_await asyncio::sleep(10.0);
        };
        try {
            co_await cm.run(body());
        } catch (const concur::TimeoutError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Timeout, OuterCancellationIsNotATimeout) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto inner = []() -> asyncio::Coroutine<void> {
            co_await asyncio::timeout(10s).run(asyncio::sleep(10.0));
        };
        auto t = asyncio::create_task(inner());
        co_await asyncio::sleep(0.01);
        t.cancel();
        try {
            co_await t;
        } catch (const concur::CancelledError&) {
            co_return true;
        } catch (const concur::TimeoutError&) {
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

// test_tasks: test_shield_effect -- the outer is cancelled, the inner runs on.
TEST(Shield, CancellingTheAwaiterLeavesTheInnerRunning) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto inner = asyncio::create_task(value_after(5, 0.03));
        auto outer = asyncio::create_task(asyncio::shield(inner));
        co_await asyncio::sleep(0.005);
        outer.cancel();
        try {
            co_await outer;
        } catch (const concur::CancelledError&) {
        }
        EXPECT_TRUE(outer.cancelled());
        EXPECT_FALSE(inner.cancelled());
        co_return co_await inner == 5;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(AsCompleted, GivesResultsInCompletionOrder) {
    auto main_ = []() -> asyncio::Coroutine<std::vector<int>> {
        std::vector<asyncio::Coroutine<int>> coros;
        coros.push_back(value_after(3, 0.03));
        coros.push_back(value_after(1, 0.01));
        coros.push_back(value_after(2, 0.02));
        std::vector<int> order;
        for (auto next : asyncio::as_completed(std::move(coros))) order.push_back(co_await next);
        co_return order;
    };
    EXPECT_EQ(asyncio::run(main_()), (std::vector<int>{1, 2, 3}));
}

TEST(AsCompleted, TimeoutRaisesTimeoutError) {
    auto main_ = []() -> asyncio::Coroutine<int> {
        std::vector<asyncio::Task<int>> tasks{asyncio::create_task(value_after(1, 0.01)),
                                              asyncio::create_task(value_after(2, 10.0))};
        int got = 0;
        try {
            for (auto next : asyncio::as_completed(tasks, 0.05)) got += co_await next;
        } catch (const concur::TimeoutError&) {
            got += 100;
        }
        tasks[1].cancel();
        co_return got;
    };
    EXPECT_EQ(asyncio::run(main_()), 101);
}

}  // namespace
