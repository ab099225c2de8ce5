// Tests for concur::threading::Condition (Python's threading.Condition).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// `n` threads that each wait once on `cond` (holding it), counting how many
// are waiting (under the lock) and how many were woken.
class Waiters {
  public:
    Waiters(threading::Condition& cond, int n) : cond_(cond) {
        for (int i = 0; i < n; ++i) {
            threads_.push_back(std::make_unique<threading::Thread>([this, i] {
                std::unique_lock hold(cond_);
                ++waiting_;
                cond_.wait();
                --waiting_;
                order_.push_back(i);  // under the lock
                ++woken_;
            }));
        }
    }
    ~Waiters() { join(); }

    // Starts the threads one by one, each only once the previous one waits,
    // so that they are queued in index order.
    void start_in_order() {
        for (std::size_t i = 0; i < threads_.size(); ++i) {
            threads_[i]->start();
            const int expected = static_cast<int>(i) + 1;
            EXPECT_TRUE(eventually([&] {
                std::lock_guard hold(cond_);
                return waiting_ == expected;
            }));
        }
    }
    void join() {
        for (auto& t : threads_)
            if (t->is_alive()) t->join();
    }
    int woken() const { return woken_.load(); }
    std::vector<int> order() {
        std::lock_guard hold(cond_);
        return order_;
    }

  private:
    threading::Condition& cond_;
    std::vector<std::unique_ptr<threading::Thread>> threads_;
    int waiting_ = 0;  // guarded by cond_
    std::vector<int> order_;
    std::atomic<int> woken_{0};
};

}  // namespace

TEST(Condition, DefaultLockIsReentrant) {
    // CPython: lock_tests.ConditionTests.test_acquire
    threading::Condition cond;
    EXPECT_TRUE(cond.acquire());
    EXPECT_TRUE(cond.acquire());
    cond.release();
    cond.release();
    EXPECT_THROW(cond.release(), threading::RuntimeError);
}

TEST(Condition, AcquireAndReleaseForwardToTheLock) {
    // CPython: lock_tests.ConditionTests.test_acquire
    threading::Lock lock;
    threading::Condition cond(lock);
    cond.acquire();
    EXPECT_FALSE(lock.acquire(false));
    cond.release();
    EXPECT_TRUE(lock.acquire(false));
    EXPECT_FALSE(cond.acquire(false));
    lock.release();
    {
        std::lock_guard hold(cond);
        EXPECT_FALSE(lock.acquire(false));
    }
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(cond.try_lock());
    EXPECT_TRUE(lock.locked());
    cond.unlock();
    EXPECT_FALSE(lock.locked());
}

TEST(Condition, TimedAcquireForwardsErrors) {
    threading::Lock lock;
    threading::Condition over_lock(lock);
    threading::Condition over_rlock;
    EXPECT_THROW(over_lock.acquire(true, std::chrono::seconds(-1)), threading::ValueError);
    EXPECT_THROW(over_rlock.acquire(true, std::chrono::seconds(-1)), threading::ValueError);
    EXPECT_THROW(over_lock.acquire(false, std::chrono::seconds(1)), threading::ValueError);
    EXPECT_THROW(over_rlock.acquire(false, std::chrono::seconds(1)), threading::ValueError);
    EXPECT_TRUE(over_lock.acquire(true, std::chrono::seconds(1)));
    EXPECT_FALSE(over_lock.acquire(true, std::chrono::milliseconds(1)));
    over_lock.release();
    EXPECT_TRUE(over_rlock.acquire(true, std::chrono::seconds(1)));
    over_rlock.release();
}

