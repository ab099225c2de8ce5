// Tests for concur::futures::Future<T> (Python's concurrent.futures.Future),
// ported from CPython's Lib/test/test_concurrent_futures/test_future.py plus
// the C++-specific parts of include/concur/futures/future.hpp.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include <concur/futures.hpp>
#include <concur/threading.hpp>

#include "futures_test_support.hpp"

using namespace futures_test;

namespace {

// A user exception type with a payload, to check that the dynamic type and
// the data survive the trip through a future.
struct CustomError : std::exception {
    explicit CustomError(int c) : code(c) {}
    const char* what() const noexcept override { return "CustomError"; }
    int code;
};

// Runs `fn` in a new concur thread after the calling thread has had a moment
// to start waiting (the wait itself is what is tested, so the delay only makes
// the interesting interleaving likely; it is never needed for correctness).
class Later {
  public:
    explicit Later(std::function<void()> fn)
        : thread_([fn = std::move(fn)] {
              std::this_thread::sleep_for(50ms);
              fn();
          }) {
        thread_.start();
    }
    ~Later() { thread_.join(); }

  private:
    threading::Thread thread_;
};

template <class T>
std::exception_ptr exception_of(futures::Future<T> f) {
    return f.exception(0s);
}

}  // namespace

// --- states and transitions ---------------------------------------------------

// CPython: test_future.FutureTests.test_done / test_running / test_cancelled
TEST(Future, PredicatesInEachState) {
    struct Case {
        const char* name;
        futures::Future<int> f;
        bool done, running, cancelled;
    };
    std::vector<Case> cases = {
        {"pending", pending_future(), false, false, false},
        {"running", running_future(), false, true, false},
        {"cancelled", cancelled_future(), true, false, true},
        {"cancelled_and_notified", cancelled_and_notified_future(), true, false, true},
        {"exception", exception_future(), true, false, false},
        {"successful", successful_future(), true, false, false},
    };
    for (auto& c : cases) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(c.f.done(), c.done);
        EXPECT_EQ(c.f.running(), c.running);
        EXPECT_EQ(c.f.cancelled(), c.cancelled);
    }
}

TEST(Future, DefaultConstructedIsFreshPendingFuture) {
    futures::Future<int> a;
    futures::Future<int> b;
    EXPECT_FALSE(a.done());
    EXPECT_FALSE(a.running());
    EXPECT_FALSE(a.cancelled());
    EXPECT_FALSE(a == b) << "two default-constructed futures must not share state";
    EXPECT_THROW(a.result(0s), futures::TimeoutError);
}

TEST(Future, PendingRunningFinished) {
    futures::Future<int> f;
    EXPECT_TRUE(f.set_running_or_notify_cancel());
    EXPECT_TRUE(f.running());
    EXPECT_FALSE(f.done());
    f.set_result(7);
    EXPECT_FALSE(f.running());
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.cancelled());
    EXPECT_EQ(f.result(), 7);
    EXPECT_EQ(f.exception(), nullptr);
}

TEST(Future, SetResultWithoutRunningFinishes) {
    // Python allows set_result on a PENDING future (executors call
    // set_running_or_notify_cancel first, hand-made futures need not).
    futures::Future<int> f;
    f.set_result(3);
    EXPECT_TRUE(f.done());
    EXPECT_EQ(f.result(), 3);
}

// CPython: test_future.FutureTests.test_cancel
TEST(Future, CancelOnlyWhilePending) {
    auto f1 = pending_future();
    auto f2 = running_future();
    auto f3 = cancelled_future();
    auto f4 = cancelled_and_notified_future();
    auto f5 = exception_future();
    auto f6 = successful_future(5);

    EXPECT_TRUE(f1.cancel());
    EXPECT_TRUE(f1.cancelled());
    EXPECT_TRUE(f1.done());

    EXPECT_FALSE(f2.cancel());
    EXPECT_TRUE(f2.running());
    EXPECT_FALSE(f2.cancelled());

    EXPECT_TRUE(f3.cancel());  // already cancelled: true again
    EXPECT_TRUE(f3.cancelled());

    EXPECT_TRUE(f4.cancel());
    EXPECT_TRUE(f4.cancelled());
    // Still CANCELLED_AND_NOTIFIED: an executor asking again is told "cancelled".
    EXPECT_FALSE(f4.set_running_or_notify_cancel());

    EXPECT_FALSE(f5.cancel());
    EXPECT_FALSE(f5.cancelled());
    EXPECT_TRUE(f5.done());

    EXPECT_FALSE(f6.cancel());
    EXPECT_FALSE(f6.cancelled());
    EXPECT_EQ(f6.result(), 5);
}

TEST(Future, CancelTwiceIsTrueBothTimes) {
    futures::Future<int> f;
    EXPECT_TRUE(f.cancel());
    EXPECT_TRUE(f.cancel());
    EXPECT_TRUE(f.cancelled());
}

