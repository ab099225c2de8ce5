// Tests for concur::threading::Lock (Python's threading.Lock).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

TEST(Lock, InitiallyUnlocked) {
    // CPython: lock_tests.BaseLockTests.test_constructor
    threading::Lock lock;
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, AcquireRelease) {
    // CPython: lock_tests.BaseLockTests.test_acquire_release
    threading::Lock lock;
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.locked());
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, DestroyWhileHeldIsFine) {
    // CPython: lock_tests.BaseLockTests.test_acquire_destroy
    auto lock = std::make_unique<threading::Lock>();
    lock->acquire();
    lock.reset();
}

TEST(Lock, NonBlockingAcquire) {
    // CPython: lock_tests.BaseLockTests.test_try_acquire
    threading::Lock lock;
    EXPECT_TRUE(lock.acquire(false));
    EXPECT_FALSE(lock.acquire(false));
    lock.release();
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
}

TEST(Lock, NonBlockingAcquireContended) {
    // CPython: lock_tests.BaseLockTests.test_try_acquire_contended
    threading::Lock lock;
    lock.acquire();
    std::atomic<bool> result{true};
    threading::Thread t([&] { result = lock.acquire(false); });
    t.start();
    t.join();
    EXPECT_FALSE(result.load());
    lock.release();
}

TEST(Lock, ReleaseUnlockedRaisesRuntimeError) {
    // CPython: test_threading.ThreadingExceptionTests.test_releasing_unacquired_lock
    threading::Lock lock;
    try {
        lock.release();
        FAIL() << "release() of an unlocked Lock did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "release unlocked lock");
    }
    // Still usable, and a second release after a first one fails too.
    lock.acquire();
    lock.release();
    EXPECT_THROW(lock.release(), threading::RuntimeError);
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, RuntimeErrorIsAStdRuntimeError) {
    threading::Lock lock;
    EXPECT_THROW(lock.release(), std::runtime_error);
}

TEST(Lock, AcquireContendedBlocksUntilRelease) {
    // CPython: lock_tests.BaseLockTests.test_acquire_contended
    threading::Lock lock;
    lock.acquire();
    constexpr int kThreads = 5;
    std::atomic<int> started{0}, finished{0};
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] {
            ++started;
            lock.acquire();
            lock.release();
            ++finished;
        }));
        threads.back()->start();
    }
    ASSERT_TRUE(eventually([&] { return started.load() == kThreads; }));
    for (auto& t : threads) ASSERT_TRUE(wait_until_parked(*t->native_id()));
    EXPECT_EQ(finished.load(), 0);  // nobody can get past a held lock
    lock.release();
    for (auto& t : threads) t->join();
    EXPECT_EQ(finished.load(), kThreads);
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, ReleaseFromAnotherThread) {
    // CPython: lock_tests.LockTests.test_different_thread
    threading::Lock lock;
    lock.acquire();
    threading::Thread t([&] { lock.release(); });
    t.start();
    t.join();
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
}

TEST(Lock, IsNotReentrant) {
    // CPython: lock_tests.LockTests.test_reacquire
    threading::Lock lock;
    std::atomic<int> phase{0};
    threading::Thread t([&] {
        lock.acquire();
        ++phase;
        lock.acquire();  // blocks until another thread releases it
        ++phase;
    });
    t.start();
    ASSERT_TRUE(eventually([&] { return phase.load() == 1; }));
    ASSERT_TRUE(wait_until_parked(*t.native_id()));
    EXPECT_EQ(phase.load(), 1);
    lock.release();  // the first acquire's level, released by this thread
    t.join();
    EXPECT_EQ(phase.load(), 2);
    EXPECT_TRUE(lock.locked());
    lock.release();
}

TEST(Lock, NegativeTimeoutRaisesValueError) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::Lock lock;
    try {
        lock.acquire(true, std::chrono::milliseconds(-1));
        FAIL() << "negative timeout accepted";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "timeout value must be a non-negative number");
    }
    EXPECT_THROW(lock.acquire(std::chrono::seconds(-100)), threading::ValueError);
    EXPECT_THROW(lock.acquire(std::chrono::duration<double>(-0.5)), threading::ValueError);
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, TimeoutWithNonBlockingRaisesValueError) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::Lock lock;
    try {
        lock.acquire(false, std::chrono::seconds(1));
        FAIL() << "timeout accepted with blocking=false";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "can't specify a timeout for a non-blocking call");
    }
    EXPECT_THROW(lock.acquire(false, std::chrono::seconds(0)), threading::ValueError);
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, ValueErrorIsAStdInvalidArgument) {
    threading::Lock lock;
    EXPECT_THROW(lock.acquire(false, std::chrono::seconds(0)), std::invalid_argument);
}

