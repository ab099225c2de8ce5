// Tests for concur::threading::Thread and ThreadRef (Python's threading.Thread).
#include <gtest/gtest.h>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

// Free functions with external linkage, so that dladdr() can name them (the
// test executable is linked with ENABLE_EXPORTS).
void concur_test_named_target(std::atomic<int>* calls) {
    ++*calls;
}
void concur_test_noop_target() {}

namespace {

std::string os_thread_name() {
    char buffer[64] = {};
    ::pthread_getname_np(::pthread_self(), buffer, sizeof buffer);
    return buffer;
}

class CountingThread : public threading::Thread {
  public:
    explicit CountingThread(int n) : Thread(threading::ThreadOptions{.name = "counter"}), n_(n) {}
    ~CountingThread() override {
        // run() uses this class's members: join before they are destroyed.
        if (is_alive()) join();
    }
    void run() override {
        for (int i = 0; i < n_; ++i) ++count;
        name_inside = threading::current_thread().name();
        same_as_current = threading::current_thread() == ref();
    }
    std::atomic<int> count{0};
    std::string name_inside;
    bool same_as_current = false;

  private:
    int n_;
};

}  // namespace

TEST(Thread, StartRunsTargetWithArguments) {
    std::atomic<int> sum{0};
    threading::Thread t([&](int a, int b) { sum = a + b; }, 2, 40);
    t.start();
    t.join();
    EXPECT_EQ(sum.load(), 42);
}

TEST(Thread, ArgumentsAreCopiedAndMoveOnlyArgumentsWork) {
    std::string text = "original";
    std::atomic<int> seen{0};
    std::string copy_seen;
    threading::Thread t(
        [&](std::string s, std::unique_ptr<int> p) {
            copy_seen = s;
            seen = *p;
        },
        text, std::make_unique<int>(7));
    text = "changed after construction";
    t.start();
    t.join();
    EXPECT_EQ(copy_seen, "original");
    EXPECT_EQ(seen.load(), 7);
}

TEST(Thread, ReferenceArgumentsThroughStdRef) {
    int value = 0;
    threading::Thread t([](int& out) { out = 5; }, std::ref(value));
    t.start();
    t.join();
    EXPECT_EQ(value, 5);
}

TEST(Thread, FunctionTargets) {
    std::atomic<int> calls{0};
    threading::Thread by_reference(concur_test_named_target, &calls);
    threading::Thread by_pointer(&concur_test_named_target, &calls);
    by_reference.start();
    by_pointer.start();
    by_reference.join();
    by_pointer.join();
    EXPECT_EQ(calls.load(), 2);
}

TEST(Thread, RunCalledDirectlyRunsTheTargetInTheCallingThread) {
    // Python: t.run() calls the target in the current thread, then drops it.
    std::atomic<std::uint64_t> ran_in{0};
    std::atomic<int> calls{0};
    threading::Thread t([&] {
        ran_in = threading::get_ident();
        ++calls;
    });
    t.run();
    EXPECT_EQ(ran_in.load(), threading::get_ident());
    EXPECT_EQ(calls.load(), 1);
    EXPECT_FALSE(t.is_alive());
    t.start();  // the target is gone: the thread runs nothing
    t.join();
    EXPECT_EQ(calls.load(), 1);
}

TEST(Thread, NoTargetRunsNothing) {
    threading::Thread t;
    t.start();
    t.join();
    EXPECT_FALSE(t.is_alive());
}

TEST(Thread, StartTwiceRaisesRuntimeError) {
    // CPython: test_threading.ThreadingExceptionTests.test_start_thread_again
    threading::Event release;
    threading::Thread t([&] { release.wait(); });
    t.start();
    try {
        t.start();
        FAIL() << "second start() did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "threads can only be started once");
    }
    release.set();
    t.join();
    // Also once the thread has finished.
    EXPECT_THROW(t.start(), threading::RuntimeError);
    EXPECT_FALSE(t.is_alive());
}

