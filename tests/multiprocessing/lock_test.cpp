// multiprocessing::Lock: threading-style contracts in one process, and across
// processes -- release by another process, a holder that dies, serialisation.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <concur/multiprocessing/event.hpp>
#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/lock.hpp>
#include <concur/multiprocessing/value.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Ports _TestLock.test_lock (Lib/test/_test_multiprocessing.py).
TEST(Lock, AcquireReleaseAndReleaseOfUnlockedRaisesValueError) {
    mp::Lock lock;
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(lock.acquire());
    EXPECT_TRUE(lock.locked());
    EXPECT_FALSE(lock.acquire(false));
    lock.release();
    EXPECT_FALSE(lock.locked());
    try {
        lock.release();
        FAIL() << "release of an unlocked Lock did not raise";
    } catch (const mp::ValueError& e) {
        EXPECT_STREQ(e.what(), "semaphore or lock released too many times");
    }
}

TEST(Lock, TimeoutRules) {
    mp::Lock lock;
    EXPECT_THROW(lock.acquire(false, 1s), mp::ValueError);
    EXPECT_THROW(lock.acquire(true, -1s), mp::ValueError);
    ASSERT_TRUE(lock.acquire(0s));
    const auto start = Clock::now();
    EXPECT_FALSE(lock.acquire(true, 60ms));
    EXPECT_GE(Clock::now() - start, 55ms);
    lock.release();
}

TEST(Lock, CopiesAreHandlesToOneLock) {
    mp::Lock lock;
    mp::Lock copy = lock;
    std::lock_guard guard(copy);
    EXPECT_TRUE(lock.locked());
    EXPECT_FALSE(lock.try_lock());
}

TEST(Lock, ExcludesThreadsWithLockGuard) {
    mp::Lock lock;
    long counter = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                std::lock_guard guard(lock);
                ++counter;
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter, 8000);
}

// Ports _TestLock.test_lock_context / the shared counter of the docs, with
// a separate Lock guarding a lock-free Value.
TEST(Lock, ExcludesProcesses) {
    constexpr int kChildren = 3;
    constexpr int kIncrements = 1000;
    mp::Lock lock;
    mp::Value<long> counter(0, mp::lock_free);
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c)
        children.push_back(concur_test::fork_child([&] {
            for (int i = 0; i < kIncrements; ++i) {
                std::lock_guard guard(lock);
                counter.value(counter.value() + 1);
            }
        }));
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(counter.value(), kChildren * kIncrements);
    EXPECT_FALSE(lock.locked());
}

// Python's multiprocessing.Lock has no owner: another process may release it.
TEST(Lock, AnotherProcessMayReleaseIt) {
    mp::Lock lock;
    lock.acquire();
    const pid_t pid = concur_test::fork_child([lock]() mutable { lock.release(); });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, ChildBlocksUntilParentReleases) {
    mp::Lock lock;
    mp::Event started;
    lock.acquire();
    const pid_t pid = concur_test::fork_child([&] {
        started.set();
        if (!lock.acquire(true, 5s)) return false;
        lock.release();
        return true;
    });
    ASSERT_TRUE(started.wait(5s));
    std::this_thread::sleep_for(20ms);
    lock.release();
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

// Robustness: a holder that dies must not deadlock the others.
void expect_taken_over(mp::Lock& lock) {
    const auto start = Clock::now();
    ASSERT_TRUE(lock.acquire(true, 5s));
    EXPECT_LT(Clock::now() - start, 2s);
    lock.release();
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, HolderKilledAndReapedIsTakenOver) {
    mp::Lock lock;
    mp::Event holding;
    const pid_t pid = concur_test::fork_child([&] {
        lock.acquire();
        holding.set();
        ::pause();  // killed here
    });
    ASSERT_TRUE(holding.wait(5s));
    ::kill(pid, SIGKILL);
    EXPECT_EQ(concur_test::join_child(pid), 128 + SIGKILL);
    expect_taken_over(lock);
}

TEST(Lock, HolderExitedButNotReapedIsTakenOver) {
    mp::Lock lock;
    const pid_t pid = concur_test::fork_child([&] { lock.acquire(); });  // _exit(0) holding it
    // Wait until it is a zombie (exited, not reaped) without reaping it.
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
    ASSERT_TRUE(lock.locked());
    expect_taken_over(lock);
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

TEST(Lock, WaiterParkedBeforeTheHolderDiesTakesOver) {
    mp::Lock lock;
    mp::Event holding;
    mp::Event die;
    const pid_t pid = concur_test::fork_child([&] {
        lock.acquire();
        holding.set();
        die.wait(5s);
        ::raise(SIGKILL);
    });
    ASSERT_TRUE(holding.wait(5s));
    std::thread killer([&] {
        std::this_thread::sleep_for(100ms);  // let the parent park first
        die.set();
    });
    const auto start = Clock::now();
    const bool acquired = lock.acquire(true, 5s);
    killer.join();
    EXPECT_TRUE(acquired);
    EXPECT_LT(Clock::now() - start, 3s);
    if (acquired) lock.release();
    EXPECT_EQ(concur_test::join_child(pid), 128 + SIGKILL);
}

// Contenders keep working when one of them is killed, holding the lock or
// parked on it: every survivor finishes its rounds within the bound.
TEST(Lock, ContendersSurviveOneKilledMidway) {
    constexpr int kChildren = 3;
    mp::Lock lock;
    mp::Value<long> rounds(0, mp::lock_free);
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c)
        children.push_back(concur_test::fork_child([&] {
            for (int i = 0; i < 300; ++i) {
                if (!lock.acquire(true, 5s)) return false;
                rounds.value(rounds.value() + 1);
                std::this_thread::sleep_for(std::chrono::microseconds(100));
                lock.release();
            }
            return true;
        }));
    const auto deadline = Clock::now() + 5s;
    while (rounds.value() < 50 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
    ::kill(children[0], SIGKILL);
    EXPECT_EQ(concur_test::join_child(children[0]), 128 + SIGKILL);
    for (int c = 1; c < kChildren; ++c) EXPECT_EQ(concur_test::join_child(children[c]), 0);
    expect_taken_over(lock);
}

TEST(Lock, NonBlockingAcquireTakesOverFromADeadHolder) {
    mp::Lock lock;
    const pid_t pid = concur_test::fork_child([&] { lock.acquire(); });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    EXPECT_TRUE(lock.locked());
    EXPECT_TRUE(lock.acquire(false));
    lock.release();
}

TEST(Lock, SerialisedHandleRefersToTheSameLock) {
    mp::Lock lock;
    mp::Lock received = concur_test::round_trip(lock, mp::Lock());
    ASSERT_TRUE(lock.acquire(false));
    EXPECT_TRUE(received.locked());
    EXPECT_FALSE(received.acquire(false));
    received.release();
    EXPECT_FALSE(lock.locked());
}

}  // namespace
