// Tests for asyncio's Lock, Semaphore, BoundedSemaphore, Event, Condition
// and Barrier: ports of CPython's Lib/test/test_asyncio/test_locks.py where
// named.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace {

namespace asyncio = concur::asyncio;

TEST(AsyncioLock, SerialisesHolders) {
    asyncio::Lock lock;
    std::vector<std::string> log;
    auto worker = [&](std::string name) -> asyncio::Coroutine<void> {
        co_await lock.acquire();
        log.push_back(name + " in");
        co_await asyncio::sleep(0.01);
        log.push_back(name + " out");
        lock.release();
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        co_await asyncio::gather(worker("a"), worker("b"), worker("c"));
    };
    asyncio::run(main_());
    EXPECT_EQ(log, (std::vector<std::string>{"a in", "a out", "b in", "b out", "c in", "c out"}));
    EXPECT_FALSE(lock.locked());
}

TEST(AsyncioLock, ReleaseUnlockedIsRuntimeError) {
    asyncio::Lock lock;
    EXPECT_THROW(lock.release(), concur::RuntimeError);
}

TEST(AsyncioLock, HoldReleasesAtScopeEnd) {
    asyncio::Lock lock;
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        {
            auto held = co_await lock.hold();
            EXPECT_TRUE(lock.locked());
        }
        co_return !lock.locked();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

// test_locks: test_acquire_cancel -- a cancelled waiter takes nothing.
TEST(AsyncioLock, CancelledWaiterDoesNotGetTheLock) {
    asyncio::Lock lock;
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        co_await lock.acquire();
        auto body = [&]() -> asyncio::Coroutine<void> {  // named: outlives its coroutine
            co_await lock.acquire();
            lock.release();
        };
        auto waiter = asyncio::create_task(body());
        co_await asyncio::sleep(0.0);
        waiter.cancel();
        co_await asyncio::sleep(0.0);
        EXPECT_TRUE(waiter.cancelled());
        lock.release();
        co_return !lock.locked();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

// test_locks: test_cancel_release_race / test_finished_waiter_cancelled --
// a waiter handed the lock and cancelled before it runs passes it on.
TEST(AsyncioLock, WakeUpIsNotLostWhenWokenWaiterIsCancelled) {
    asyncio::Lock lock;
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        co_await lock.acquire();
        bool second_got_it = false;
        auto first_body = [&]() -> asyncio::Coroutine<void> {
            co_await lock.acquire();
            lock.release();
        };
        auto second_body = [&]() -> asyncio::Coroutine<void> {
            co_await lock.acquire();
            second_got_it = true;
            lock.release();
        };
        auto first = asyncio::create_task(first_body());
        auto second = asyncio::create_task(second_body());
        co_await asyncio::sleep(0.0);  // both wait
        lock.release();                // hands the lock to `first`...
        first.cancel();                // ...which is cancelled before it runs
        co_await asyncio::sleep(0.01);
        EXPECT_TRUE(first.cancelled());
        co_await second;
        co_return second_got_it && !lock.locked();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(AsyncioSemaphore, LimitsConcurrency) {
    asyncio::Semaphore sem(2);
    int inside = 0, most = 0;
    auto worker = [&]() -> asyncio::Coroutine<void> {
        auto held = co_await sem.hold();
        most = std::max(most, ++inside);
        co_await asyncio::sleep(0.005);
        --inside;
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        std::vector<asyncio::Coroutine<void>> all;
        for (int i = 0; i < 6; ++i) all.push_back(worker());
        co_await asyncio::gather(std::move(all));
    };
    asyncio::run(main_());
    EXPECT_EQ(most, 2);
    EXPECT_EQ(sem.value(), 2);
}

TEST(AsyncioSemaphore, NegativeValueIsValueError) {
    EXPECT_THROW(asyncio::Semaphore(-1), concur::ValueError);
}

TEST(AsyncioSemaphore, BoundedReleaseTooManyIsValueError) {
    asyncio::BoundedSemaphore sem(1);
    EXPECT_THROW(sem.release(), concur::ValueError);
    asyncio::Semaphore plain(1);
    plain.release();
    EXPECT_EQ(plain.value(), 2);
}

TEST(AsyncioSemaphore, WakeUpIsNotLostWhenWokenWaiterIsCancelled) {
    asyncio::Semaphore sem(0);
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        bool second_got_it = false;
        auto first_body = [&]() -> asyncio::Coroutine<void> { co_await sem.acquire(); };
        auto second_body = [&]() -> asyncio::Coroutine<void> {
            co_await sem.acquire();
            second_got_it = true;
        };
        auto first = asyncio::create_task(first_body());
        auto second = asyncio::create_task(second_body());
        co_await asyncio::sleep(0.0);
        sem.release();
        first.cancel();
        co_await second;
        co_return second_got_it&& first.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(AsyncioEvent, WaitersWakeOnSet) {
    asyncio::Event event;
    int woken = 0;
    auto waiter = [&]() -> asyncio::Coroutine<void> {
        co_await event.wait();
        ++woken;
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto a = asyncio::create_task(waiter());
        auto b = asyncio::create_task(waiter());
        co_await asyncio::sleep(0.01);
        EXPECT_EQ(woken, 0);
        event.set();
        co_await a;
        co_await b;
        EXPECT_TRUE(co_await event.wait());  // set: returns at once
        event.clear();
        EXPECT_FALSE(event.is_set());
    };
    asyncio::run(main_());
    EXPECT_EQ(woken, 2);
}

TEST(AsyncioCondition, NotifyWakesWaitersWithTheLockHeld) {
    asyncio::Condition cond;
    std::deque<int> items;
    std::vector<int> got;
    auto consumer = [&]() -> asyncio::Coroutine<void> {
        auto held = co_await cond.hold();
        co_await cond.wait_for([&] { return !items.empty(); });
        EXPECT_TRUE(cond.locked());
        got.push_back(items.front());
        items.pop_front();
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto a = asyncio::create_task(consumer());
        auto b = asyncio::create_task(consumer());
        co_await asyncio::sleep(0.01);
        for (int i = 1; i <= 2; ++i) {
            auto held = co_await cond.hold();
            items.push_back(i);
            cond.notify();
        }
        co_await asyncio::gather(a, b);
    };
    asyncio::run(main_());
    EXPECT_EQ(got, (std::vector<int>{1, 2}));
}

TEST(AsyncioCondition, WaitOrNotifyWithoutLockIsRuntimeError) {
    asyncio::Condition cond;
    EXPECT_THROW(cond.notify(), concur::RuntimeError);
    EXPECT_THROW(cond.notify_all(), concur::RuntimeError);
    auto main_ = [&]() -> asyncio::Coroutine<void> { co_await cond.wait(); };
    EXPECT_THROW(asyncio::run(main_()), concur::RuntimeError);
}

// test_locks: test_wait_cancel_after_notify -- the lock is held again.
TEST(AsyncioCondition, CancelledWaitReacquiresTheLock) {
    asyncio::Condition cond;
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        bool held_after_cancel = false;
        auto body = [&]() -> asyncio::Coroutine<void> {
            co_await cond.acquire();
            std::exception_ptr error;
            try {
                co_await cond.wait();
            } catch (const concur::CancelledError&) {
                error = std::current_exception();
            }
            held_after_cancel = cond.locked();
            cond.release();
            if (error) std::rethrow_exception(error);
        };
        auto waiter = asyncio::create_task(body());
        co_await asyncio::sleep(0.01);
        waiter.cancel();
        try {
            co_await waiter;
        } catch (const concur::CancelledError&) {
        }
        co_return held_after_cancel;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(AsyncioBarrier, ReleasesAllPartiesWithIndices) {
    asyncio::Barrier barrier(3);
    std::vector<std::int64_t> indices;
    auto worker = [&]() -> asyncio::Coroutine<void> { indices.push_back(co_await barrier.wait()); };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        co_await asyncio::gather(worker(), worker(), worker());
    };
    asyncio::run(main_());
    std::sort(indices.begin(), indices.end());
    EXPECT_EQ(indices, (std::vector<std::int64_t>{0, 1, 2}));
    EXPECT_EQ(barrier.n_waiting(), 0);
}

TEST(AsyncioBarrier, AbortBreaksWaiters) {
    asyncio::Barrier barrier(3);
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto waiter = asyncio::create_task(barrier.wait());
        co_await asyncio::sleep(0.01);
        EXPECT_EQ(barrier.n_waiting(), 1);
        barrier.abort();
        bool broke = false;
        try {
            co_await waiter;
        } catch (const concur::BrokenBarrierError&) {
            broke = true;
        }
        EXPECT_TRUE(barrier.broken());
        co_await barrier.reset();
        co_return broke && !barrier.broken();
    };
    EXPECT_TRUE(asyncio::run(main_()));
    EXPECT_THROW(asyncio::Barrier(0), concur::ValueError);
}

TEST(AsyncioBarrier, CancelledWaiterLeaves) {
    asyncio::Barrier barrier(2);
    auto main_ = [&]() -> asyncio::Coroutine<std::int64_t> {
        auto waiter = asyncio::create_task(barrier.wait());
        co_await asyncio::sleep(0.01);
        waiter.cancel();
        try {
            co_await waiter;
        } catch (const concur::CancelledError&) {
        }
        co_return barrier.n_waiting();
    };
    EXPECT_EQ(asyncio::run(main_()), 0);
}

}  // namespace