// CPython: test_future.FutureTests.test_multiple_set_result
TEST(Future, SetResultTwiceRaisesInvalidStateError) {
    futures::Future<int> f;
    f.set_result(1);
    EXPECT_THROW(f.set_result(2), futures::InvalidStateError);
    EXPECT_TRUE(f.done());
    EXPECT_EQ(f.result(), 1);
    // set_exception on a finished future is refused the same way.
    EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                 futures::InvalidStateError);
    EXPECT_EQ(f.result(), 1);
    EXPECT_EQ(f.exception(), nullptr);
}

// CPython: test_future.FutureTests.test_multiple_set_exception
TEST(Future, SetExceptionTwiceRaisesInvalidStateError) {
    futures::Future<int> f;
    const auto first = std::make_exception_ptr(concur::ValueError("first"));
    f.set_exception(first);
    EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("second"))),
                 futures::InvalidStateError);
    EXPECT_THROW(f.set_result(2), futures::InvalidStateError);
    EXPECT_EQ(f.exception(), first);
}

TEST(Future, SetOnCancelledRaisesInvalidStateError) {
    auto cancelled = cancelled_future();
    EXPECT_THROW(cancelled.set_result(1), futures::InvalidStateError);
    EXPECT_THROW(cancelled.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                 futures::InvalidStateError);
    EXPECT_TRUE(cancelled.cancelled());

    auto notified = cancelled_and_notified_future();
    EXPECT_THROW(notified.set_result(1), futures::InvalidStateError);
    EXPECT_THROW(notified.set_exception(std::make_exception_ptr(std::runtime_error("x"))),
                 futures::InvalidStateError);
    EXPECT_TRUE(notified.cancelled());
    EXPECT_THROW(notified.result(), futures::CancelledError);
}

TEST(Future, InvalidStateErrorIsALogicError) {
    futures::Future<int> f;
    f.set_result(1);
    try {
        f.set_result(2);
        FAIL() << "no InvalidStateError";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("FINISHED"), std::string::npos) << e.what();
    }
}

TEST(Future, SetRunningOrNotifyCancelOnCancelledReturnsFalse) {
    futures::Future<int> f;
    ASSERT_TRUE(f.cancel());
    EXPECT_FALSE(f.set_running_or_notify_cancel());
    EXPECT_TRUE(f.cancelled());
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.running());
    // Asking again (CANCELLED_AND_NOTIFIED) still says "cancelled".
    EXPECT_FALSE(f.set_running_or_notify_cancel());
}

TEST(Future, SetRunningOrNotifyCancelOnRunningRaisesRuntimeError) {
    auto f = running_future();
    EXPECT_THROW(f.set_running_or_notify_cancel(), futures::RuntimeError);
    EXPECT_TRUE(f.running());
    f.set_result(1);
    // Python: RuntimeError('Future in unexpected state') on FINISHED too.
    EXPECT_THROW(f.set_running_or_notify_cancel(), futures::RuntimeError);
    EXPECT_EQ(f.result(), 1);
}

// --- result() -----------------------------------------------------------------

// CPython: test_future.FutureTests.test_result_with_timeout
TEST(Future, ResultWithTimeout) {
    EXPECT_THROW(pending_future().result(0s), futures::TimeoutError);
    EXPECT_THROW(running_future().result(0s), futures::TimeoutError);
    EXPECT_THROW(cancelled_future().result(0s), futures::CancelledError);
    EXPECT_THROW(cancelled_and_notified_future().result(0s), futures::CancelledError);
    EXPECT_THROW(exception_future().result(0s), OSError);
    EXPECT_EQ(successful_future().result(0s), 42);
}

TEST(Future, ResultTimeoutWaitsAtLeastTheTimeout) {
    futures::Future<int> f;
    Stopwatch watch;
    EXPECT_THROW(f.result(100ms), futures::TimeoutError);
    EXPECT_GE(watch.elapsed(), 100ms - kClockSlack);
    EXPECT_LT(watch.elapsed(), kSlow);
    // A negative timeout is "now", as in Python.
    EXPECT_THROW(f.result(-1s), futures::TimeoutError);
}

TEST(Future, TimeoutErrorIsConcurTimeoutError) {
    futures::Future<int> f;
    try {
        f.result(1ms);
        FAIL() << "no TimeoutError";
    } catch (const concur::TimeoutError&) {
    }
}

// CPython: test_future.FutureTests.test_result_with_success
TEST(Future, ResultWithSuccessFromAnotherThread) {
    futures::Future<int> f;
    Later later([f]() mutable { f.set_result(42); });
    EXPECT_EQ(f.result(kPatience), 42);
}

// CPython: test_future.FutureTests.test_result_with_cancel
TEST(Future, ResultWithCancelFromAnotherThread) {
    futures::Future<int> f;
    Later later([f]() mutable { EXPECT_TRUE(f.cancel()); });
    EXPECT_THROW(f.result(kPatience), futures::CancelledError);
}

TEST(Future, ResultOfCancelledRaisesCancelledError) {
    futures::Future<int> f;
    f.cancel();
    EXPECT_THROW(f.result(), futures::CancelledError);
    EXPECT_THROW(f.exception(), futures::CancelledError);
    try {
        f.result();
    } catch (const futures::CancelledError& e) {
        EXPECT_NE(std::string(e.what()).find("CancelledError"), std::string::npos);
    }
}