TEST(Lock, TimedAcquireOfFreeLockSucceedsAtOnce) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::Lock lock;
    Stopwatch watch;
    EXPECT_TRUE(lock.acquire(std::chrono::seconds(5)));
    EXPECT_LT(watch.elapsed(), kSlow);
    lock.release();
    EXPECT_TRUE(lock.acquire(std::chrono::seconds(0)));
    lock.release();
}

TEST(Lock, HugeTimeoutDoesNotOverflow) {
    // Python accepts up to TIMEOUT_MAX; concur saturates any duration.
    threading::Lock lock;
    EXPECT_TRUE(lock.acquire(std::chrono::hours(24 * 365 * 1000)));
    lock.release();
    EXPECT_TRUE(lock.acquire(std::chrono::nanoseconds::max()));
    lock.release();
    EXPECT_TRUE(lock.acquire(std::chrono::duration<double>(1e100)));
    // Held: a huge timeout still ends when another thread releases the lock.
    threading::Thread t([&] { lock.release(); });
    t.start();
    EXPECT_TRUE(lock.acquire(std::chrono::duration<double>(1e100)));
    t.join();
    lock.release();
}

TEST(Lock, AcquireTimeoutExpires) {
    // CPython: lock_tests.BaseLockTests.test_timeout
    threading::Lock lock;
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
    EXPECT_TRUE(lock.locked());
    lock.release();
}

TEST(Lock, ZeroTimeoutOnHeldLockFailsAtOnce) {
    threading::Lock lock;
    lock.acquire();
    Stopwatch watch;
    EXPECT_FALSE(lock.acquire(std::chrono::seconds(0)));
    EXPECT_FALSE(lock.acquire(true, std::chrono::microseconds(0)));
    EXPECT_LT(watch.elapsed(), kSlow);
    lock.release();
}

TEST(Lock, StateAfterTimeout) {
    // CPython: lock_tests.LockTests.test_state_after_timeout
    threading::Lock lock;
    lock.acquire();
    EXPECT_FALSE(lock.acquire(std::chrono::milliseconds(10)));
    lock.release();
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
}

TEST(Lock, TimedAcquireSucceedsWhenReleasedInTime) {
    threading::Lock lock;
    lock.acquire();
    threading::Event waiting;
    std::atomic<bool> result{false};
    threading::Thread t([&] {
        waiting.set();
        result = lock.acquire(std::chrono::seconds(30));
    });
    t.start();
    waiting.wait();
    ASSERT_TRUE(wait_until_parked(*t.native_id()));
    Stopwatch watch;
    lock.release();
    t.join();
    EXPECT_TRUE(result.load());
    EXPECT_LT(watch.elapsed(), kSlow);  // woken by the release, not the timeout
    EXPECT_TRUE(lock.locked());         // now held on behalf of the finished thread
    lock.release();
}

TEST(Lock, WorksWithStdLockGuard) {
    // CPython: lock_tests.BaseLockTests.test_with
    threading::Lock lock;
    {
        std::lock_guard guard(lock);
        EXPECT_TRUE(lock.locked());
    }
    EXPECT_FALSE(lock.locked());
    // An exception leaving the block releases the lock.
    try {
        std::lock_guard guard(lock);
        throw std::runtime_error("inside with");
    } catch (const std::runtime_error&) {
    }
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, WorksWithStdUniqueLock) {
    threading::Lock lock;
    std::unique_lock hold(lock);
    EXPECT_TRUE(hold.owns_lock());
    EXPECT_TRUE(lock.locked());
    hold.unlock();
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(hold.try_lock());
    hold.unlock();
    EXPECT_TRUE(hold.try_lock_for(std::chrono::milliseconds(10)));
    hold.unlock();
    EXPECT_TRUE(hold.try_lock_until(std::chrono::steady_clock::now() + std::chrono::seconds(1)));
    EXPECT_TRUE(lock.locked());
}