TEST(Thread, JoinUnstartedRaisesRuntimeError) {
    // CPython: test_threading.ThreadingExceptionTests.test_joining_inactive_thread
    threading::Thread t;
    try {
        t.join();
        FAIL() << "join() of an unstarted thread did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "cannot join thread before it is started");
    }
    EXPECT_THROW(t.join(std::chrono::milliseconds(10)), threading::RuntimeError);
}

TEST(Thread, JoinCurrentThreadRaisesRuntimeError) {
    // CPython: test_threading.ThreadingExceptionTests.test_joining_current_thread
    EXPECT_THROW(threading::current_thread().join(), threading::RuntimeError);
    std::string message;
    std::atomic<bool> timed_join_threw{false};
    threading::Thread t([&] {
        try {
            threading::current_thread().join();
        } catch (const threading::RuntimeError& e) {
            message = e.what();
        }
        try {
            threading::current_thread().join(std::chrono::milliseconds(10));
        } catch (const threading::RuntimeError&) {
            timed_join_threw = true;
        }
    });
    t.start();
    t.join();
    EXPECT_EQ(message, "cannot join current thread");
    EXPECT_TRUE(timed_join_threw.load());
}

TEST(Thread, SeveralJoiners) {
    threading::Event release;
    threading::Thread target([&] { release.wait(); });
    target.start();
    constexpr int kJoiners = 4;
    std::atomic<int> joined{0};
    std::vector<std::unique_ptr<threading::Thread>> joiners;
    for (int i = 0; i < kJoiners; ++i) {
        joiners.push_back(std::make_unique<threading::Thread>([&, i] {
            if (i % 2 == 0) {
                target.join();
                ++joined;
            } else if (target.join(std::chrono::seconds(60))) {
                ++joined;
            }
        }));
        joiners.back()->start();
    }
    for (auto& j : joiners) ASSERT_TRUE(wait_until_parked(*j->native_id()));
    EXPECT_EQ(joined.load(), 0);
    release.set();
    for (auto& j : joiners) j->join();
    EXPECT_EQ(joined.load(), kJoiners);
    target.join();  // joining again is fine
    EXPECT_FALSE(target.is_alive());
}

TEST(Thread, JoinTimeoutOnALongThreadReturnsFalse) {
    threading::Event release;
    threading::Thread t([&] { release.wait(); });
    t.start();
    Stopwatch watch;
    EXPECT_FALSE(t.join(std::chrono::milliseconds(50)));
    EXPECT_GE(watch.elapsed(), 45ms);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_TRUE(t.is_alive());
    release.set();
    EXPECT_TRUE(t.join(std::chrono::seconds(60)));
    EXPECT_FALSE(t.is_alive());
}

TEST(Thread, JoinNegativeTimeoutCountsAsZero) {
    threading::Event release;
    threading::Thread t([&] { release.wait(); });
    t.start();
    Stopwatch watch;
    EXPECT_FALSE(t.join(std::chrono::seconds(-1)));
    EXPECT_FALSE(t.join(std::chrono::seconds(0)));
    EXPECT_LT(watch.elapsed(), kSlow);
    release.set();
    t.join();
    EXPECT_TRUE(t.join(std::chrono::seconds(-1)));
    EXPECT_TRUE(t.join(std::chrono::seconds(0)));
}

TEST(Thread, JoinHappensAfterTheThreadsWrites) {
    std::vector<int> results;
    threading::Thread t([&] {
        for (int i = 0; i < 100; ++i) results.push_back(i * i);
    });
    t.start();
    t.join();
    ASSERT_EQ(results.size(), 100u);
    EXPECT_EQ(results[99], 99 * 99);
}

TEST(Thread, IsAlive) {
    threading::Event release;
    threading::Thread t([&] { release.wait(); });
    EXPECT_FALSE(t.is_alive());
    t.start();
    EXPECT_TRUE(t.is_alive());
    release.set();
    t.join();
    EXPECT_FALSE(t.is_alive());
}

