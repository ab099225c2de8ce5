// Tests for concur::threading::start_new_thread and allocate_lock (Python's
// low-level _thread module).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

bool enumerate_has_ident(std::uint64_t ident) {
    const auto threads = threading::enumerate();
    return std::any_of(threads.begin(), threads.end(),
                       [&](const threading::ThreadRef& t) { return t.ident() == ident; });
}

}  // namespace

TEST(StartNewThread, RunsTheFunctionWithItsArguments) {
    std::atomic<int> sum{0};
    std::atomic<std::uint64_t> native{0};
    threading::Event done;
    threading::start_new_thread(
        [&](int a, std::string b) {
            sum = a + static_cast<int>(b.size());
            native = threading::get_native_id();
            done.set();
        },
        40, std::string("ab"));
    ASSERT_TRUE(done.wait(std::chrono::seconds(60)));
    EXPECT_EQ(sum.load(), 42);
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
}

TEST(StartNewThread, ReturnsTheIdentOfTheNewThread) {
    // CPython: test_threading.ThreadTests.test_ident_of_no_threading_threads
    std::atomic<std::uint64_t> inside{0}, native{0};
    threading::Event done;
    const std::uint64_t ident = threading::start_new_thread([&] {
        inside = threading::get_ident();
        native = threading::get_native_id();
        done.set();
    });
    ASSERT_TRUE(done.wait(std::chrono::seconds(60)));
    EXPECT_EQ(ident, inside.load());
    EXPECT_NE(ident, threading::get_ident());
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
}

TEST(StartNewThread, DoesNotBlockTheCaller) {
    threading::Event release, done;
    std::atomic<std::uint64_t> native{0};
    Stopwatch watch;
    threading::start_new_thread([&] {
        native = threading::get_native_id();
        release.wait();
        done.set();
    });
    EXPECT_FALSE(done.is_set());  // the caller returned while the thread waits
    release.set();
    ASSERT_TRUE(done.wait(std::chrono::seconds(60)));
    ASSERT_TRUE(eventually([&] { return native.load() != 0; }));
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
}

TEST(StartNewThread, ForeignThreadAppearsAsDummyOnlyAfterCurrentThread) {
    // CPython: test_threading.ThreadTests.test_foreign_thread
    std::atomic<bool> listed_before{true}, listed_after{false}, daemon{false}, alive{false};
    std::string name, repr;
    std::atomic<std::uint64_t> native{0};
    threading::Event done;
    const std::uint64_t ident = threading::start_new_thread([&] {
        native = threading::get_native_id();
        listed_before = enumerate_has_ident(threading::get_ident());
        threading::ThreadRef me = threading::current_thread();
        listed_after = enumerate_has_ident(threading::get_ident());
        name = me.name();
        repr = me.repr();
        daemon = me.daemon();
        alive = me.is_alive();
        done.set();
    });
    ASSERT_TRUE(done.wait(std::chrono::seconds(60)));
    EXPECT_FALSE(listed_before.load());
    EXPECT_TRUE(listed_after.load());
    EXPECT_EQ(name.rfind("Dummy-", 0), 0u) << name;
    EXPECT_EQ(repr, "<_DummyThread(" + name + ", started daemon " + std::to_string(ident) + ")>");
    EXPECT_TRUE(daemon.load());
    EXPECT_TRUE(alive.load());
    // The dummy entry goes away when the thread exits.
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
    EXPECT_TRUE(eventually([&] { return !enumerate_has_ident(ident); }));
}

TEST(StartNewThread, ManyThreadsWithAllocatedLock) {
    // CPython: lock_tests.Bunch (threads started with _thread.start_new_thread)
    constexpr int kThreads = 10, kIncrements = 200;
    auto lock = threading::allocate_lock();
    long counter = 0;
    // Shared with the threads: release() is their last act, and may still be
    // running when this thread's acquire() returns, so the semaphore must not
    // be destroyed under them.
    auto finished = std::make_shared<threading::Semaphore>(0);
    std::vector<std::atomic<std::uint64_t>> natives(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        threading::start_new_thread(
            [&, finished](int index) {
                natives[index] = threading::get_native_id();
                for (int k = 0; k < kIncrements; ++k) {
                    std::lock_guard hold(*lock);
                    ++counter;
                }
                finished->release();
            },
            i);
    }
    for (int i = 0; i < kThreads; ++i) ASSERT_TRUE(finished->acquire(std::chrono::seconds(60)));
    {
        std::lock_guard hold(*lock);
        EXPECT_EQ(counter, kThreads * kIncrements);
    }
    for (auto& native : natives) ASSERT_TRUE(wait_until_thread_exits(native.load()));
}

TEST(StartNewThread, LockAsASignalBetweenThreads) {
    // CPython: test_threading.ThreadTests.test_foreign_thread
    auto mutex = threading::allocate_lock();
    mutex->acquire();
    std::atomic<std::uint64_t> native{0};
    threading::start_new_thread(
        [&native](threading::Lock* m) {
            native = threading::get_native_id();
            m->release();  // a Lock may be released by any thread
        },
        mutex.get());
    ASSERT_TRUE(mutex->acquire(std::chrono::seconds(60)));  // waits for the thread
    mutex->release();
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
}