TEST(Lock, UniqueLockDeferAndTryToLock) {
    threading::Lock lock;
    lock.acquire();
    {
        std::unique_lock attempt(lock, std::try_to_lock);
        EXPECT_FALSE(attempt.owns_lock());
    }
    EXPECT_TRUE(lock.locked());  // the failed attempt did not release it
    lock.release();
    std::unique_lock deferred(lock, std::defer_lock);
    EXPECT_FALSE(lock.locked());
    deferred.lock();
    EXPECT_TRUE(lock.locked());
}

TEST(Lock, WorksWithStdScopedLock) {
    threading::Lock a, b;
    {
        std::scoped_lock both(a, b);
        EXPECT_TRUE(a.locked());
        EXPECT_TRUE(b.locked());
    }
    EXPECT_FALSE(a.locked());
    EXPECT_FALSE(b.locked());
}

TEST(Lock, ScopedLockAvoidsDeadlockWithOppositeOrder) {
    threading::Lock a, b;
    constexpr int kRounds = 500;
    long counter = 0;
    threading::Thread t1([&] {
        for (int i = 0; i < kRounds; ++i) {
            std::scoped_lock both(a, b);
            ++counter;
        }
    });
    threading::Thread t2([&] {
        for (int i = 0; i < kRounds; ++i) {
            std::scoped_lock both(b, a);
            ++counter;
        }
    });
    t1.start();
    t2.start();
    t1.join();
    t2.join();
    EXPECT_EQ(counter, 2 * kRounds);
}

TEST(Lock, TryLockForAndUntilTimeOut) {
    threading::Lock lock;
    lock.acquire();
    std::atomic<long long> for_ms{0}, until_ms{0};
    std::atomic<int> successes{0};
    threading::Thread t([&] {
        Stopwatch watch;
        if (lock.try_lock_for(std::chrono::milliseconds(50))) ++successes;
        for_ms = std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
        watch.restart();
        if (lock.try_lock_until(std::chrono::steady_clock::now() + std::chrono::milliseconds(50)))
            ++successes;
        until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
        // std semantics: a non-positive duration is just a try.
        if (lock.try_lock_for(std::chrono::milliseconds(-5))) ++successes;
        if (lock.try_lock_until(std::chrono::steady_clock::now() - std::chrono::seconds(1)))
            ++successes;
        if (lock.try_lock()) ++successes;
    });
    t.start();
    t.join();
    EXPECT_EQ(successes.load(), 0);
    EXPECT_GE(for_ms.load(), 45);
    EXPECT_GE(until_ms.load(), 45);
    EXPECT_LT(for_ms.load(), 5000);
    EXPECT_LT(until_ms.load(), 5000);
    lock.release();
    EXPECT_TRUE(lock.try_lock_for(std::chrono::milliseconds(-5)));
    lock.unlock();
}

TEST(Lock, TryLockUntilWithSystemClock) {
    threading::Lock lock;
    EXPECT_TRUE(lock.try_lock_until(std::chrono::system_clock::now() + std::chrono::seconds(1)));
    EXPECT_FALSE(
        lock.try_lock_until(std::chrono::system_clock::now() + std::chrono::milliseconds(1)));
    lock.unlock();
}

TEST(Lock, UnlockOfUnlockedLockRaises) {
    threading::Lock lock;
    EXPECT_THROW(lock.unlock(), threading::RuntimeError);
}

TEST(Lock, ReleaseHappensBeforeNextAcquire) {
    // Data written under the lock is visible to the next holder (TSan checks
    // the happens-before edge).
    threading::Lock lock;
    std::string shared;
    lock.acquire();
    threading::Thread t([&] {
        lock.acquire();
        EXPECT_EQ(shared, "written before release");
        shared = "written by the thread";
        lock.release();
    });
    t.start();
    shared = "written before release";
    lock.release();
    t.join();
    lock.acquire();
    EXPECT_EQ(shared, "written by the thread");
    lock.release();
}

TEST(Lock, AllocateLockGivesAnUnlockedLock) {
    auto lock = threading::allocate_lock();
    ASSERT_NE(lock, nullptr);
    EXPECT_FALSE(lock->locked());
    EXPECT_TRUE(lock->acquire(false));
    EXPECT_TRUE(lock->locked());
    lock->release();
}
