// Tests for concur::threading::RLock (Python's threading.RLock).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// Runs `f` in a new thread and returns its result.
template <class F>
auto in_other_thread(F f) {
    decltype(f()) result{};
    threading::Thread t([&] { result = f(); });
    t.start();
    t.join();
    return result;
}

}  // namespace

TEST(RLock, InitiallyUnlocked) {
    threading::RLock lock;
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, Reacquire) {
    // CPython: lock_tests.RLockTests.test_reacquire
    threading::RLock lock;
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.acquire());
    lock.release();
    EXPECT_TRUE(lock.acquire());
    lock.release();
    EXPECT_TRUE(lock.locked());
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, NonBlockingAcquireByOwnerReenters) {
    threading::RLock lock;
    EXPECT_TRUE(lock.acquire(false));
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, ReleaseUnacquiredRaisesRuntimeError) {
    // CPython: lock_tests.RLockTests.test_release_unacquired
    threading::RLock lock;
    try {
        lock.release();
        FAIL() << "release() of an unacquired RLock did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "cannot release un-acquired lock");
    }
    lock.acquire();
    lock.acquire();
    lock.release();
    lock.acquire();
    lock.release();
    lock.release();
    EXPECT_THROW(lock.release(), threading::RuntimeError);
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, ReleaseByNonOwnerRaisesRuntimeError) {
    // CPython: lock_tests.RLockTests.test_different_thread
    threading::RLock lock;
    threading::Event acquired, may_release;
    std::atomic<bool> released_by_owner{false};
    threading::Thread owner([&] {
        lock.acquire();
        acquired.set();
        may_release.wait();
        lock.release();
        released_by_owner = true;
    });
    owner.start();
    acquired.wait();
    EXPECT_TRUE(lock.locked());
    EXPECT_THROW(lock.release(), threading::RuntimeError);
    EXPECT_TRUE(lock.locked());  // the failed release changed nothing
    may_release.set();
    owner.join();
    EXPECT_TRUE(released_by_owner.load());
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, OtherThreadsBlockedUntilFullyReleased) {
    // CPython: lock_tests.BaseLockTests.test_try_acquire_contended
    threading::RLock lock;
    lock.acquire();
    lock.acquire();
    auto try_from_other = [&] {
        return in_other_thread([&] {
            const bool got = lock.acquire(false);
            if (got) lock.release();
            return got;
        });
    };
    EXPECT_FALSE(try_from_other());
    lock.release();
    EXPECT_TRUE(lock.locked());
    EXPECT_FALSE(try_from_other());
    lock.release();
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(try_from_other());
}

TEST(RLock, AcquireContendedBlocksUntilRelease) {
    // CPython: lock_tests.BaseLockTests.test_acquire_contended
    threading::RLock lock;
    lock.acquire();
    std::atomic<bool> finished{false};
    threading::Event started;
    threading::Thread t([&] {
        started.set();
        lock.acquire();
        lock.acquire();
        finished = true;
        lock.release();
        lock.release();
    });
    t.start();
    started.wait();
    ASSERT_TRUE(wait_until_parked(*t.native_id()));
    EXPECT_FALSE(finished.load());
    lock.release();
    t.join();
    EXPECT_TRUE(finished.load());
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, LockedIsSeenByOtherThreads) {
    threading::RLock lock;
    EXPECT_FALSE(in_other_thread([&] { return lock.locked(); }));
    lock.acquire();
    EXPECT_TRUE(in_other_thread([&] { return lock.locked(); }));
    lock.release();
}

TEST(RLock, NegativeTimeoutRaisesValueError) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::RLock lock;
    EXPECT_THROW(lock.acquire(true, std::chrono::milliseconds(-1)), threading::ValueError);
    EXPECT_THROW(lock.acquire(std::chrono::seconds(-100)), threading::ValueError);
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, TimeoutWithNonBlockingRaisesValueError) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::RLock lock;
    try {
        lock.acquire(false, std::chrono::seconds(1));
        FAIL() << "timeout accepted with blocking=false";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "can't specify a timeout for a non-blocking call");
    }
    // Also when the caller already owns it.
    lock.acquire();
    EXPECT_THROW(lock.acquire(false, std::chrono::seconds(0)), threading::ValueError);
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, NegativeTimeoutRaisesEvenForTheOwner) {
    // Python validates the timeout before looking at the owner.
    threading::RLock lock;
    lock.acquire();
    EXPECT_THROW(lock.acquire(std::chrono::seconds(-1)), threading::ValueError);
    lock.release();
    EXPECT_FALSE(lock.locked());  // the failed call took no level
}

