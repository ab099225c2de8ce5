// Tests for concur::threading::Semaphore and BoundedSemaphore (Python's
// threading.Semaphore and threading.BoundedSemaphore).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <mutex>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// `n` threads that each take one unit of `sem`, counting how many got one.
class Acquirers {
  public:
    Acquirers(threading::Semaphore& sem, int n) {
        for (int i = 0; i < n; ++i) {
            threads_.push_back(std::make_unique<threading::Thread>([this, &sem] {
                ++started_;
                sem.acquire();
                ++acquired_;
            }));
            threads_.back()->start();
        }
    }
    ~Acquirers() { join(); }
    void join() {
        for (auto& t : threads_)
            if (t->is_alive()) t->join();
    }
    // Waits until every thread has started and is either done or parked.
    void settle() {
        EXPECT_TRUE(
            eventually([&] { return started_.load() == static_cast<int>(threads_.size()); }));
        for (auto& t : threads_)
            if (t->is_alive()) wait_until_parked(*t->native_id());
    }
    int acquired() const { return acquired_.load(); }

  private:
    std::vector<std::unique_ptr<threading::Thread>> threads_;
    std::atomic<int> started_{0};
    std::atomic<int> acquired_{0};
};

}  // namespace

TEST(Semaphore, DefaultValueIsOne) {
    // CPython: lock_tests.BaseSemaphoreTests.test_default_value
    threading::Semaphore sem;
    EXPECT_EQ(sem.value(), 1u);
    EXPECT_TRUE(sem.acquire(false));
    EXPECT_FALSE(sem.acquire(false));
    sem.release();
    EXPECT_EQ(sem.value(), 1u);
}

TEST(Semaphore, NegativeInitialValueRaisesValueError) {
    // CPython: lock_tests.BaseSemaphoreTests.test_constructor
    try {
        threading::Semaphore sem(-1);
        FAIL() << "negative initial value accepted";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "semaphore initial value must be >= 0");
    }
    EXPECT_THROW(threading::Semaphore(std::numeric_limits<long long>::min()),
                 threading::ValueError);
}

TEST(Semaphore, TooLargeInitialValueRaisesValueError) {
    EXPECT_THROW(threading::Semaphore(std::numeric_limits<long long>::max()),
                 threading::ValueError);
    // The count shares its futex word with a flag: 31 bits, 2^31 - 1 at most.
    constexpr long long kLargest = (1LL << 31) - 1;
    EXPECT_THROW(threading::Semaphore(kLargest + 1), threading::ValueError);
    threading::Semaphore largest(kLargest);
    EXPECT_EQ(largest.value(), static_cast<std::uint32_t>(kLargest));
}

TEST(Semaphore, ZeroInitialValue) {
    threading::Semaphore sem(0);
    EXPECT_EQ(sem.value(), 0u);
    EXPECT_FALSE(sem.acquire(false));
    sem.release();
    EXPECT_TRUE(sem.acquire(false));
}

TEST(Semaphore, AcquireDecrementsReleaseIncrements) {
    // CPython: lock_tests.BaseSemaphoreTests.test_acquire
    threading::Semaphore sem(2);
    EXPECT_TRUE(sem.acquire());
    EXPECT_EQ(sem.value(), 1u);
    EXPECT_TRUE(sem.acquire());
    EXPECT_EQ(sem.value(), 0u);
    sem.release();
    EXPECT_EQ(sem.value(), 1u);
    sem.release();
    EXPECT_EQ(sem.value(), 2u);
}

TEST(Semaphore, NonBlockingAcquire) {
    // CPython: lock_tests.BaseSemaphoreTests.test_try_acquire
    threading::Semaphore sem(2);
    EXPECT_TRUE(sem.acquire(false));
    EXPECT_TRUE(sem.acquire(false));
    EXPECT_FALSE(sem.acquire(false));
    sem.release();
    EXPECT_TRUE(sem.acquire(false));
}

TEST(Semaphore, NonBlockingAcquireContended) {
    // CPython: lock_tests.BaseSemaphoreTests.test_try_acquire_contended
    threading::Semaphore sem(4);
    sem.acquire();
    std::atomic<int> successes{0}, failures{0};
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < 5; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] {
            for (int k = 0; k < 2; ++k) (sem.acquire(false) ? successes : failures)++;
        }));
        threads.back()->start();
    }
    for (auto& t : threads) t->join();
    EXPECT_EQ(successes.load(), 3);
    EXPECT_EQ(failures.load(), 7);
}

TEST(Semaphore, AcquireContended) {
    // CPython: lock_tests.BaseSemaphoreTests.test_acquire_contended
    threading::Semaphore sem(7);
    sem.acquire();
    Acquirers first(sem, 10);  // 6 units left for 10 threads
    ASSERT_TRUE(eventually([&] { return first.acquired() == 6; }));
    first.settle();
    EXPECT_EQ(first.acquired(), 6);
    EXPECT_EQ(sem.value(), 0u);
    for (int i = 0; i < 3; ++i) sem.release();
    ASSERT_TRUE(eventually([&] { return first.acquired() == 9; }));
    first.settle();
    EXPECT_EQ(first.acquired(), 9);
    EXPECT_FALSE(sem.acquire(false));  // still exhausted
    sem.release();
    first.join();
    EXPECT_EQ(first.acquired(), 10);
    EXPECT_EQ(sem.value(), 0u);
}

