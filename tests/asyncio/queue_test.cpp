// Tests for asyncio::Queue, PriorityQueue and LifoQueue: ports of CPython's
// Lib/test/test_asyncio/test_queues.py where named.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

namespace asyncio = concur::asyncio;

TEST(AsyncioQueue, ProducerConsumerInOrder) {
    asyncio::Queue<int> q(2);
    std::vector<int> got;
    auto producer = [&]() -> asyncio::Coroutine<void> {
        for (int i = 0; i < 10; ++i) co_await q.put(i);
    };
    auto consumer = [&]() -> asyncio::Coroutine<void> {
        for (int i = 0; i < 10; ++i) {
            got.push_back(co_await q.get());
            q.task_done();
        }
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        co_await asyncio::gather(producer(), consumer());
        co_await q.join();
    };
    asyncio::run(main_());
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(AsyncioQueue, NowaitErrors) {
    asyncio::Queue<int> q(1);
    EXPECT_THROW(q.get_nowait(), asyncio::QueueEmpty);
    q.put_nowait(1);
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(2), asyncio::QueueFull);
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_EQ(q.qsize(), 0u);
    q.task_done();
    EXPECT_THROW(q.task_done(), concur::ValueError);
}

TEST(AsyncioQueue, PriorityAndLifoOrder) {
    asyncio::PriorityQueue<int> pq;
    for (int x : {5, 1, 4, 2, 3}) pq.put_nowait(x);
    std::vector<int> out;
    while (!pq.empty()) out.push_back(pq.get_nowait());
    EXPECT_EQ(out, (std::vector<int>{1, 2, 3, 4, 5}));
    asyncio::LifoQueue<std::string> lq;
    lq.put_nowait("a");
    lq.put_nowait("b");
    EXPECT_EQ(lq.get_nowait(), "b");
    EXPECT_EQ(lq.get_nowait(), "a");
}

// test_queues: test_cancelled_getters_not_being_held_in_self_getters and
// test_why_are_getters_waiting -- a woken getter that is cancelled passes
// the wake-up on; the item is not lost.
TEST(AsyncioQueue, CancelledGetterLosesNoItem) {
    asyncio::Queue<int> q;
    auto main_ = [&]() -> asyncio::Coroutine<int> {
        auto first = asyncio::create_task(q.get());
        auto second = asyncio::create_task(q.get());
        co_await asyncio::sleep(0.0);
        q.put_nowait(42);  // wakes `first`...
        first.cancel();    // ...which is cancelled before it runs
        int v = co_await second;
        EXPECT_TRUE(first.cancelled());
        co_return v;
    };
    EXPECT_EQ(asyncio::run(main_()), 42);
}

TEST(AsyncioQueue, CancelledPutterLeavesRoomForOthers) {
    asyncio::Queue<int> q(1);
    auto main_ = [&]() -> asyncio::Coroutine<std::vector<int>> {
        q.put_nowait(0);
        auto first = asyncio::create_task(q.put(1));
        auto second = asyncio::create_task(q.put(2));
        co_await asyncio::sleep(0.0);
        EXPECT_EQ(q.get_nowait(), 0);  // wakes `first`...
        first.cancel();                // ...cancelled before it runs
        co_await second;
        std::vector<int> rest;
        while (!q.empty()) rest.push_back(q.get_nowait());
        co_return rest;
    };
    EXPECT_EQ(asyncio::run(main_()), (std::vector<int>{2}));
}

// Python 3.13's Queue.shutdown.
TEST(AsyncioQueueShutdown, WakesGettersAndRejectsPuts) {
    asyncio::Queue<int> q;
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto getter = asyncio::create_task(q.get());
        co_await asyncio::sleep(0.0);
        q.shutdown();
        bool get_raised = false;
        try {
            co_await getter;
        } catch (const asyncio::QueueShutDown&) {
            get_raised = true;
        }
        EXPECT_THROW(q.put_nowait(1), asyncio::QueueShutDown);
        co_return get_raised;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(AsyncioQueueShutdown, GracefulLetsItemsDrainImmediateDropsThem) {
    asyncio::Queue<int> q;
    q.put_nowait(1);
    q.put_nowait(2);
    q.shutdown();
    EXPECT_EQ(q.get_nowait(), 1);
    asyncio::Queue<int> r;
    r.put_nowait(1);
    r.shutdown(true);
    EXPECT_THROW(r.get_nowait(), asyncio::QueueShutDown);
    auto main_ = [&]() -> asyncio::Coroutine<void> { co_await r.join(); };  // items counted done
    asyncio::run(main_());
}

TEST(AsyncioQueueShutdown, WakesBlockedPutters) {
    asyncio::Queue<int> q(1);
    q.put_nowait(0);
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto putter = asyncio::create_task(q.put(1));
        co_await asyncio::sleep(0.0);
        q.shutdown();
        try {
            co_await putter;
        } catch (const asyncio::QueueShutDown&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

}  // namespace