TEST(RLock, TimedAcquireByOwnerReenters) {
    threading::RLock lock;
    EXPECT_TRUE(lock.acquire(std::chrono::seconds(5)));
    Stopwatch watch;
    EXPECT_TRUE(lock.acquire(std::chrono::seconds(5)));
    EXPECT_LT(watch.elapsed(), kSlow);
    lock.release();
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, AcquireTimeoutExpires) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::RLock lock;
    lock.acquire();
    std::atomic<bool> result{true};
    std::atomic<long long> elapsed_ms{0};
    threading::Thread t([&] {
        Stopwatch watch;
        result = lock.acquire(std::chrono::milliseconds(50));
        elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
    });
    t.start();
    t.join();
    EXPECT_FALSE(result.load());
    EXPECT_GE(elapsed_ms.load(), 45);
    EXPECT_LT(elapsed_ms.load(), 5000);
    // The owner is unaffected: still one level held.
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, TimedAcquireSucceedsWhenReleasedInTime) {
    threading::RLock lock;
    lock.acquire();
    threading::Event waiting;
    std::atomic<bool> result{false};
    threading::Thread t([&] {
        waiting.set();
        result = lock.acquire(std::chrono::seconds(30));
        if (result) lock.release();
    });
    t.start();
    waiting.wait();
    lock.release();
    t.join();
    EXPECT_TRUE(result.load());
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, WorksWithNestedStdLockGuards) {
    threading::RLock lock;
    {
        std::lock_guard outer(lock);
        {
            std::lock_guard inner(lock);  // same thread: no deadlock
            EXPECT_TRUE(lock.locked());
        }
        EXPECT_TRUE(lock.locked());
        EXPECT_FALSE(in_other_thread([&] { return lock.try_lock(); }));
    }
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, WorksWithStdUniqueLockAndScopedLock) {
    threading::RLock rlock;
    threading::Lock lock;
    {
        std::unique_lock hold(rlock);
        EXPECT_TRUE(hold.owns_lock());
        hold.unlock();
        EXPECT_TRUE(hold.try_lock_for(std::chrono::milliseconds(10)));
    }
    EXPECT_FALSE(rlock.locked());
    {
        std::scoped_lock both(rlock, lock);
        EXPECT_TRUE(rlock.locked());
        EXPECT_TRUE(lock.locked());
    }
    EXPECT_FALSE(rlock.locked());
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, TryLockForAndUntil) {
    threading::RLock lock;
    EXPECT_TRUE(lock.try_lock_for(std::chrono::milliseconds(10)));
    EXPECT_TRUE(lock.try_lock_for(std::chrono::milliseconds(-10)));  // owner re-enters
    EXPECT_TRUE(lock.try_lock_until(std::chrono::steady_clock::now()));
    std::atomic<long long> elapsed_ms{0};
    std::atomic<bool> got{true};
    threading::Thread t([&] {
        Stopwatch watch;
        got = lock.try_lock_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
        elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
    });
    t.start();
    t.join();
    EXPECT_FALSE(got.load());
    EXPECT_GE(elapsed_ms.load(), 45);
    lock.unlock();
    lock.unlock();
    lock.unlock();
    EXPECT_FALSE(lock.locked());
    EXPECT_THROW(lock.unlock(), threading::RuntimeError);
}

TEST(RLock, ManyRecursionLevels) {
    threading::RLock lock;
    constexpr int kLevels = 1000;
    for (int i = 0; i < kLevels; ++i) ASSERT_TRUE(lock.acquire());
    for (int i = 0; i < kLevels - 1; ++i) lock.release();
    EXPECT_TRUE(lock.locked());
    EXPECT_FALSE(in_other_thread([&] { return lock.try_lock(); }));
    lock.release();
    EXPECT_FALSE(lock.locked());
    EXPECT_THROW(lock.release(), threading::RuntimeError);
}

TEST(RLock, OwnershipPassesBetweenThreads) {
    threading::RLock lock;
    long counter = 0;
    constexpr int kRounds = 2000;
    auto work = [&] {
        for (int i = 0; i < kRounds; ++i) {
            std::lock_guard outer(lock);
            std::lock_guard inner(lock);
            ++counter;
        }
    };
    threading::Thread a(work), b(work);
    a.start();
    b.start();
    a.join();
    b.join();
    EXPECT_EQ(counter, 2 * kRounds);
    EXPECT_FALSE(lock.locked());
}