TEST(Semaphore, ReleaseNWakesNWaiters) {
    // CPython: lock_tests.BaseSemaphoreTests.test_acquire_contended
    threading::Semaphore sem(0);
    Acquirers waiters(sem, 5);
    waiters.settle();
    EXPECT_EQ(waiters.acquired(), 0);
    sem.release(3);
    ASSERT_TRUE(eventually([&] { return waiters.acquired() == 3; }));
    waiters.settle();
    EXPECT_EQ(waiters.acquired(), 3);
    EXPECT_EQ(sem.value(), 0u);
    sem.release(2);
    waiters.join();
    EXPECT_EQ(waiters.acquired(), 5);
    EXPECT_EQ(sem.value(), 0u);
}

TEST(Semaphore, ReleaseNWithoutWaitersAddsN) {
    threading::Semaphore sem(0);
    sem.release(5);
    EXPECT_EQ(sem.value(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(sem.acquire(false));
    EXPECT_FALSE(sem.acquire(false));
}

TEST(Semaphore, ReleaseZeroRaisesValueError) {
    threading::Semaphore sem(1);
    try {
        sem.release(0);
        FAIL() << "release(0) accepted";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "n must be one or more");
    }
    EXPECT_EQ(sem.value(), 1u);
}

TEST(Semaphore, UnboundedCanBeReleasedPastInitialValue) {
    // CPython: lock_tests.SemaphoreTests.test_release_unacquired
    threading::Semaphore sem(1);
    sem.release();
    EXPECT_EQ(sem.value(), 2u);
    EXPECT_TRUE(sem.acquire());
    EXPECT_TRUE(sem.acquire());
    sem.release();
}

TEST(Semaphore, AcquireTimeout) {
    // CPython: lock_tests.BaseSemaphoreTests.test_acquire_timeout
    threading::Semaphore sem(2);
    EXPECT_TRUE(sem.acquire(std::chrono::milliseconds(5)));
    EXPECT_TRUE(sem.acquire(std::chrono::milliseconds(5)));
    EXPECT_FALSE(sem.acquire(std::chrono::milliseconds(5)));
    sem.release();
    EXPECT_TRUE(sem.acquire(std::chrono::milliseconds(5)));
    Stopwatch watch;
    EXPECT_FALSE(sem.acquire(true, std::chrono::milliseconds(50)));
    EXPECT_GE(watch.elapsed(), 45ms);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_EQ(sem.value(), 0u);
}

TEST(Semaphore, TimeoutWithNonBlockingRaisesValueError) {
    // CPython: lock_tests.BaseSemaphoreTests.test_acquire_timeout
    threading::Semaphore sem(2);
    try {
        sem.acquire(false, std::chrono::seconds(1));
        FAIL() << "timeout accepted with blocking=false";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "can't specify timeout for non-blocking acquire");
    }
    EXPECT_EQ(sem.value(), 2u);
}