TEST(Future, ResultWithoutTimeoutBlocksUntilSet) {
    futures::Future<std::string> f;
    Later later([f]() mutable { f.set_result("late"); });
    EXPECT_EQ(f.result(), "late");
}

TEST(Future, ManyWaitersAllSeeTheResult) {
    futures::Future<int> f;
    std::atomic<int> seen{0};
    std::vector<std::unique_ptr<threading::Thread>> waiters;
    for (int i = 0; i < 8; ++i) {
        waiters.push_back(std::make_unique<threading::Thread>([f, &seen]() mutable {
            if (f.result(kPatience) == 99) seen.fetch_add(1);
        }));
        waiters.back()->start();
    }
    std::this_thread::sleep_for(20ms);
    f.set_result(99);
    for (auto& t : waiters) t->join();
    EXPECT_EQ(seen.load(), 8);
}

// --- exception() ------------------------------------------------------------

// CPython: test_future.FutureTests.test_exception_with_timeout
TEST(Future, ExceptionWithTimeout) {
    EXPECT_THROW(pending_future().exception(0s), futures::TimeoutError);
    EXPECT_THROW(running_future().exception(0s), futures::TimeoutError);
    EXPECT_THROW(cancelled_future().exception(0s), futures::CancelledError);
    EXPECT_THROW(cancelled_and_notified_future().exception(0s), futures::CancelledError);
    const std::exception_ptr error = exception_future().exception(0s);
    ASSERT_NE(error, nullptr);
    EXPECT_THROW(std::rethrow_exception(error), OSError);
    EXPECT_EQ(successful_future().exception(0s), nullptr);
}

// CPython: test_future.FutureTests.test_exception_with_success
TEST(Future, ExceptionWithSuccessFromAnotherThread) {
    futures::Future<int> f;
    Later later([f]() mutable { f.set_exception(std::make_exception_ptr(OSError("late"))); });
    const std::exception_ptr error = f.exception(kPatience);
    ASSERT_NE(error, nullptr);
    EXPECT_THROW(std::rethrow_exception(error), OSError);
}

TEST(Future, ExceptionIsNullOnSuccess) {
    futures::Future<int> f;
    f.set_result(0);
    EXPECT_EQ(f.exception(), nullptr);
    EXPECT_EQ(f.exception(1s), nullptr);
}

TEST(Future, ExceptionKeepsItsDynamicType) {
    {
        futures::Future<int> f;
        const auto stored = std::make_exception_ptr(CustomError(17));
        f.set_exception(stored);
        EXPECT_EQ(f.exception(), stored) << "exception() must return the very exception set";
        try {
            f.result();
            FAIL() << "result() did not throw";
        } catch (const CustomError& e) {
            EXPECT_EQ(e.code, 17);
        }
    }
    {
        futures::Future<int> f;
        f.set_exception(std::make_exception_ptr(concur::ValueError("bad value")));
        try {
            f.result();
            FAIL() << "result() did not throw";
        } catch (const concur::ValueError& e) {
            EXPECT_STREQ(e.what(), "bad value");
        }
        try {
            std::rethrow_exception(f.exception());
        } catch (const std::invalid_argument& e) {  // ValueError's standard base
            EXPECT_STREQ(e.what(), "bad value");
        }
    }
    {
        futures::Future<void> f;
        f.set_exception(std::make_exception_ptr(42));
        try {
            f.result();
            FAIL() << "result() did not throw";
        } catch (int value) {
            EXPECT_EQ(value, 42);
        }
    }
}

TEST(Future, ExceptionThrownWhileConstructingTheResultIsStored) {
    struct Fragile {
        explicit Fragile(int v) {
            if (v < 0) throw concur::ValueError("negative");
        }
    };
    futures::Future<Fragile> f;
    f.set_result(-1);
    EXPECT_TRUE(f.done());
    EXPECT_THROW(f.result(), concur::ValueError);
}

// --- done callbacks -----------------------------------------------------------

// CPython: test_future.FutureTests.test_done_callback_with_result
TEST(Future, DoneCallbackWithResult) {
    int callback_result = 0;
    futures::Future<int> f;
    f.add_done_callback([&](futures::Future<int> done) { callback_result = done.result(); });
    EXPECT_EQ(callback_result, 0);
    f.set_result(5);
    EXPECT_EQ(callback_result, 5);
}

// CPython: test_future.FutureTests.test_done_callback_with_exception
TEST(Future, DoneCallbackWithException) {
    std::exception_ptr callback_exception;
    futures::Future<int> f;
    f.add_done_callback([&](futures::Future<int> done) { callback_exception = done.exception(); });
    f.set_exception(std::make_exception_ptr(std::runtime_error("test")));
    ASSERT_NE(callback_exception, nullptr);
    try {
        std::rethrow_exception(callback_exception);
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "test");
    }
}

