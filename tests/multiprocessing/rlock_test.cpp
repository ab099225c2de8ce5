// multiprocessing::RLock: reentrancy and ownership in one process, and across
// processes -- non-owner release, an owner that dies, serialisation.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include <concur/multiprocessing/event.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/rlock.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Ports _TestLock.test_rlock (Lib/test/_test_multiprocessing.py).
TEST(RLock, ReentersAndReleasesLevelByLevel) {
    mp::RLock lock;
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
    lock.release();
    EXPECT_TRUE(lock.locked());
    lock.release();
    EXPECT_FALSE(lock.locked());
    try {
        lock.release();
        FAIL() << "release of an unowned RLock did not raise";
    } catch (const mp::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "attempt to release recursive lock not owned by thread");
    }
}

TEST(RLock, WorksWithNestedLockGuards) {
    mp::RLock lock;
    std::lock_guard outer(lock);
    std::lock_guard inner(lock);
    EXPECT_TRUE(lock.locked());
}

TEST(RLock, AnotherThreadNeitherEntersNorReleases) {
    mp::RLock lock;
    lock.acquire();
    bool entered = true;
    bool release_raised = false;
    std::thread other([&] {
        entered = lock.acquire(true, 30ms);
        try {
            lock.release();
        } catch (const mp::RuntimeError&) {
            release_raised = true;
        }
    });
    other.join();
    EXPECT_FALSE(entered);
    EXPECT_TRUE(release_raised);
    lock.release();
}

TEST(RLock, AnotherProcessCannotReleaseNorEnter) {
    mp::RLock lock;
    lock.acquire();
    const pid_t pid = concur_test::fork_child([&] {
        // The forked child's thread is not the owner, though it descends from it.
        if (lock.acquire(false)) return false;
        try {
            lock.release();
        } catch (const mp::RuntimeError&) {
            return true;
        }
        return false;
    });
    EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_TRUE(lock.locked());
    lock.release();
}

TEST(RLock, OwnerKilledAtDepthTwoIsTakenOverWithCountOne) {
    mp::RLock lock;
    mp::Event holding;
    const pid_t pid = concur_test::fork_child([&] {
        lock.acquire();
        lock.acquire();
        holding.set();
        ::pause();
    });
    ASSERT_TRUE(holding.wait(5s));
    ::kill(pid, SIGKILL);
    EXPECT_EQ(concur_test::join_child(pid), 128 + SIGKILL);
    const auto start = Clock::now();
    ASSERT_TRUE(lock.acquire(true, 5s));
    EXPECT_LT(Clock::now() - start, 2s);
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(RLock, OwnerExitingWhileAParentThreadWaitsIsTakenOver) {
    mp::RLock lock;
    mp::Event holding;
    const pid_t pid = concur_test::fork_child([&] {
        lock.acquire();
        holding.set();
        std::this_thread::sleep_for(100ms);  // _exit(0) while holding it
    });
    ASSERT_TRUE(holding.wait(5s));
    const bool acquired = lock.acquire(true, 5s);
    EXPECT_TRUE(acquired);
    if (acquired) lock.release();
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

TEST(RLock, SerialisedHandleRefersToTheSameLock) {
    mp::RLock lock;
    mp::RLock received = concur_test::round_trip(lock, mp::RLock());
    lock.acquire();
    EXPECT_TRUE(received.locked());
    EXPECT_TRUE(received.acquire(false));  // the same thread owns it: reentry
    received.release();
    lock.release();
    EXPECT_FALSE(received.locked());
}

}  // namespace