TEST(Thread, DaemonSetterAfterStartRaisesRuntimeError) {
    // CPython: test_threading.ThreadingExceptionTests.test_daemonize_active_thread
    threading::Thread t;
    t.daemon(true);
    EXPECT_TRUE(t.daemon());
    t.daemon(false);
    EXPECT_FALSE(t.daemon());
    t.start();
    try {
        t.daemon(true);
        FAIL() << "daemon setter after start() did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "cannot set daemon status of active thread");
    }
    t.join();
    EXPECT_THROW(t.daemon(true), threading::RuntimeError);
    EXPECT_FALSE(t.daemon());
}

TEST(Thread, DaemonOption) {
    // CPython: test_threading.ThreadTests.test_daemon_param
    threading::Thread a;
    EXPECT_FALSE(a.daemon());
    threading::Thread b(threading::ThreadOptions{.daemon = false});
    EXPECT_FALSE(b.daemon());
    threading::Thread c(threading::ThreadOptions{.daemon = true});
    EXPECT_TRUE(c.daemon());
    threading::Thread d(threading::ThreadOptions{.daemon = true}, [] {});
    EXPECT_TRUE(d.daemon());
}

TEST(Thread, DaemonDefaultIsInheritedFromTheCreatingThread) {
    std::optional<bool> inner_default;
    std::optional<bool> inner_explicit;
    threading::Thread outer(threading::ThreadOptions{.daemon = true}, [&] {
        threading::Thread inner([] {});
        inner_default = inner.daemon();
        threading::Thread explicit_inner(threading::ThreadOptions{.daemon = false}, [] {});
        inner_explicit = explicit_inner.daemon();
        inner.start();
        inner.join();
    });
    outer.start();
    outer.join();
    ASSERT_TRUE(inner_default.has_value());
    EXPECT_TRUE(*inner_default);
    EXPECT_FALSE(*inner_explicit);
}

TEST(Thread, DefaultNameIsThreadN) {
    // CPython: test_threading.ThreadTests.test_name
    threading::Thread first;
    threading::Thread second;
    EXPECT_TRUE(is_default_name(first.name())) << first.name();
    EXPECT_TRUE(is_default_name(second.name())) << second.name();
    EXPECT_EQ(thread_number(second.name()), thread_number(first.name()) + 1);
    // An empty name also means "generate one".
    threading::Thread third(threading::ThreadOptions{.name = ""});
    EXPECT_EQ(thread_number(third.name()), thread_number(first.name()) + 2);
}

TEST(Thread, DefaultNameNamesAFunctionTarget) {
    // CPython: test_threading.ThreadTests.test_name
    std::atomic<int> calls{0};
    threading::Thread by_reference(concur_test_named_target, &calls);
    EXPECT_TRUE(is_default_name(by_reference.name(), " (concur_test_named_target)"))
        << by_reference.name();
    threading::Thread by_pointer(&concur_test_noop_target);
    EXPECT_TRUE(is_default_name(by_pointer.name(), " (concur_test_noop_target)"))
        << by_pointer.name();
    EXPECT_EQ(thread_number(by_pointer.name()), thread_number(by_reference.name()) + 1);
}

TEST(Thread, DefaultNameOfALambdaTarget) {
    threading::Thread t([] {});
    EXPECT_TRUE(is_default_name(t.name(), " (<lambda>)")) << t.name();
    int captured = 0;
    threading::Thread with_args([&captured](int x) { captured = x; }, 3);
    EXPECT_TRUE(is_default_name(with_args.name(), " (<lambda>)")) << with_args.name();
}

TEST(Thread, ExplicitNameWinsOverTargetName) {
    // CPython: test_threading.ThreadTests.test_name
    threading::Thread t(threading::ThreadOptions{.name = "myname2"}, concur_test_noop_target);
    EXPECT_EQ(t.name(), "myname2");
    threading::Thread u(threading::ThreadOptions{.name = "myname1"});
    EXPECT_EQ(u.name(), "myname1");
}

