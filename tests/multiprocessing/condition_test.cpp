// multiprocessing::Condition: misuse and timeouts in one process; notify,
// notify(n) and notify_all across processes; a dead waiter does not swallow a
// notification; more waiters than slots; serialisation.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <concur/multiprocessing/condition.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/value.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Polls `done()` under the condition's lock until it holds (true) or 5 s pass.
template <class Done>
bool until(mp::Condition& cond, Done done) {
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline) {
        {
            std::lock_guard guard(cond);
            if (done()) return true;
        }
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

// A child that registers as sleeping, waits up to 5 s, then counts itself
// woken; exits 0 if it was notified.
pid_t waiting_child(mp::Condition& cond, mp::Value<int>& sleeping, mp::Value<int>& woken) {
    return concur_test::fork_child([&] {
        std::unique_lock lk(cond);
        sleeping.value(sleeping.value() + 1);
        const bool notified = cond.wait(5s);
        woken.value(woken.value() + 1);
        return notified;
    });
}

TEST(Condition, WaitAndNotifyWithoutTheLockRaiseRuntimeError) {
    mp::Condition cond;
    EXPECT_THROW(cond.wait(10ms), mp::RuntimeError);
    EXPECT_THROW(cond.notify(), mp::RuntimeError);
    mp::Condition over_lock{mp::Lock()};
    EXPECT_THROW(over_lock.notify_all(), mp::RuntimeError);
}

// Ports _TestCondition.test_timeout.
TEST(Condition, WaitTimesOut) {
    mp::Condition cond;
    std::unique_lock lk(cond);
    const auto start = Clock::now();
    EXPECT_FALSE(cond.wait(60ms));
    EXPECT_GE(Clock::now() - start, 55ms);
    EXPECT_FALSE(cond.wait_for([] { return false; }, 30ms));
    EXPECT_TRUE(cond.wait_for([] { return true; }, 0s));
}

// Ports _TestCondition.test_notify.
TEST(Condition, NotifyWakesOneWaitingProcessThenTheOthers) {
    mp::Condition cond;
    mp::Value<int> sleeping(0), woken(0);
    std::vector<pid_t> children;
    for (int c = 0; c < 3; ++c) children.push_back(waiting_child(cond, sleeping, woken));
    ASSERT_TRUE(until(cond, [&] { return sleeping.value() == 3; }));
    {
        std::lock_guard guard(cond);
        cond.notify();
    }
    ASSERT_TRUE(until(cond, [&] { return woken.value() >= 1; }));
    std::this_thread::sleep_for(100ms);
    {
        std::lock_guard guard(cond);
        EXPECT_EQ(woken.value(), 1);
        cond.notify(2);
    }
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(woken.value(), 3);
}

// Ports _TestCondition.test_notify_all (over a plain Lock).
TEST(Condition, NotifyAllOverALockWakesEveryProcess) {
    mp::Condition cond{mp::Lock()};
    mp::Value<int> sleeping(0), woken(0);
    std::vector<pid_t> children;
    for (int c = 0; c < 3; ++c) children.push_back(waiting_child(cond, sleeping, woken));
    ASSERT_TRUE(until(cond, [&] { return sleeping.value() == 3; }));
    {
        std::lock_guard guard(cond);
        cond.notify_all();
    }
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(woken.value(), 3);
}

// Ports _TestCondition.test_waitfor.
TEST(Condition, WaitForAPredicateAChildMakesTrue) {
    mp::Condition cond;
    mp::Value<int> state(0);
    const pid_t pid = concur_test::fork_child([&] {
        for (int i = 1; i <= 3; ++i) {
            std::this_thread::sleep_for(10ms);
            std::lock_guard guard(cond);
            state.value(i);
            cond.notify();
        }
    });
    {
        std::unique_lock lk(cond);
        EXPECT_TRUE(cond.wait_for([&] { return state.value() == 3; }, 5s));
    }
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

TEST(Condition, NotifySkipsAWaiterWhoseProcessDied) {
    mp::Condition cond;
    mp::Value<int> sleeping(0), woken(0);
    const pid_t doomed = waiting_child(cond, sleeping, woken);
    ASSERT_TRUE(until(cond, [&] { return sleeping.value() == 1; }));
    ::kill(doomed, SIGKILL);
    EXPECT_EQ(concur_test::join_child(doomed), 128 + SIGKILL);
    const pid_t live = waiting_child(cond, sleeping, woken);
    ASSERT_TRUE(until(cond, [&] { return sleeping.value() == 2; }));
    {
        std::lock_guard guard(cond);
        cond.notify();  // the dead waiter is older, but must not take it
    }
    EXPECT_EQ(concur_test::join_child(live), 0);
    EXPECT_EQ(woken.value(), 1);
}

TEST(Condition, MoreWaitersThanSlotsAreAllWokenByNotifyAll) {
    constexpr int kThreads = static_cast<int>(mp::Condition::kSlots) + 6;
    mp::Condition cond;
    int sleeping = 0;  // guarded by cond
    std::atomic<int> notified{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            std::unique_lock lk(cond);
            ++sleeping;
            if (cond.wait(5s)) notified.fetch_add(1);
        });
    ASSERT_TRUE(until(cond, [&] { return sleeping == kThreads; }));
    {
        std::lock_guard guard(cond);
        cond.notify_all();
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(notified.load(), kThreads);
}

TEST(Condition, SerialisedHandleSharesTheLockAndTheWaiters) {
    mp::Condition cond{mp::Lock()};
    mp::Condition received = concur_test::round_trip(cond, mp::Condition());
    cond.acquire();
    EXPECT_FALSE(received.acquire(false));
    cond.release();
    std::atomic<bool> notified{false};
    std::atomic<bool> waiting{false};
    std::thread waiter([&] {
        std::unique_lock lk(received);
        waiting = true;
        notified = received.wait(5s);
    });
    ASSERT_TRUE(until(cond, [&] { return waiting.load(); }));
    {
        std::lock_guard guard(cond);
        cond.notify();
    }
    waiter.join();
    EXPECT_TRUE(notified);
}

}  // namespace