// CPython: test_future.FutureTests.test_done_callback_with_cancel
TEST(Future, DoneCallbackWithCancel) {
    int calls = 0;
    bool was_cancelled = false;
    futures::Future<int> f;
    f.add_done_callback([&](futures::Future<int> done) {
        ++calls;
        was_cancelled = done.cancelled();
    });
    EXPECT_TRUE(f.cancel());
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(was_cancelled);
    EXPECT_TRUE(f.cancel());  // cancelling again does not run it again
    EXPECT_FALSE(f.set_running_or_notify_cancel());
    EXPECT_EQ(calls, 1);
}

// CPython: test_future.FutureTests.test_done_callback_already_successful
TEST(Future, DoneCallbackAlreadySuccessful) {
    int callback_result = 0;
    auto f = successful_future(5);
    f.add_done_callback([&](futures::Future<int> done) { callback_result = done.result(); });
    EXPECT_EQ(callback_result, 5);  // ran at once, in this thread
}

// CPython: test_future.FutureTests.test_done_callback_already_failed
TEST(Future, DoneCallbackAlreadyFailed) {
    std::exception_ptr callback_exception;
    auto f = exception_future();
    f.add_done_callback([&](futures::Future<int> done) { callback_exception = done.exception(); });
    ASSERT_NE(callback_exception, nullptr);
    EXPECT_THROW(std::rethrow_exception(callback_exception), OSError);
}

// CPython: test_future.FutureTests.test_done_callback_already_cancelled
TEST(Future, DoneCallbackAlreadyCancelled) {
    bool was_cancelled = false;
    auto f = cancelled_future();
    f.add_done_callback([&](futures::Future<int> done) { was_cancelled = done.cancelled(); });
    EXPECT_TRUE(was_cancelled);
}

TEST(Future, DoneCallbacksRunOnceInRegistrationOrder) {
    std::vector<int> order;
    futures::Future<int> f;
    f.add_done_callback([&](futures::Future<int>) { order.push_back(1); });
    f.add_done_callback([&] { order.push_back(2); });  // the no-argument form
    f.add_done_callback([&](futures::Future<int>) { order.push_back(3); });
    f.set_result(0);
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    EXPECT_THROW(f.set_result(1), futures::InvalidStateError);
    EXPECT_FALSE(f.cancel());
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Future, DoneCallbackReceivesTheSameFuture) {
    futures::Future<int> f;
    futures::Future<int> seen;
    f.add_done_callback([&](futures::Future<int> done) { seen = done; });
    f.set_result(1);
    EXPECT_TRUE(seen == f);
}

TEST(Future, DoneCallbackRunsInTheCompletingThread) {
    futures::Future<int> f;
    std::string callback_thread;
    f.add_done_callback([&] { callback_thread = threading::current_thread().name(); });
    threading::Thread completer(threading::ThreadOptions{.name = "completer"},
                                [f]() mutable { f.set_result(1); });
    completer.start();
    completer.join();
    EXPECT_EQ(callback_thread, "completer");
}

// Every way a user spells a done callback compiles: the future is passed as
// an lvalue (a handle of the callback's own), so `auto&` and `Future<T>&`
// bind as well as a copy, a const reference or an rvalue reference.
template <class T, class Fn>
concept DoneCallbackFor = requires(futures::Future<T> f, Fn fn) {
    f.add_done_callback(fn);
};

static_assert(DoneCallbackFor<int, decltype([](auto&) {})>);
static_assert(DoneCallbackFor<int, decltype([](const auto&) {})>);
static_assert(DoneCallbackFor<int, decltype([](auto) {})>);
static_assert(DoneCallbackFor<int, decltype([](auto&&) {})>);
static_assert(DoneCallbackFor<int, decltype([](futures::Future<int>) {})>);
static_assert(DoneCallbackFor<int, decltype([](const futures::Future<int>&) {})>);
static_assert(DoneCallbackFor<int, decltype([](futures::Future<int>&) {})>);
static_assert(DoneCallbackFor<int, decltype([](futures::Future<int>&&) {})>);
static_assert(DoneCallbackFor<int, decltype([] {})>);
static_assert(DoneCallbackFor<void, decltype([](auto&) {})>);
static_assert(DoneCallbackFor<void, decltype([](futures::Future<void>&) {})>);
static_assert(DoneCallbackFor<void, decltype([] {})>);
// A callable of neither form is refused at compile time.
static_assert(!DoneCallbackFor<int, decltype([](int) {})>);
static_assert(!DoneCallbackFor<int, decltype([](futures::Future<long>&) {})>);
static_assert(!DoneCallbackFor<int, decltype([](futures::Future<int>&, int) {})>);

