// multiprocessing::Semaphore / BoundedSemaphore: counting and misuse in one
// process, and the limit they put on concurrency across processes.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <concur/multiprocessing/array.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/semaphore.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Ports _TestSemaphore._test_semaphore / test_semaphore.
TEST(Semaphore, CountsDownAndUp) {
    mp::Semaphore sem(2);
    EXPECT_EQ(sem.get_value(), 2u);
    EXPECT_TRUE(sem.acquire());
    EXPECT_EQ(sem.get_value(), 1u);
    EXPECT_TRUE(sem.acquire());
    EXPECT_EQ(sem.get_value(), 0u);
    EXPECT_FALSE(sem.acquire(false));
    sem.release();
    EXPECT_EQ(sem.get_value(), 1u);
    sem.release(2);
    EXPECT_EQ(sem.get_value(), 3u);
}

// Ports _TestSemaphore.test_timeout.
TEST(Semaphore, TimedAcquireWaitsThenFails) {
    mp::Semaphore sem(0);
    const auto start = Clock::now();
    EXPECT_FALSE(sem.acquire(60ms));
    EXPECT_GE(Clock::now() - start, 55ms);
    EXPECT_FALSE(sem.acquire(true, -1s));  // negative counts as zero
    EXPECT_THROW(sem.acquire(false, 1s), mp::ValueError);
}

TEST(Semaphore, MisuseRaisesValueError) {
    EXPECT_THROW(mp::Semaphore(-1), mp::ValueError);
    mp::Semaphore sem(0);
    EXPECT_THROW(sem.release(0), mp::ValueError);
}

// Ports _TestSemaphore.test_bounded_semaphore.
TEST(BoundedSemaphore, OverReleaseRaisesValueError) {
    mp::BoundedSemaphore sem(2);
    sem.acquire();
    sem.release();
    try {
        sem.release();
        FAIL() << "over-release did not raise";
    } catch (const mp::ValueError& e) {
        EXPECT_STREQ(e.what(), "semaphore or lock released too many times");
    }
    EXPECT_EQ(sem.get_value(), 2u);
}

TEST(Semaphore, ChildReleaseWakesParent) {
    mp::Semaphore sem(0);
    const pid_t pid = concur_test::fork_child([sem]() mutable {
        std::this_thread::sleep_for(20ms);
        sem.release();
    });
    EXPECT_TRUE(sem.acquire(5s));
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

TEST(BoundedSemaphore, LimitsConcurrencyAcrossProcesses) {
    constexpr int kChildren = 4;
    mp::BoundedSemaphore slots(2);
    mp::Array<int> stats(2);  // [inside now, most inside at once]
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c)
        children.push_back(concur_test::fork_child([&] {
            for (int round = 0; round < 3; ++round) {
                if (!slots.acquire(5s)) return false;
                {
                    std::lock_guard guard(stats.get_lock());
                    stats[0] += 1;
                    if (stats[0] > stats[1]) stats[1] = stats[0];
                }
                std::this_thread::sleep_for(10ms);
                {
                    std::lock_guard guard(stats.get_lock());
                    stats[0] -= 1;
                }
                slots.release();
            }
            return true;
        }));
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(stats[0], 0);
    EXPECT_GE(stats[1], 1);
    EXPECT_LE(stats[1], 2);
    EXPECT_EQ(slots.get_value(), 2u);
}

TEST(Semaphore, SerialisedHandleRefersToTheSameSemaphore) {
    mp::BoundedSemaphore sem(3);
    mp::BoundedSemaphore received = concur_test::round_trip(sem, mp::BoundedSemaphore());
    sem.acquire();
    EXPECT_EQ(received.get_value(), 2u);
    received.release();
    EXPECT_THROW(received.release(), mp::ValueError);
}

}  // namespace