TEST(Thread, NameSetter) {
    threading::Thread t;
    t.name("renamed");
    EXPECT_EQ(t.name(), "renamed");
    std::string inside;
    threading::Thread u([&] { inside = threading::current_thread().name(); });
    u.name("worker-7");
    u.start();
    u.join();
    EXPECT_EQ(inside, "worker-7");
    u.name("after-join");
    EXPECT_EQ(u.name(), "after-join");
}

TEST(Thread, OsThreadNameIsTruncatedTo15Bytes) {
    std::string os_name, short_os_name;
    threading::Thread t(threading::ThreadOptions{.name = "abcdefghijklmnopqrstuvwxyz"},
                        [&] { os_name = os_thread_name(); });
    t.start();
    t.join();
    EXPECT_EQ(os_name, "abcdefghijklmno");
    EXPECT_EQ(t.name(), "abcdefghijklmnopqrstuvwxyz");  // the Python name is not truncated

    threading::Thread u(threading::ThreadOptions{.name = "short"},
                        [&] { short_os_name = os_thread_name(); });
    u.start();
    u.join();
    EXPECT_EQ(short_os_name, "short");
}

TEST(Thread, DefaultOsThreadName) {
    std::string os_name;
    threading::Thread t([&] { os_name = os_thread_name(); });
    t.start();
    t.join();
    EXPECT_EQ(os_name, t.name().substr(0, 15));
}

TEST(Thread, RenamingARunningThreadRenamesTheOsThread) {
    threading::Event renamed;
    std::string os_name;
    threading::Thread t(threading::ThreadOptions{.name = "before"}, [&] {
        renamed.wait();
        os_name = os_thread_name();
    });
    t.start();
    t.name("after-the-rename-0123456789");
    renamed.set();
    t.join();
    EXPECT_EQ(os_name, "after-the-renam");
    EXPECT_EQ(t.name(), "after-the-rename-0123456789");
}

TEST(Thread, RenamingFromInsideTheThread) {
    std::string os_name;
    threading::Thread t([&] {
        threading::current_thread().name("self-named");
        os_name = os_thread_name();
    });
    t.start();
    t.join();
    EXPECT_EQ(os_name, "self-named");
    EXPECT_EQ(t.name(), "self-named");
}

TEST(Thread, IdentAndNativeIdAreEmptyBeforeStartAndSetAfter) {
    std::atomic<std::uint64_t> ident_inside{0}, native_inside{0};
    threading::Event release;
    threading::Thread t([&] {
        ident_inside = threading::get_ident();
        native_inside = threading::get_native_id();
        release.wait();
    });
    EXPECT_FALSE(t.ident().has_value());
    EXPECT_FALSE(t.native_id().has_value());
    t.start();
    // start() returns once the thread runs: the identity is already known.
    ASSERT_TRUE(t.ident().has_value());
    ASSERT_TRUE(t.native_id().has_value());
    EXPECT_NE(*t.ident(), 0u);
    EXPECT_NE(*t.ident(), threading::get_ident());
    EXPECT_NE(*t.native_id(), threading::get_native_id());
    release.set();
    t.join();
    EXPECT_EQ(*t.ident(), ident_inside.load());
    EXPECT_EQ(*t.native_id(), native_inside.load());
    // They are kept after the thread ended, as in Python.
    EXPECT_TRUE(t.ident().has_value());
    EXPECT_TRUE(t.native_id().has_value());
}

TEST(Thread, NativeIdsAreDistinct) {
    // CPython: test_threading.ThreadTests.test_various_ops
    constexpr int kThreads = 5;
    threading::Event release;
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] { release.wait(); }));
        threads.back()->start();
    }
    std::vector<std::uint64_t> ids{threading::get_native_id()};
    for (auto& t : threads) ids.push_back(*t->native_id());
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
    release.set();
    for (auto& t : threads) t->join();
}