TEST(Future, DoneCallbackAcceptsEveryParameterSpelling) {
    // Each form is called once, with the future it was added to (pending at
    // add time: run by set_result; already done: run by add_done_callback).
    for (const bool done_first : {false, true}) {
        SCOPED_TRACE(done_first ? "already done" : "pending");
        futures::Future<int> f;
        if (done_first) f.set_result(7);
        std::vector<std::string> calls;
        auto check = [&](const char* form, const futures::Future<int>& got) {
            EXPECT_TRUE(got == f) << form;
            EXPECT_TRUE(got.done()) << form;
            calls.emplace_back(form);
        };
        f.add_done_callback([&](auto& g) { check("auto&", g); });
        f.add_done_callback([&](const auto& g) { check("const auto&", g); });
        f.add_done_callback([&](auto g) { check("auto", g); });
        f.add_done_callback([&](auto&& g) { check("auto&&", g); });
        f.add_done_callback([&](futures::Future<int> g) { check("Future", g); });
        f.add_done_callback([&](const futures::Future<int>& g) { check("const Future&", g); });
        f.add_done_callback([&](futures::Future<int>& g) { check("Future&", g); });
        f.add_done_callback([&](futures::Future<int>&& g) { check("Future&&", g); });
        f.add_done_callback([&] { calls.emplace_back("()"); });
        if (!done_first) {
            EXPECT_TRUE(calls.empty());
            f.set_result(7);
        }
        EXPECT_EQ(calls,
                  (std::vector<std::string>{"auto&", "const auto&", "auto", "auto&&", "Future",
                                            "const Future&", "Future&", "Future&&", "()"}));
        EXPECT_EQ(f.result(), 7);
    }
}

TEST(Future, DoneCallbackMayReassignTheFutureItIsGiven) {
    // The callback's future is a handle of its own: reassigning or moving it
    // leaves the future, and the other callbacks, alone.
    futures::Future<int> f;
    futures::Future<int> taken = futures::Future<int>();
    f.add_done_callback([&](futures::Future<int>& g) { g = futures::Future<int>(); });
    f.add_done_callback([&](auto& g) { taken = std::move(g); });
    int seen = 0;
    f.add_done_callback([&](const futures::Future<int>& g) { seen = g.done() ? 1 : -1; });
    f.set_result(3);
    EXPECT_TRUE(taken == f);
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(f.result(), 3);
}

TEST(Future, VoidDoneCallbackTakesAnLvalue) {
    futures::Future<void> f;
    int calls = 0;
    f.add_done_callback([&](auto& g) {
        g.result();
        ++calls;
    });
    f.add_done_callback([&](futures::Future<void>& g) {
        EXPECT_TRUE(g == f);
        ++calls;
    });
    f.set_result();
    EXPECT_EQ(calls, 2);
}

// CPython: test_future.FutureTests.test_done_callback_raises
TEST(Future, DoneCallbackRaisesIsReportedAndOthersStillRun) {
    HookRecorder hook;
    bool raising_was_called = false;
    bool fn_was_called = false;
    futures::Future<int> f;
    f.add_done_callback([&](futures::Future<int>) {
        raising_was_called = true;
        throw concur::ValueError("doh!");
    });
    f.add_done_callback([&](futures::Future<int>) { fn_was_called = true; });
    f.set_result(5);
    EXPECT_TRUE(raising_was_called);
    EXPECT_TRUE(fn_was_called);
    const auto reports = hook.reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].type, "concur::ValueError");
    EXPECT_EQ(reports[0].message, "doh!");
    EXPECT_EQ(f.result(), 5);  // the future itself is unaffected
}

// CPython: test_future.FutureTests.test_done_callback_raises_already_succeeded
TEST(Future, DoneCallbackRaisesAlreadySucceeded) {
    HookRecorder hook;
    auto f = successful_future(5);
    EXPECT_NO_THROW(f.add_done_callback([] { throw std::runtime_error("doh!"); }));
    const auto reports = hook.reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].message, "doh!");
}

TEST(Future, DoneCallbackThrowingOnCancelIsReported) {
    HookRecorder hook;
    int later_calls = 0;
    futures::Future<int> f;
    f.add_done_callback([] { throw 7; });
    f.add_done_callback([&] { ++later_calls; });
    EXPECT_TRUE(f.cancel());
    EXPECT_EQ(later_calls, 1);
    EXPECT_EQ(hook.reports().size(), 1u);
}

TEST(Future, DoneCallbackAddedWhileCompletingRunsExactlyOnce) {
    // Races add_done_callback against set_result: each callback runs exactly
    // once, either at registration (already done) or at completion.
    const int rounds = kSanitized ? 100 : 500;
    for (int round = 0; round < rounds; ++round) {
        futures::Future<int> f;
        std::atomic<int> calls{0};
        threading::Thread setter([f]() mutable { f.set_result(1); });
        setter.start();
        for (int i = 0; i < 4; ++i) f.add_done_callback([&calls] { calls.fetch_add(1); });
        setter.join();
        ASSERT_EQ(calls.load(), 4) << "round " << round;
    }
}

TEST(Future, PendingFutureWithCallbacksIsFreedWhenDropped) {
    // Python's garbage collector frees a future nobody refers to, callbacks
    // and all; dropping the last handle must do the same here (a callback
    // holding its own future would be a reference cycle, i.e. a leak).
    auto token = std::make_shared<int>(1);
    std::weak_ptr<int> watch = token;
    {
        futures::Future<int> f;
        f.add_done_callback([token](futures::Future<int>) {});
        f.add_done_callback([token] {});
        token.reset();
        EXPECT_FALSE(watch.expired());
    }
    EXPECT_TRUE(watch.expired()) << "the future's state (and its callbacks) leaked";
}

// --- handles, void, move-only results ----------------------------------------

