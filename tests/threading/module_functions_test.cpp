// Tests for the module-level functions of concur::threading: current_thread,
// main_thread, active_count, enumerate, get_ident, get_native_id.
#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

bool contains(const std::vector<threading::ThreadRef>& threads, const threading::ThreadRef& t) {
    return std::find(threads.begin(), threads.end(), t) != threads.end();
}

}  // namespace

TEST(CurrentThread, InTheMainThreadIsTheMainThread) {
    // CPython: test_threading.ThreadTests.test_main_thread
    // (GoogleTest runs the tests in the process's main thread.)
    threading::ThreadRef current = threading::current_thread();
    threading::ThreadRef main = threading::main_thread();
    EXPECT_TRUE(current == main);
    EXPECT_EQ(main.name(), "MainThread");
    EXPECT_EQ(main.ident(), threading::get_ident());
    EXPECT_EQ(main.native_id(), threading::get_native_id());
    EXPECT_EQ(main.native_id(), static_cast<std::uint64_t>(::getpid()));
    EXPECT_TRUE(main.is_alive());
    EXPECT_FALSE(main.daemon());
    EXPECT_EQ(main.repr(),
              "<_MainThread(MainThread, started " + std::to_string(threading::get_ident()) + ")>");
}

TEST(CurrentThread, MainThreadCannotBeMadeDaemon) {
    EXPECT_THROW(threading::main_thread().daemon(true), threading::RuntimeError);
    EXPECT_FALSE(threading::main_thread().daemon());
}

TEST(CurrentThread, InAConcurThreadIsThatThread) {
    std::optional<threading::ThreadRef> inside, main_inside;
    threading::Thread t([&] {
        inside = threading::current_thread();
        main_inside = threading::main_thread();
    });
    t.start();
    t.join();
    EXPECT_TRUE(*inside == t.ref());
    EXPECT_TRUE(*main_inside == threading::main_thread());
    EXPECT_FALSE(*inside == threading::main_thread());
    EXPECT_NE(main_inside->ident(), t.ident());
}

TEST(CurrentThread, InAForeignThreadIsADummyThread) {
    // CPython: test_threading.ThreadTests.test_foreign_thread
    std::optional<threading::ThreadRef> dummy;
    std::optional<threading::ThreadRef> again;
    std::uint64_t ident = 0, native = 0;
    bool listed = false;
    std::thread t([&] {
        dummy = threading::current_thread();
        again = threading::current_thread();
        ident = threading::get_ident();
        native = threading::get_native_id();
        listed = contains(threading::enumerate(), *dummy);
    });
    t.join();
    ASSERT_TRUE(dummy.has_value());
    EXPECT_TRUE(*dummy == *again);  // one entry per thread
    EXPECT_EQ(dummy->name().rfind("Dummy-", 0), 0u) << dummy->name();
    EXPECT_TRUE(dummy->daemon());
    EXPECT_EQ(dummy->ident(), ident);
    EXPECT_EQ(dummy->native_id(), native);
    EXPECT_TRUE(listed);
    // std::thread::join waited for the thread's exit: the entry is gone.
    EXPECT_FALSE(dummy->is_alive());
    EXPECT_FALSE(contains(threading::enumerate(), *dummy));
}

TEST(CurrentThread, DummyThreadCannotBeJoined) {
    threading::Event release;
    std::optional<threading::ThreadRef> dummy;
    threading::Event have_dummy;
    std::thread t([&] {
        dummy = threading::current_thread();
        have_dummy.set();
        release.wait();
    });
    have_dummy.wait();
    try {
        dummy->join();
        ADD_FAILURE() << "joining a dummy thread did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "cannot join a dummy thread");
    }
    EXPECT_THROW(dummy->join(std::chrono::milliseconds(1)), threading::RuntimeError);
    release.set();
    t.join();
}

TEST(MainThread, IsTheSameFromEveryThread) {
    // CPython: test_threading.ThreadTests.test_main_thread
    const std::uint64_t main_ident = *threading::main_thread().ident();
    std::atomic<std::uint64_t> seen{0};
    std::atomic<bool> differs_from_current{false};
    threading::Thread t([&] {
        seen = *threading::main_thread().ident();
        differs_from_current =
            threading::main_thread().ident() != threading::current_thread().ident();
    });
    t.start();
    t.join();
    EXPECT_EQ(seen.load(), main_ident);
    EXPECT_TRUE(differs_from_current.load());
    std::uint64_t from_std_thread = 0;
    std::thread s([&] { from_std_thread = *threading::main_thread().ident(); });
    s.join();
    EXPECT_EQ(from_std_thread, main_ident);
}

TEST(ActiveCount, CountsRunningThreads) {
    const std::size_t before = threading::active_count();
    EXPECT_GE(before, 1u);  // the main thread at least
    constexpr int kThreads = 3;
    threading::Event release;
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] { release.wait(); }));
        EXPECT_EQ(threading::active_count(), before + i);  // not before start()
        threads.back()->start();
        EXPECT_EQ(threading::active_count(), before + i + 1);
    }
    release.set();
    for (auto& t : threads) t->join();
    EXPECT_EQ(threading::active_count(), before);
}

TEST(ActiveCount, IncludesDummyThreads) {
    const std::size_t before = threading::active_count();
    threading::Event registered, release;
    std::size_t during = 0;
    std::thread t([&] {
        threading::current_thread();
        during = threading::active_count();
        registered.set();
        release.wait();
    });
    registered.wait();
    EXPECT_EQ(during, before + 1);
    EXPECT_EQ(threading::active_count(), before + 1);
    release.set();
    t.join();
    EXPECT_EQ(threading::active_count(), before);
}