TEST(Thread, SubclassOverridingRun) {
    // CPython: test_threading.ThreadTests.test_various_ops
    CountingThread t(1000);
    EXPECT_EQ(t.name(), "counter");
    t.start();
    t.join();
    EXPECT_EQ(t.count.load(), 1000);
    EXPECT_EQ(t.name_inside, "counter");
    EXPECT_TRUE(t.same_as_current);
    EXPECT_EQ(t.repr(), "<CountingThread(counter, stopped " + std::to_string(*t.ident()) + ")>");
}

TEST(Thread, SubclassDestructorJoins) {
    std::atomic<int> count{0};
    {
        struct Slow : threading::Thread {
            explicit Slow(std::atomic<int>& c) : counter(c) {}
            ~Slow() override { join(); }
            void run() override {
                std::this_thread::sleep_for(20ms);
                ++counter;
            }
            std::atomic<int>& counter;
        } slow(count);
        slow.start();
    }
    EXPECT_EQ(count.load(), 1);
}

TEST(Thread, DestructorOfARunningThreadJoinsIt) {
    std::atomic<bool> finished{false};
    {
        threading::Thread t([&] {
            std::this_thread::sleep_for(50ms);
            finished = true;
        });
        t.start();
    }  // no std::terminate: the destructor joins
    EXPECT_TRUE(finished.load());
}

TEST(Thread, DestructorOfAnUnstartedThreadDoesNothing) {
    std::atomic<bool> ran{false};
    {
        threading::Thread t([&] { ran = true; });
    }
    EXPECT_FALSE(ran.load());
}

TEST(Thread, ObjectDestroyedByItsOwnTarget) {
    threading::Thread* self = nullptr;
    threading::Event may_delete;
    self = new threading::Thread([&] {
        may_delete.wait();
        delete self;  // the destructor must not try to join its own thread
    });
    threading::ThreadRef ref = self->ref();
    self->start();
    may_delete.set();
    ref.join();
    EXPECT_FALSE(ref.is_alive());
}

TEST(Thread, RefOutlivesTheThreadObject) {
    std::optional<threading::ThreadRef> ref;
    {
        threading::Thread t(threading::ThreadOptions{.name = "short-lived"}, [] {});
        ref = t.ref();
        EXPECT_TRUE(*ref == t.ref());
        t.start();
    }
    EXPECT_EQ(ref->name(), "short-lived");
    EXPECT_FALSE(ref->is_alive());
    ref->join();  // already finished: returns at once
    EXPECT_TRUE(ref->join(std::chrono::seconds(0)));
    EXPECT_TRUE(ref->ident().has_value());
}

TEST(Thread, CurrentThreadInsideIsTheThread) {
    std::optional<threading::ThreadRef> inside;
    threading::Thread t(threading::ThreadOptions{.name = "me"},
                        [&] { inside = threading::current_thread(); });
    t.start();
    t.join();
    ASSERT_TRUE(inside.has_value());
    EXPECT_TRUE(*inside == t.ref());
    EXPECT_EQ(inside->name(), "me");
    EXPECT_FALSE(*inside == threading::current_thread());
}

TEST(Thread, TargetIsReleasedAfterRun) {
    // CPython: test_threading.ThreadTests.test_no_refcycle_through_target
    auto resource = std::make_shared<int>(1);
    std::weak_ptr<int> weak_capture = resource;
    auto argument = std::make_shared<int>(2);
    std::weak_ptr<int> weak_argument = argument;
    threading::Thread t(
        [held = std::move(resource)](std::shared_ptr<int> arg) {
            (void)held;
            (void)arg;
        },
        std::move(argument));
    EXPECT_FALSE(weak_capture.expired());
    EXPECT_FALSE(weak_argument.expired());
    t.start();
    t.join();
    // The Thread object still exists, but no longer holds the target.
    EXPECT_TRUE(weak_capture.expired());
    EXPECT_TRUE(weak_argument.expired());
}