TEST(Future, CopiesShareState) {
    futures::Future<int> a;
    futures::Future<int> b = a;
    futures::Future<int> c;
    c = b;
    EXPECT_TRUE(a == b);
    EXPECT_TRUE(a == c);
    EXPECT_EQ(std::hash<futures::Future<int>>()(a), std::hash<futures::Future<int>>()(c));
    b.set_result(11);
    EXPECT_TRUE(a.done());
    EXPECT_EQ(a.result(), 11);
    EXPECT_EQ(c.result(), 11);
    EXPECT_EQ(&a.result(), &c.result()) << "result() refers into the shared state";
    EXPECT_FALSE(a == futures::Future<int>());

    futures::Future<int> moved = std::move(c);
    EXPECT_TRUE(moved == a);
    EXPECT_EQ(moved.result(), 11);

    std::unordered_set<futures::Future<int>> set{a, b, moved, futures::Future<int>()};
    EXPECT_EQ(set.size(), 2u);
}

TEST(Future, CopyOutlivesOriginal) {
    futures::Future<std::string> copy;
    {
        futures::Future<std::string> original;
        copy = original;
        original.set_result("kept");
    }
    EXPECT_EQ(copy.result(), "kept");
}

// --- moved-from futures ------------------------------------------------------
// Python has no such object: every member but hashing and == raises
// InvalidStateError("Future has no state: it was moved from").

namespace {

constexpr const char* kMovedFrom = "Future has no state: it was moved from";

template <class T>
futures::Future<T> moved_from() {
    futures::Future<T> f;
    futures::Future<T> taker = std::move(f);
    return f;  // NOLINT(bugprone-use-after-move): copying it is the point
}

// Checks that `call` raises InvalidStateError with kMovedFrom.
#define EXPECT_MOVED_FROM_ERROR(call)                                                 \
    do {                                                                              \
        try {                                                                         \
            static_cast<void>(call);                                                  \
            ADD_FAILURE() << #call << " did not throw";                               \
        } catch (const futures::InvalidStateError& e) {                               \
            EXPECT_STREQ(e.what(), kMovedFrom) << #call;                              \
        } catch (...) {                                                               \
            ADD_FAILURE() << #call << " threw something else than InvalidStateError"; \
        }                                                                             \
    } while (false)

}  // namespace

TEST(Future, EveryMemberOfAMovedFromFutureRaisesInvalidStateError) {
    futures::Future<int> f;
    futures::Future<int> g = std::move(f);
    // NOLINTBEGIN(bugprone-use-after-move)
    EXPECT_MOVED_FROM_ERROR(f.done());
    EXPECT_MOVED_FROM_ERROR(f.running());
    EXPECT_MOVED_FROM_ERROR(f.cancelled());
    EXPECT_MOVED_FROM_ERROR(f.cancel());
    EXPECT_MOVED_FROM_ERROR(f.result());
    EXPECT_MOVED_FROM_ERROR(f.result(0s));
    EXPECT_MOVED_FROM_ERROR(f.result(kPatience));
    EXPECT_MOVED_FROM_ERROR(f.exception());
    EXPECT_MOVED_FROM_ERROR(f.exception(0s));
    EXPECT_MOVED_FROM_ERROR(f.exception(kPatience));
    int calls = 0;
    EXPECT_MOVED_FROM_ERROR(f.add_done_callback([&](futures::Future<int>) { ++calls; }));
    EXPECT_MOVED_FROM_ERROR(f.add_done_callback([&] { ++calls; }));
    EXPECT_MOVED_FROM_ERROR(f.set_running_or_notify_cancel());
    EXPECT_MOVED_FROM_ERROR(f.set_result(1));
    EXPECT_MOVED_FROM_ERROR(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))));
    EXPECT_MOVED_FROM_ERROR(f.repr());
    std::ostringstream out;
    EXPECT_MOVED_FROM_ERROR(out << f);
    EXPECT_EQ(calls, 0);
    // Identity still works: all moved-from futures are equal, and hashable.
    EXPECT_FALSE(f == g);
    EXPECT_TRUE(f == moved_from<int>());
    EXPECT_EQ(std::hash<futures::Future<int>>()(f), std::hash<futures::Future<int>>()(f));
    // NOLINTEND(bugprone-use-after-move)
    // The future it was moved into is untouched.
    EXPECT_FALSE(g.done());
    g.set_result(5);
    EXPECT_EQ(g.result(), 5);
}

TEST(Future, MovedFromVoidFutureRaisesInvalidStateError) {
    futures::Future<void> f = moved_from<void>();
    EXPECT_MOVED_FROM_ERROR(f.done());
    EXPECT_MOVED_FROM_ERROR(f.result());
    EXPECT_MOVED_FROM_ERROR(f.result(0s));
    EXPECT_MOVED_FROM_ERROR(f.exception());
    EXPECT_MOVED_FROM_ERROR(f.set_result());
    EXPECT_MOVED_FROM_ERROR(f.add_done_callback([] {}));
}

TEST(Future, MoveAssignedFromFutureRaisesInvalidStateError) {
    futures::Future<int> f;
    futures::Future<int> g;
    g = std::move(f);
    EXPECT_MOVED_FROM_ERROR(f.done());  // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(g.done());
}