TEST(Semaphore, NegativeTimeoutCountsAsZero) {
    threading::Semaphore sem(1);
    EXPECT_TRUE(sem.acquire(std::chrono::seconds(-1)));
    Stopwatch watch;
    EXPECT_FALSE(sem.acquire(std::chrono::seconds(-1)));
    EXPECT_FALSE(sem.acquire(std::chrono::seconds(0)));
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(Semaphore, TimedAcquireSucceedsWhenReleasedInTime) {
    threading::Semaphore sem(0);
    std::atomic<bool> got{false};
    threading::Thread t([&] { got = sem.acquire(std::chrono::seconds(30)); });
    t.start();
    ASSERT_TRUE(wait_until_parked(*t.native_id()));
    Stopwatch watch;
    sem.release();
    t.join();
    EXPECT_TRUE(got.load());
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_EQ(sem.value(), 0u);
}

TEST(Semaphore, WorksWithStdLockGuard) {
    // CPython: lock_tests.BaseSemaphoreTests.test_with
    threading::Semaphore sem(2);
    {
        std::lock_guard hold(sem);
        EXPECT_TRUE(sem.acquire(false));
        sem.release();
        {
            std::lock_guard inner(sem);
            EXPECT_FALSE(sem.acquire(false));
        }
    }
    EXPECT_EQ(sem.value(), 2u);
    try {
        std::lock_guard hold(sem);
        throw std::runtime_error("inside with");
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(sem.value(), 2u);
}

TEST(Semaphore, WorksWithStdUniqueLock) {
    threading::Semaphore sem(1);
    std::unique_lock hold(sem);
    EXPECT_EQ(sem.value(), 0u);
    hold.unlock();
    EXPECT_EQ(sem.value(), 1u);
    EXPECT_TRUE(hold.try_lock());
    EXPECT_EQ(sem.value(), 0u);
    EXPECT_FALSE(sem.try_lock());
}

TEST(Semaphore, WorksWithStdScopedLock) {
    threading::Semaphore a(1);
    threading::BoundedSemaphore b(2);
    {
        std::scoped_lock both(a, b);
        EXPECT_EQ(a.value(), 0u);
        EXPECT_EQ(b.value(), 1u);
    }
    EXPECT_EQ(a.value(), 1u);
    EXPECT_EQ(b.value(), 2u);
}

TEST(Semaphore, ReleaseFromAnotherThread) {
    threading::Semaphore sem(0);
    threading::Thread t([&] { sem.release(); });
    t.start();
    EXPECT_TRUE(sem.acquire(std::chrono::seconds(30)));
    t.join();
}

TEST(BoundedSemaphore, OverReleaseRaisesValueError) {
    // CPython: lock_tests.BoundedSemaphoreTests.test_release_unacquired
    threading::BoundedSemaphore sem;
    try {
        sem.release();
        FAIL() << "release past the bound accepted";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "Semaphore released too many times");
    }
    sem.acquire();
    sem.release();
    EXPECT_THROW(sem.release(), threading::ValueError);
    EXPECT_EQ(sem.value(), 1u);
}

TEST(BoundedSemaphore, ReleaseNPastTheBoundRaisesAndChangesNothing) {
    threading::BoundedSemaphore sem(3);
    sem.acquire();
    sem.acquire();
    EXPECT_THROW(sem.release(3), threading::ValueError);
    EXPECT_EQ(sem.value(), 1u);
    sem.release(2);
    EXPECT_EQ(sem.value(), 3u);
    EXPECT_THROW(sem.release(0), threading::ValueError);
}

TEST(BoundedSemaphore, ZeroBoundRejectsAnyRelease) {
    threading::BoundedSemaphore sem(0);
    EXPECT_FALSE(sem.acquire(false));
    EXPECT_THROW(sem.release(), threading::ValueError);
}

TEST(BoundedSemaphore, NegativeInitialValueRaisesValueError) {
    // CPython: lock_tests.BaseSemaphoreTests.test_constructor
    EXPECT_THROW(threading::BoundedSemaphore(-1), threading::ValueError);
    EXPECT_THROW(threading::BoundedSemaphore(std::numeric_limits<long long>::min()),
                 threading::ValueError);
}

TEST(BoundedSemaphore, LimitAcrossThreads) {
    // CPython: test_threading.ThreadTests.test_BoundedSemaphore_limit
    for (int limit = 1; limit < 6; ++limit) {
        threading::BoundedSemaphore sem(limit);
        std::vector<std::unique_ptr<threading::Thread>> threads;
        for (int i = 0; i < limit; ++i)
            threads.push_back(std::make_unique<threading::Thread>([&] { sem.acquire(); }));
        for (auto& t : threads) t->start();
        for (auto& t : threads) t->join();
        EXPECT_EQ(sem.value(), 0u);
        threads.clear();
        for (int i = 0; i < limit; ++i)
            threads.push_back(std::make_unique<threading::Thread>([&] { sem.release(); }));
        for (auto& t : threads) t->start();
        for (auto& t : threads) t->join();
        EXPECT_EQ(sem.value(), static_cast<std::uint32_t>(limit));
        EXPECT_THROW(sem.release(), threading::ValueError);
    }
}

TEST(BoundedSemaphore, IsASemaphore) {
    threading::BoundedSemaphore bounded(2);
    threading::Semaphore& sem = bounded;
    EXPECT_TRUE(sem.acquire(std::chrono::milliseconds(1)));
    {
        std::lock_guard hold(sem);
        EXPECT_EQ(sem.value(), 0u);
    }
    sem.release();
    EXPECT_THROW(sem.release(), threading::ValueError);
}

TEST(BoundedSemaphore, AcquireTimeout) {
    // CPython: lock_tests.BaseSemaphoreTests.test_acquire_timeout
    threading::BoundedSemaphore sem(1);
    sem.acquire();
    EXPECT_THROW(sem.acquire(false, std::chrono::seconds(1)), threading::ValueError);
    Stopwatch watch;
    EXPECT_FALSE(sem.acquire(std::chrono::milliseconds(50)));
    EXPECT_GE(watch.elapsed(), 45ms);
    sem.release();
}

// The count holds at most 2,147,483,647 units (Python's is unbounded): a
// larger initial value or a release past it raises ValueError instead of
// wrapping around.
TEST(SemaphoreLimits, CountStopsAtTwoToTheThirtyOneMinusOne) {
    EXPECT_THROW(threading::Semaphore(2147483648LL), concur::ValueError);
    threading::Semaphore sem(2147483647LL);
    EXPECT_EQ(sem.value(), 2147483647u);
    EXPECT_THROW(sem.release(), concur::ValueError);
    EXPECT_EQ(sem.value(), 2147483647u);
    EXPECT_TRUE(sem.acquire(false));
    sem.release();
    EXPECT_THROW(sem.release(-1), concur::ValueError);
}