TEST(Condition, WaitWithoutLockRaisesRuntimeError) {
    // CPython: lock_tests.ConditionTests.test_unacquired_wait
    threading::Condition cond;
    try {
        cond.wait();
        FAIL() << "wait() without the lock did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "cannot wait on un-acquired lock");
    }
    EXPECT_THROW(cond.wait(std::chrono::milliseconds(10)), threading::RuntimeError);
    EXPECT_THROW(cond.wait_for([] { return false; }), threading::RuntimeError);
    EXPECT_THROW(cond.wait_for([] { return false; }, std::chrono::milliseconds(10)),
                 threading::RuntimeError);

    threading::Lock lock;
    threading::Condition over_lock(lock);
    EXPECT_THROW(over_lock.wait(), threading::RuntimeError);
    EXPECT_THROW(over_lock.wait(std::chrono::milliseconds(10)), threading::RuntimeError);
}

TEST(Condition, WaitForWithTruePredicateNeedsNoWait) {
    // Python evaluates the predicate first: no wait, hence no lock check.
    threading::Condition cond;
    EXPECT_TRUE(cond.wait_for([] { return true; }));
    EXPECT_EQ(cond.wait_for([] { return 7; }, std::chrono::seconds(1)), 7);
}

TEST(Condition, NotifyWithoutLockRaisesRuntimeError) {
    // CPython: lock_tests.ConditionTests.test_unacquired_notify
    threading::Condition cond;
    try {
        cond.notify();
        FAIL() << "notify() without the lock did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "cannot notify on un-acquired lock");
    }
    EXPECT_THROW(cond.notify(3), threading::RuntimeError);
    EXPECT_THROW(cond.notify_all(), threading::RuntimeError);

    threading::Lock lock;
    threading::Condition over_lock(lock);
    EXPECT_THROW(over_lock.notify(), threading::RuntimeError);
    EXPECT_THROW(over_lock.notify_all(), threading::RuntimeError);
}

TEST(Condition, WaitAndNotifyByNonOwnerOfRLockRaise) {
    threading::Condition cond;
    threading::Event held, done;
    threading::Thread owner([&] {
        std::lock_guard hold(cond);
        held.set();
        done.wait();
    });
    owner.start();
    held.wait();
    EXPECT_THROW(cond.notify(), threading::RuntimeError);
    EXPECT_THROW(cond.notify_all(), threading::RuntimeError);
    EXPECT_THROW(cond.wait(std::chrono::milliseconds(1)), threading::RuntimeError);
    done.set();
    owner.join();
}

TEST(Condition, NotifyWithNoWaitersIsANoOp) {
    threading::Condition cond;
    std::lock_guard hold(cond);
    cond.notify();
    cond.notify(10);
    cond.notify(0);
    cond.notify_all();
}

TEST(Condition, WaitTimeoutReturnsFalse) {
    // CPython: lock_tests.ConditionTests.test_timeout
    threading::Condition cond;
    std::unique_lock hold(cond);
    Stopwatch watch;
    EXPECT_FALSE(cond.wait(std::chrono::milliseconds(50)));
    EXPECT_GE(watch.elapsed(), 45ms);
    EXPECT_LT(watch.elapsed(), kSlow);
    // The lock is held again after the timeout.
    EXPECT_TRUE(hold.owns_lock());
    cond.notify();  // would throw if the lock were not held
}

TEST(Condition, WaitTimeoutFromSeveralThreads) {
    // CPython: lock_tests.ConditionTests.test_timeout
    threading::Condition cond;
    constexpr int kThreads = 5;
    std::atomic<int> timed_out{0};
    std::atomic<long long> min_elapsed_ms{1'000'000};
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] {
            std::unique_lock hold(cond);
            Stopwatch watch;
            if (!cond.wait(std::chrono::milliseconds(50))) ++timed_out;
            const long long ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
            long long seen = min_elapsed_ms.load();
            while (ms < seen && !min_elapsed_ms.compare_exchange_weak(seen, ms)) {
            }
        }));
        threads.back()->start();
    }
    for (auto& t : threads) t->join();
    EXPECT_EQ(timed_out.load(), kThreads);
    EXPECT_GE(min_elapsed_ms.load(), 45);
}