TEST(Future, CopyOfAMovedFromFutureIsMovedFrom) {
    futures::Future<int> f = moved_from<int>();
    futures::Future<int> copy = f;  // no crash: nothing to share
    EXPECT_TRUE(copy == f);
    EXPECT_MOVED_FROM_ERROR(copy.done());
    futures::Future<int> assigned;
    assigned = f;
    EXPECT_MOVED_FROM_ERROR(assigned.result(0s));
}

TEST(Future, CopyAssigningALiveFutureRevivesAMovedFromOne) {
    futures::Future<int> live;
    futures::Future<int> f;
    futures::Future<int> taker = std::move(f);
    f = live;  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(f == live);
    EXPECT_FALSE(f.done());
    int seen = 0;
    f.add_done_callback([&](futures::Future<int> done) { seen = done.result(); });
    f.set_result(9);
    EXPECT_EQ(seen, 9);
    EXPECT_EQ(live.result(), 9);
    // Move-assigning revives too.
    futures::Future<int> g = std::move(taker);
    taker = std::move(g);  // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(taker.done());
    // A default-constructed Future assigned to it: a fresh pending future.
    f = futures::Future<int>();
    EXPECT_FALSE(f.done());
    EXPECT_FALSE(f == live);
}

TEST(Future, DefaultConstructedFutureIsCompletedBySetters) {
    // Unchanged by the moved-from rule: Future() is Python's Future().
    futures::Future<int> a;
    a.set_result(1);
    EXPECT_EQ(a.result(), 1);
    futures::Future<int> b;
    b.set_exception(std::make_exception_ptr(concur::ValueError("v")));
    EXPECT_THROW(b.result(), concur::ValueError);
}

TEST(Future, VoidFuture) {
    futures::Future<void> f;
    EXPECT_FALSE(f.done());
    EXPECT_THROW(f.result(0s), futures::TimeoutError);
    EXPECT_TRUE(f.set_running_or_notify_cancel());
    f.set_result();
    EXPECT_TRUE(f.done());
    EXPECT_NO_THROW(f.result());
    static_assert(std::is_void_v<decltype(f.result())>);
    EXPECT_EQ(f.exception(), nullptr);
    EXPECT_THROW(f.set_result(), futures::InvalidStateError);

    futures::Future<void> cancelled;
    EXPECT_TRUE(cancelled.cancel());
    EXPECT_THROW(cancelled.result(), futures::CancelledError);

    bool called = false;
    futures::Future<void> with_callback;
    with_callback.add_done_callback([&](futures::Future<void> done) {
        done.result();
        called = true;
    });
    with_callback.set_result();
    EXPECT_TRUE(called);
}

TEST(Future, MoveOnlyResult) {
    futures::Future<std::unique_ptr<int>> f;
    f.set_result(std::make_unique<int>(7));
    static_assert(std::is_same_v<decltype(f.result()), std::unique_ptr<int>&>);
    std::unique_ptr<int> taken = std::move(f.result());
    ASSERT_NE(taken, nullptr);
    EXPECT_EQ(*taken, 7);
    EXPECT_EQ(f.result(), nullptr) << "the shared state keeps the moved-from value";

    futures::Future<std::unique_ptr<int>> g;
    Later later([g]() mutable { g.set_result(new int(8)); });
    std::unique_ptr<int> late = std::move(g.result(kPatience));
    EXPECT_EQ(*late, 8);
}

TEST(Future, ResultWithSeveralConstructorArguments) {
    futures::Future<std::pair<int, std::string>> f;
    f.set_result(1, "one");
    EXPECT_EQ(f.result().first, 1);
    EXPECT_EQ(f.result().second, "one");
    futures::Future<std::vector<int>> g;
    g.set_result(3, 9);
    EXPECT_EQ(g.result(), (std::vector<int>{9, 9, 9}));
}

// --- detail::FutureAccess: the internals' one door ---------------------------

// The shared state is not part of the public API: neither a state() member
// nor a constructor from a state pointer is reachable from outside.
template <class Fut>
concept HasPublicState = requires(const Fut& f) {
    f.state();
};
static_assert(!HasPublicState<futures::Future<int>>);
static_assert(!HasPublicState<futures::Future<void>>);
static_assert(!std::is_constructible_v<futures::Future<int>, concur::detail::FutureState<int>*>);
static_assert(!std::is_convertible_v<concur::detail::FutureState<int>*, futures::Future<int>>);

TEST(FutureAccess, AdoptTakesOverOneReference) {
    auto token = std::make_shared<int>(1);
    std::weak_ptr<int> watch = token;
    auto* state = new concur::detail::FutureState<std::shared_ptr<int>>();  // refs = 1
    {
        futures::Future<std::shared_ptr<int>> f = concur::detail::FutureAccess::adopt(state);
        EXPECT_EQ(concur::detail::FutureAccess::state(f), state);
        futures::Future<std::shared_ptr<int>> copy = f;
        EXPECT_EQ(concur::detail::FutureAccess::state(copy), state);
        f.set_result(std::move(token));
        EXPECT_FALSE(watch.expired());
    }
    // The adopted reference was the only one: the state (and the result) is gone.
    EXPECT_TRUE(watch.expired());
}

