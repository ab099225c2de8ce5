// Tests for concur::threading::Timer (Python's threading.Timer).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// Records when it was fired, once.
struct Shot {
    threading::Event fired;
    std::atomic<int> calls{0};
    Clock::time_point when{};

    void fire() {
        when = Clock::now();
        ++calls;
        fired.set();
    }
};

}  // namespace

TEST(Timer, FiresAfterTheInterval) {
    Shot shot;
    threading::Timer timer(std::chrono::milliseconds(50), [&] { shot.fire(); });
    const auto started = Clock::now();
    timer.start();
    ASSERT_TRUE(shot.fired.wait(std::chrono::seconds(30)));
    timer.join();
    EXPECT_EQ(shot.calls.load(), 1);
    EXPECT_GE(shot.when - started, 45ms);
    EXPECT_LT(shot.when - started, kSlow);
}

TEST(Timer, PassesArguments) {
    // CPython: test_threading.TimerTests.test_init_immutable_default_args
    std::string received;
    int number = 0;
    threading::Timer timer(
        std::chrono::milliseconds(1),
        [&](std::string text, int n) {
            received = std::move(text);
            number = n;
        },
        std::string("hello"), 3);
    timer.start();
    timer.join();
    EXPECT_EQ(received, "hello");
    EXPECT_EQ(number, 3);
}

TEST(Timer, CancelPreventsFiring) {
    Shot shot;
    threading::Timer timer(std::chrono::seconds(30), [&] { shot.fire(); });
    timer.start();
    Stopwatch watch;
    timer.cancel();
    timer.join();  // returns as soon as the timer notices the cancel
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_EQ(shot.calls.load(), 0);
}

TEST(Timer, CancelBeforeStart) {
    Shot shot;
    threading::Timer timer(std::chrono::milliseconds(1), [&] { shot.fire(); });
    timer.cancel();
    timer.start();
    timer.join();
    EXPECT_EQ(shot.calls.load(), 0);
}

TEST(Timer, CancelAfterFiringHasNoEffect) {
    Shot shot;
    threading::Timer timer(std::chrono::milliseconds(1), [&] { shot.fire(); });
    timer.start();
    timer.join();
    timer.cancel();
    timer.cancel();
    EXPECT_EQ(shot.calls.load(), 1);
}

TEST(Timer, CancelFromAnotherThread) {
    Shot shot;
    threading::Timer timer(std::chrono::seconds(30), [&] { shot.fire(); });
    timer.start();
    threading::Thread canceller([&] { timer.cancel(); });
    canceller.start();
    canceller.join();
    timer.join();
    EXPECT_EQ(shot.calls.load(), 0);
}

TEST(Timer, ShortTimerFiresBeforeLongTimer) {
    Shot long_shot, short_shot;
    threading::Timer t1(std::chrono::milliseconds(300), [&] { long_shot.fire(); });
    threading::Timer t2(std::chrono::milliseconds(50), [&] { short_shot.fire(); });
    const auto started = Clock::now();
    t1.start();
    t2.start();
    ASSERT_TRUE(short_shot.fired.wait(std::chrono::seconds(30)));
    // t1 cannot fire before its 300 ms: if t2's shot came earlier, t1 has not
    // fired yet (a machine slow enough to make this moot skips the check).
    if (Clock::now() - started < 290ms) {
        EXPECT_EQ(long_shot.calls.load(), 0);
    }
    t1.join();
    t2.join();
    EXPECT_EQ(long_shot.calls.load(), 1);
    EXPECT_EQ(short_shot.calls.load(), 1);
    EXPECT_GE(long_shot.when - started, 295ms);
    EXPECT_GE(short_shot.when - started, 45ms);
}

TEST(Timer, IsAThread) {
    threading::Timer timer(std::chrono::seconds(30), [] {});
    EXPECT_TRUE(is_default_name(timer.name())) << timer.name();
    EXPECT_FALSE(timer.ident().has_value());
    EXPECT_EQ(timer.repr(), "<Timer(" + timer.name() + ", initial)>");
    timer.start();
    EXPECT_TRUE(timer.is_alive());
    EXPECT_TRUE(timer.ident().has_value());
    EXPECT_EQ(timer.repr(),
              "<Timer(" + timer.name() + ", started " + std::to_string(*timer.ident()) + ")>");
    EXPECT_FALSE(timer.join(std::chrono::milliseconds(10)));
    EXPECT_THROW(timer.start(), threading::RuntimeError);
    timer.cancel();
    timer.join();
    EXPECT_FALSE(timer.is_alive());
    threading::Thread& as_thread = timer;
    EXPECT_FALSE(as_thread.is_alive());
}

TEST(Timer, DestructorWaitsForAPendingTimer) {
    Shot shot;
    {
        threading::Timer timer(std::chrono::milliseconds(20), [&] { shot.fire(); });
        timer.start();
    }  // the destructor joins: the timer still fires
    EXPECT_EQ(shot.calls.load(), 1);
}

TEST(Timer, DestructorAfterCancelDoesNotFire) {
    Shot shot;
    Stopwatch watch;
    {
        threading::Timer timer(std::chrono::seconds(30), [&] { shot.fire(); });
        timer.start();
        timer.cancel();
    }
    EXPECT_EQ(shot.calls.load(), 0);
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(Timer, ZeroAndNegativeIntervalsFireAtOnce) {
    Shot zero, negative;
    threading::Timer t1(std::chrono::seconds(0), [&] { zero.fire(); });
    threading::Timer t2(std::chrono::seconds(-5), [&] { negative.fire(); });
    t1.start();
    t2.start();
    t1.join();
    t2.join();
    EXPECT_EQ(zero.calls.load(), 1);
    EXPECT_EQ(negative.calls.load(), 1);
}

TEST(Timer, ExceptionGoesToExcepthook) {
    std::atomic<int> hook_calls{0};
    std::string type, message;
    ScopedExcepthook hook([&](const threading::ExceptHookArgs& args) {
        type = args.exc_type;
        message = args.message();
        ++hook_calls;
    });
    threading::Timer timer(std::chrono::milliseconds(1),
                           [] { throw std::out_of_range("timer failed"); });
    timer.start();
    timer.join();
    EXPECT_EQ(hook_calls.load(), 1);
    EXPECT_EQ(type, "std::out_of_range");
    EXPECT_EQ(message, "timer failed");
}

TEST(Timer, FunctionPointerTarget) {
    static std::atomic<int> calls{0};
    calls = 0;  // the test may run several times in one process (--gtest_repeat)
    struct Local {
        static void bump(int n) { calls += n; }
    };
    threading::Timer timer(std::chrono::milliseconds(1), &Local::bump, 4);
    timer.start();
    timer.join();
    EXPECT_EQ(calls.load(), 4);
}