TEST(Condition, NegativeTimeoutCountsAsZero) {
    threading::Condition cond;
    std::unique_lock hold(cond);
    Stopwatch watch;
    EXPECT_FALSE(cond.wait(std::chrono::seconds(-1)));
    EXPECT_FALSE(cond.wait(std::chrono::seconds(0)));
    EXPECT_FALSE(cond.wait_for([] { return false; }, std::chrono::seconds(-1)));
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_TRUE(hold.owns_lock());
}

TEST(Condition, WaitReturnsTrueWhenNotified) {
    threading::Condition cond;
    bool waiting = false;  // guarded by cond
    std::atomic<bool> result{false};
    threading::Thread t([&] {
        std::unique_lock hold(cond);
        waiting = true;
        result = cond.wait(std::chrono::seconds(30));
    });
    t.start();
    // `waiting` is set under the lock, which wait() gives up only once the
    // waiter is queued: seeing it under the lock means the waiter is queued.
    ASSERT_TRUE(eventually([&] {
        std::lock_guard hold(cond);
        return waiting;
    }));
    Stopwatch watch;
    {
        std::lock_guard hold(cond);
        cond.notify();
    }
    t.join();
    EXPECT_TRUE(result.load());
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(Condition, NotifyWakesExactlyN) {
    // CPython: lock_tests.ConditionTests.test_notify
    threading::Condition cond;
    Waiters waiters(cond, 5);
    waiters.start_in_order();
    {
        std::lock_guard hold(cond);
        cond.notify(2);
    }
    ASSERT_TRUE(eventually([&] { return waiters.woken() == 2; }));
    // Nobody else was woken: the other three are still queued.
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(waiters.woken(), 2);
    {
        std::lock_guard hold(cond);
        cond.notify(2);
    }
    ASSERT_TRUE(eventually([&] { return waiters.woken() == 4; }));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(waiters.woken(), 4);
    {
        std::lock_guard hold(cond);
        cond.notify(100);  // more than are waiting
    }
    waiters.join();
    EXPECT_EQ(waiters.woken(), 5);
}

TEST(Condition, NotifyDefaultWakesOne) {
    threading::Condition cond;
    Waiters waiters(cond, 2);
    waiters.start_in_order();
    {
        std::lock_guard hold(cond);
        cond.notify();
    }
    ASSERT_TRUE(eventually([&] { return waiters.woken() == 1; }));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(waiters.woken(), 1);
    {
        std::lock_guard hold(cond);
        cond.notify();
    }
    waiters.join();
    EXPECT_EQ(waiters.woken(), 2);
}

TEST(Condition, NotifyZeroWakesNobody) {
    threading::Condition cond;
    Waiters waiters(cond, 1);
    waiters.start_in_order();
    {
        std::lock_guard hold(cond);
        cond.notify(0);
    }
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(waiters.woken(), 0);
    {
        std::lock_guard hold(cond);
        cond.notify_all();
    }
    waiters.join();
    EXPECT_EQ(waiters.woken(), 1);
}

TEST(Condition, NotifyAllWakesEveryWaiter) {
    // CPython: lock_tests.ConditionTests.test_notify
    threading::Condition cond;
    Waiters waiters(cond, 6);
    waiters.start_in_order();
    {
        std::lock_guard hold(cond);
        cond.notify_all();
    }
    waiters.join();
    EXPECT_EQ(waiters.woken(), 6);
}

TEST(Condition, WaitersAreWokenInFifoOrder) {
    threading::Condition cond;
    constexpr int kThreads = 5;
    Waiters waiters(cond, kThreads);
    waiters.start_in_order();
    for (int i = 1; i <= kThreads; ++i) {
        {
            std::lock_guard hold(cond);
            cond.notify();
        }
        ASSERT_TRUE(eventually([&] { return waiters.woken() == i; }));
    }
    waiters.join();
    EXPECT_EQ(waiters.order(), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Condition, NotifyIsNotRememberedForLaterWaiters) {
    threading::Condition cond;
    std::unique_lock hold(cond);
    cond.notify_all();
    EXPECT_FALSE(cond.wait(std::chrono::milliseconds(20)));
}

TEST(Condition, WaitForReturnsWhenPredicateBecomesTrue) {
    // CPython: lock_tests.ConditionTests.test_waitfor
    threading::Condition cond;
    int state = 0;
    std::atomic<bool> ok{false};
    threading::Thread t([&] {
        std::unique_lock hold(cond);
        const bool result = cond.wait_for([&] { return state == 4; });
        ok = result && state == 4;
    });
    t.start();
    for (int i = 0; i < 4; ++i) {
        std::lock_guard hold(cond);
        ++state;
        cond.notify();
    }
    t.join();
    EXPECT_TRUE(ok.load());
}

TEST(Condition, WaitForTimeoutReturnsFalsyPredicateValue) {
    // CPython: lock_tests.ConditionTests.test_waitfor_timeout
    threading::Condition cond;
    int state = 0;
    std::atomic<bool> result{true};
    std::atomic<long long> elapsed_ms{0};
    threading::Thread t([&] {
        std::unique_lock hold(cond);
        Stopwatch watch;
        result = cond.wait_for([&] { return state == 4; }, std::chrono::milliseconds(100));
        elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
    });
    t.start();
    // Only three increments: state == 4 is never reached. The notifications
    // must not extend the total timeout.
    for (int i = 0; i < 3; ++i) {
        std::lock_guard hold(cond);
        ++state;
        cond.notify();
    }
    t.join();
    EXPECT_FALSE(result.load());
    EXPECT_GE(elapsed_ms.load(), 95);
    EXPECT_LT(elapsed_ms.load(), 5000);
}

TEST(Condition, WaitForReturnsThePredicateValue) {
    threading::Condition cond;
    std::optional<int> item;
    std::optional<int> received;
    threading::Thread consumer([&] {
        std::unique_lock hold(cond);
        received = cond.wait_for([&] { return item; }, std::chrono::seconds(30));
    });
    consumer.start();
    {
        std::lock_guard hold(cond);
        item = 42;
        cond.notify();
    }
    consumer.join();
    ASSERT_TRUE(received.has_value());
    EXPECT_EQ(*received, 42);

    // On timeout, the last (falsy) value comes back.
    std::unique_lock hold(cond);
    int calls = 0;
    const int last = cond.wait_for([&] { return 0 * ++calls; }, std::chrono::milliseconds(20));
    EXPECT_EQ(last, 0);
    EXPECT_GE(calls, 2);  // checked before waiting and after the timeout
}

TEST(Condition, WaitForWithoutTimeoutReturnsTruthyValue) {
    threading::Condition cond;
    int value = 0;
    std::atomic<int> result{0};
    threading::Thread t([&] {
        std::unique_lock hold(cond);
        result = cond.wait_for([&] { return value; });
    });
    t.start();
    {
        std::lock_guard hold(cond);
        value = 17;
        cond.notify_all();
    }
    t.join();
    EXPECT_EQ(result.load(), 17);
}

TEST(Condition, OverLockReleasesItWhileWaiting) {
    threading::Lock lock;
    threading::Condition cond(lock);
    std::atomic<bool> waiting{false};
    std::atomic<bool> notified{false};
    threading::Thread t([&] {
        std::unique_lock hold(cond);
        waiting = true;
        notified = cond.wait(std::chrono::seconds(30));
        EXPECT_TRUE(lock.locked());
    });
    t.start();
    ASSERT_TRUE(eventually([&] { return waiting.load(); }));
    // The waiter gave the lock up: this thread can take it.
    ASSERT_TRUE(lock.acquire(std::chrono::seconds(30)));
    cond.notify();
    lock.release();
    t.join();
    EXPECT_TRUE(notified.load());
    EXPECT_FALSE(lock.locked());
}

TEST(Condition, OverRLockRestoresRecursionLevelsAfterWait) {
    threading::RLock rlock;
    threading::Condition cond(rlock);
    std::atomic<bool> waiting{false};
    std::atomic<bool> notified{false};
    std::atomic<int> releases_after_wait{0};
    std::atomic<bool> extra_release_threw{false};
    threading::Thread t([&] {
        rlock.acquire();
        rlock.acquire();
        rlock.acquire();
        waiting = true;
        notified = cond.wait(std::chrono::seconds(30));
        // All three levels are back: exactly three releases succeed.
        for (int i = 0; i < 3; ++i) {
            rlock.release();
            ++releases_after_wait;
        }
        try {
            rlock.release();
        } catch (const threading::RuntimeError&) {
            extra_release_threw = true;
        }
    });
    t.start();
    ASSERT_TRUE(eventually([&] { return waiting.load(); }));
    // While it waits, every level is released: another thread can own it.
    ASSERT_TRUE(rlock.acquire(std::chrono::seconds(30)));
    rlock.acquire();
    cond.notify();
    rlock.release();
    rlock.release();
    t.join();
    EXPECT_TRUE(notified.load());
    EXPECT_EQ(releases_after_wait.load(), 3);
    EXPECT_TRUE(extra_release_threw.load());
    EXPECT_FALSE(rlock.locked());
}

TEST(Condition, DefaultConditionReleasesAllLevelsWhileWaiting) {
    threading::Condition cond;
    std::atomic<bool> waiting{false};
    threading::Thread t([&] {
        cond.acquire();
        cond.acquire();
        waiting = true;
        cond.wait(std::chrono::seconds(30));
        cond.release();
        cond.release();
    });
    t.start();
    ASSERT_TRUE(eventually([&] { return waiting.load(); }));
    {
        std::unique_lock hold(cond);  // possible only if both levels were released
        cond.notify();
    }
    t.join();
    EXPECT_TRUE(cond.try_lock());
    cond.unlock();
}

TEST(Condition, TwoConditionsShareOneLock) {
    threading::Lock lock;
    threading::Condition not_empty(lock), not_full(lock);
    int items = 0;
    constexpr int kItems = 200;
    threading::Thread consumer([&] {
        for (int i = 0; i < kItems; ++i) {
            std::unique_lock hold(lock);
            not_empty.wait_for([&] { return items > 0; });
            --items;
            not_full.notify();
        }
    });
    consumer.start();
    for (int i = 0; i < kItems; ++i) {
        std::unique_lock hold(lock);
        not_full.wait_for([&] { return items < 2; });
        ++items;
        not_empty.notify();
    }
    consumer.join();
    EXPECT_EQ(items, 0);
}

TEST(Condition, WorksWithStdUniqueLock) {
    threading::Condition cond;
    std::unique_lock hold(cond);
    EXPECT_TRUE(hold.owns_lock());
    cond.notify_all();
    hold.unlock();
    EXPECT_THROW(cond.notify_all(), threading::RuntimeError);
    EXPECT_TRUE(hold.try_lock());
    cond.notify();
}

TEST(Condition, WorksWithStdScopedLock) {
    threading::Lock other;
    threading::Condition cond;
    {
        std::scoped_lock both(cond, other);
        EXPECT_TRUE(other.locked());
        cond.notify_all();  // the condition's lock is held
    }
    EXPECT_FALSE(other.locked());
    EXPECT_THROW(cond.notify(), threading::RuntimeError);
}

TEST(Condition, TimedOutWaiterLeavesTheQueue) {
    // A waiter that timed out must not swallow a later notify().
    threading::Condition cond;
    {
        std::unique_lock hold(cond);
        EXPECT_FALSE(cond.wait(std::chrono::milliseconds(5)));
    }
    Waiters waiters(cond, 1);
    waiters.start_in_order();
    {
        std::lock_guard hold(cond);
        cond.notify();
    }
    waiters.join();
    EXPECT_EQ(waiters.woken(), 1);
}