TEST(FutureAccess, StateOfAMovedFromFutureIsNull) {
    futures::Future<int> f;
    const concur::detail::FutureStateBase* state = concur::detail::FutureAccess::state(f);
    ASSERT_NE(state, nullptr);
    futures::Future<int> g = std::move(f);
    EXPECT_EQ(concur::detail::FutureAccess::state(g), state);
    EXPECT_EQ(concur::detail::FutureAccess::state(f), nullptr);  // NOLINT(bugprone-use-after-move)
}

// --- repr -------------------------------------------------------------------

// CPython: test_future.FutureTests.test_repr
TEST(Future, Repr) {
    // "<Future at 0x<hex> state=S>" -> S, or "malformed: <text>".
    auto state_of = [](const std::string& text) -> std::string {
        const std::string head = "<Future at 0x", mid = " state=";
        const auto bad = "malformed: " + text;
        if (text.rfind(head, 0) != 0 || text.back() != '>') return bad;
        std::size_t i = head.size();
        const std::size_t digits = i;
        while (i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i])) &&
               !std::isupper(static_cast<unsigned char>(text[i])))
            ++i;
        if (i == digits || text.compare(i, mid.size(), mid) != 0) return bad;
        return text.substr(i + mid.size(), text.size() - 1 - (i + mid.size()));
    };
    EXPECT_EQ(state_of(pending_future().repr()), "pending");
    EXPECT_EQ(state_of(running_future().repr()), "running");
    EXPECT_EQ(state_of(cancelled_future().repr()), "cancelled");
    EXPECT_EQ(state_of(cancelled_and_notified_future().repr()), "cancelled");
    EXPECT_EQ(state_of(exception_future().repr()), "finished raised futures_test::OSError");
    EXPECT_EQ(state_of(successful_future().repr()), "finished returned int");
    EXPECT_EQ(state_of(exception_future<void>().repr()), "finished raised futures_test::OSError");
    futures::Future<void> none;
    none.set_result();
    EXPECT_EQ(state_of(none.repr()), "finished returned None");

    futures::Future<int> f;
    std::ostringstream out;
    out << f;
    EXPECT_EQ(out.str(), f.repr());
    // Copies are the same future: the same address.
    EXPECT_EQ(futures::Future<int>(f).repr(), f.repr());
}

// --- concurrency of the state word -----------------------------------------------

TEST(Future, CancelRacingSetRunningHasOneWinner) {
    const int rounds = kSanitized ? 100 : 500;
    for (int round = 0; round < rounds; ++round) {
        futures::Future<int> f;
        std::atomic<bool> started{false};
        bool ran = false;
        threading::Thread executor([f, &started, &ran]() mutable {
            started.store(true);
            if (f.set_running_or_notify_cancel()) {
                ran = true;
                f.set_result(1);
            }
        });
        executor.start();
        while (!started.load()) {
        }
        const bool cancelled = f.cancel();
        executor.join();
        ASSERT_NE(cancelled, ran) << "round " << round;
        ASSERT_EQ(f.cancelled(), cancelled);
        ASSERT_TRUE(f.done());
    }
}

TEST(Future, ConcurrentSettersExactlyOneSucceeds) {
    const int rounds = kSanitized ? 50 : 300;
    for (int round = 0; round < rounds; ++round) {
        futures::Future<int> f;
        std::atomic<int> winners{0};
        std::atomic<int> losers{0};
        std::vector<std::unique_ptr<threading::Thread>> setters;
        for (int i = 0; i < 3; ++i) {
            setters.push_back(
                std::make_unique<threading::Thread>([f, i, &winners, &losers]() mutable {
                    try {
                        if (i == 2)
                            f.set_exception(std::make_exception_ptr(std::runtime_error("e")));
                        else
                            f.set_result(i);
                        winners.fetch_add(1);
                    } catch (const futures::InvalidStateError&) {
                        losers.fetch_add(1);
                    }
                }));
            setters.back()->start();
        }
        for (auto& t : setters) t->join();
        ASSERT_EQ(winners.load(), 1);
        ASSERT_EQ(losers.load(), 2);
        ASSERT_TRUE(f.done());
    }
}

TEST(Future, WaitersWakeWhenCancelledConcurrently) {
    const int rounds = kSanitized ? 30 : 100;
    for (int round = 0; round < rounds; ++round) {
        futures::Future<int> f;
        std::atomic<int> woke{0};
        std::vector<std::unique_ptr<threading::Thread>> waiters;
        for (int i = 0; i < 3; ++i) {
            waiters.push_back(std::make_unique<threading::Thread>([f, &woke]() mutable {
                try {
                    f.result(kPatience);
                } catch (const futures::CancelledError&) {
                    woke.fetch_add(1);
                }
            }));
            waiters.back()->start();
        }
        f.cancel();
        for (auto& t : waiters) t->join();
        ASSERT_EQ(woke.load(), 3);
    }
}