TEST(Thread, Repr) {
    // CPython: test_threading.ThreadTests.test_repr_daemon
    threading::Event release;
    threading::Thread t(threading::ThreadOptions{.name = "worker"}, [&] { release.wait(); });
    EXPECT_EQ(t.repr(), "<Thread(worker, initial)>");
    t.daemon(true);
    EXPECT_EQ(t.repr(), "<Thread(worker, initial daemon)>");
    t.daemon(false);
    t.start();
    EXPECT_EQ(t.repr(), "<Thread(worker, started " + std::to_string(*t.ident()) + ")>");
    std::ostringstream os;
    os << t;
    EXPECT_EQ(os.str(), t.repr());
    release.set();
    t.join();
    EXPECT_EQ(t.repr(), "<Thread(worker, stopped " + std::to_string(*t.ident()) + ")>");
}

TEST(Thread, ReprShowsStoppedWithoutJoin) {
    // CPython: test_threading.ThreadTests.test_repr_stopped
    threading::Thread t([] {});
    t.start();
    EXPECT_TRUE(eventually([&] { return t.repr().find("stopped") != std::string::npos; }));
    t.join();
}

TEST(Thread, MainThreadCanBeJoinedWithATimeoutFromAnotherThread) {
    std::atomic<int> result{-1};
    threading::Thread t(
        [&] { result = threading::main_thread().join(std::chrono::milliseconds(10)); });
    t.start();
    t.join();
    EXPECT_EQ(result.load(), 0);  // the main thread is alive
}

TEST(Thread, ManyThreadsStartAndJoin) {
    constexpr int kThreads = 50;
    std::atomic<int> ran{0};
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.push_back(std::make_unique<threading::Thread>([&] { ++ran; }));
    for (auto& t : threads) t->start();
    for (auto& t : threads) t->join();
    EXPECT_EQ(ran.load(), kThreads);
}

TEST(Thread, NameIsSafeToReadWhileItChanges) {
    threading::Event stop;
    threading::Thread t(threading::ThreadOptions{.name = "original"}, [&] { stop.wait(); });
    t.start();
    threading::Thread renamer([&] {
        for (int i = 0; i < 200; ++i) t.name("name-" + std::to_string(i));
    });
    renamer.start();
    int odd_names = 0;
    for (int i = 0; i < 200; ++i) {
        const std::string name = t.name();
        if (name != "original" && name.rfind("name-", 0) != 0) ++odd_names;
    }
    renamer.join();
    EXPECT_EQ(odd_names, 0);
    EXPECT_EQ(t.name(), "name-199");
    stop.set();
    t.join();
}

TEST(ThreadDeathTest, NonDaemonThreadsAreJoinedAtExit) {
    // CPython: test_threading.ThreadJoinOnShutdown.test_1_join_on_shutdown
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            // Deliberately never joined nor destroyed: the exit handler joins it.
            static threading::Thread* thread = new threading::Thread([] {
                std::this_thread::sleep_for(50ms);
                std::fputs("end of thread\n", stderr);
            });
            thread->start();
            std::fputs("end of main\n", stderr);
            std::exit(0);
        },
        ::testing::ExitedWithCode(0), "end of main\nend of thread\n");
}

TEST(ThreadDeathTest, JoinersOfTheMainThreadAreReleasedAtExit) {
    // CPython: test_threading.ThreadJoinOnShutdown.test_1_join_on_shutdown
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            static threading::Thread* joiner = new threading::Thread([] {
                threading::main_thread().join();
                std::fputs("end of thread\n", stderr);
            });
            joiner->start();
            std::this_thread::sleep_for(20ms);
            std::fputs("end of main\n", stderr);
            std::exit(0);
        },
        ::testing::ExitedWithCode(0), "end of main\nend of thread\n");
}

TEST(ThreadDeathTest, DaemonThreadsAreAbandonedAtExit) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            // A static Thread is destroyed during exit: ~Thread must not join
            // a daemon thread then (it would block forever here).
            static threading::Event never;
            static threading::Thread daemon(threading::ThreadOptions{.daemon = true},
                                            [] { never.wait(); });
            daemon.start();
            std::fputs("exiting\n", stderr);
            std::exit(0);
        },
        ::testing::ExitedWithCode(0), "exiting");
}