TEST(Enumerate, ListsTheLivingThreads) {
    const auto before = threading::enumerate();
    EXPECT_TRUE(contains(before, threading::main_thread()));
    EXPECT_TRUE(contains(before, threading::current_thread()));
    EXPECT_EQ(before.size(), threading::active_count());

    threading::Event release;
    threading::Thread t(threading::ThreadOptions{.name = "listed"}, [&] { release.wait(); });
    EXPECT_FALSE(contains(threading::enumerate(), t.ref()));  // not started yet
    t.start();
    const auto during = threading::enumerate();
    EXPECT_TRUE(contains(during, t.ref()));
    EXPECT_EQ(during.size(), before.size() + 1);
    const auto it = std::find(during.begin(), during.end(), t.ref());
    ASSERT_NE(it, during.end());
    EXPECT_EQ(it->name(), "listed");
    release.set();
    t.join();
    EXPECT_FALSE(contains(threading::enumerate(), t.ref()));
    EXPECT_EQ(threading::enumerate().size(), before.size());
}

TEST(Enumerate, MainThreadFirstThenThreadsInStartOrder) {
    // Python's enumerate() lists its _active dict, which keeps insertion
    // order: the main thread (registered on import) first, then threads in the
    // order they started, dummy threads where they were first seen.
    constexpr int kThreads = 8;
    threading::Event release;
    // Constructed in one order, started in the reverse one: start order counts.
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.push_back(std::make_unique<threading::Thread>([&] { release.wait(); }));
    std::vector<threading::ThreadRef> expected;
    std::optional<threading::ThreadRef> dummy;
    threading::Event dummy_seen;
    std::thread foreign;
    for (int i = kThreads - 1; i >= 0; --i) {
        threads[i]->start();
        expected.push_back(threads[i]->ref());
        if (i == kThreads / 2) {
            // A foreign thread, first seen between two starts.
            foreign = std::thread([&] {
                dummy = threading::current_thread();
                dummy_seen.set();
                release.wait();
            });
            dummy_seen.wait();
            expected.push_back(*dummy);
        }
    }

    const auto listed = threading::enumerate();
    release.set();
    foreign.join();
    for (auto& t : threads) t->join();

    ASSERT_FALSE(listed.empty());
    EXPECT_TRUE(listed.front() == threading::main_thread()) << listed.front().repr();
    std::vector<threading::ThreadRef> ours;
    for (const auto& ref : listed)
        if (contains(expected, ref)) ours.push_back(ref);
    ASSERT_EQ(ours.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_TRUE(ours[i] == expected[i])
            << "position " << i << ": " << ours[i].repr() << ", expected " << expected[i].repr();
}

TEST(Enumerate, ThreadIsGoneRightAfterJoin) {
    // CPython: test_threading.ThreadTests.test_enumerate_after_join
    for (int i = 0; i < 50; ++i) {
        threading::Thread t([] {});
        t.start();
        t.join();
        ASSERT_FALSE(contains(threading::enumerate(), t.ref())) << "iteration " << i;
    }
}

TEST(Enumerate, RefsFromEnumerateCanJoin) {
    threading::Event release;
    threading::Thread t(threading::ThreadOptions{.name = "joined-through-enumerate"},
                        [&] { release.wait(); });
    t.start();
    std::optional<threading::ThreadRef> found;
    for (auto& ref : threading::enumerate())
        if (ref.name() == "joined-through-enumerate") found = ref;
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->join(std::chrono::milliseconds(10)));
    release.set();
    found->join();
    EXPECT_FALSE(t.is_alive());
}

TEST(Exceptions, PythonHierarchyOverStandardExceptions) {
    // BrokenBarrierError is a RuntimeError, as in Python; each derives from
    // the closest standard exception; threading:: re-exports them.
    static_assert(std::is_base_of_v<threading::RuntimeError, threading::BrokenBarrierError>);
    static_assert(std::is_base_of_v<std::runtime_error, threading::RuntimeError>);
    static_assert(std::is_base_of_v<std::invalid_argument, threading::ValueError>);
    static_assert(std::is_base_of_v<std::runtime_error, threading::TimeoutError>);
    static_assert(std::is_same_v<threading::ValueError, concur::ValueError>);
    EXPECT_STREQ(threading::BrokenBarrierError().what(), "barrier is broken");
    EXPECT_STREQ(threading::BrokenBarrierError("custom").what(), "custom");
    EXPECT_STREQ(threading::TimeoutError("late").what(), "late");
}

TEST(GetIdent, IsStableAndDistinctPerThread) {
    const std::uint64_t mine = threading::get_ident();
    EXPECT_NE(mine, 0u);
    EXPECT_EQ(threading::get_ident(), mine);
    EXPECT_EQ(mine, static_cast<std::uint64_t>(::pthread_self()));
    std::atomic<std::uint64_t> other{0};
    threading::Thread t([&] { other = threading::get_ident(); });
    t.start();
    t.join();
    EXPECT_NE(other.load(), mine);
    EXPECT_EQ(other.load(), *t.ident());
}

TEST(GetNativeId, IsTheKernelThreadId) {
    EXPECT_EQ(threading::get_native_id(), static_cast<std::uint64_t>(::syscall(SYS_gettid)));
    std::atomic<std::uint64_t> other{0}, kernel{0};
    threading::Thread t([&] {
        other = threading::get_native_id();
        kernel = static_cast<std::uint64_t>(::syscall(SYS_gettid));
    });
    t.start();
    t.join();
    EXPECT_EQ(other.load(), kernel.load());
    EXPECT_NE(other.load(), threading::get_native_id());
    EXPECT_EQ(other.load(), *t.native_id());
}
