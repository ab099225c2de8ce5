// Tests for concur::threading::excepthook (Python's threading.excepthook and
// threading.__excepthook__).
#include <gtest/gtest.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

void concur_test_failing_target() {
    throw concur::ValueError("bad value");
}

namespace {

// What a hook received, copied out of ExceptHookArgs.
struct Recorded {
    std::string type;
    std::string message;
    std::optional<threading::ThreadRef> thread;
    std::exception_ptr exception;
};

// Installs a hook that records every call.
class RecordingHook {
  public:
    RecordingHook()
        : guard_([this](const threading::ExceptHookArgs& args) {
              std::lock_guard hold(mutex_);
              calls_.push_back(
                  Recorded{args.exc_type, args.message(), args.thread, args.exc_value});
          }) {}
    std::vector<Recorded> calls() {
        std::lock_guard hold(mutex_);
        return calls_;
    }

  private:
    std::mutex mutex_;
    std::vector<Recorded> calls_;
    ScopedExcepthook guard_;
};

class ThreadRunFail : public threading::Thread {
  public:
    explicit ThreadRunFail(std::string name = {})
        : Thread(threading::ThreadOptions{.name = std::move(name)}) {}
    ~ThreadRunFail() override {
        if (is_alive()) join();
    }
    void run() override { throw concur::ValueError("run failed"); }
};

// Runs a ThreadRunFail named `name` with the current hook; returns stderr.
std::string run_failing_thread(const std::string& name) {
    testing::internal::CaptureStderr();
    ThreadRunFail thread(name);
    thread.start();
    thread.join();
    return testing::internal::GetCapturedStderr();
}

}  // namespace

TEST(Excepthook, DefaultHookReportsOnStderr) {
    // CPython: test_threading.ExceptHookTests.test_excepthook
    ScopedExcepthook defaults(threading::default_excepthook);
    const std::string output = run_failing_thread("excepthook thread");
    EXPECT_EQ(output, "Exception in thread excepthook thread:\nconcur::ValueError: run failed\n");
}

TEST(Excepthook, DefaultHookNamesTheTargetThread) {
    ScopedExcepthook defaults(threading::default_excepthook);
    testing::internal::CaptureStderr();
    threading::Thread t(concur_test_failing_target);
    t.start();
    t.join();
    const std::string output = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(is_default_name(t.name(), " (concur_test_failing_target)")) << t.name();
    EXPECT_EQ(output, "Exception in thread " + t.name() + ":\nconcur::ValueError: bad value\n");
}

TEST(Excepthook, DefaultHookWithoutAThread) {
    // CPython: test_threading.ExceptHookTests.test_excepthook_thread_None
    testing::internal::CaptureStderr();
    try {
        throw std::runtime_error("bug");
    } catch (...) {
        threading::default_excepthook(threading::ExceptHookArgs{
            std::current_exception(), "std::runtime_error", std::nullopt});
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "Exception in thread <unknown>:\nstd::runtime_error: bug\n");
}

TEST(Excepthook, DefaultHookWithANonStdException) {
    ScopedExcepthook defaults(threading::default_excepthook);
    testing::internal::CaptureStderr();
    threading::Thread t(threading::ThreadOptions{.name = "int thrower"}, [] { throw 42; });
    t.start();
    t.join();
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "Exception in thread int thrower:\nint\n");
}

TEST(Excepthook, CustomHookReceivesTypeMessageAndThread) {
    // CPython: test_threading.ExceptHookTests.test_custom_excepthook
    RecordingHook hook;
    ThreadRunFail thread;
    thread.start();
    thread.join();
    const auto calls = hook.calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].type, "concur::ValueError");
    EXPECT_EQ(calls[0].message, "run failed");
    ASSERT_TRUE(calls[0].thread.has_value());
    EXPECT_TRUE(*calls[0].thread == thread.ref());
    EXPECT_EQ(calls[0].thread->name(), thread.name());
    ASSERT_TRUE(calls[0].exception);
    try {
        std::rethrow_exception(calls[0].exception);
    } catch (const concur::ValueError& e) {
        EXPECT_STREQ(e.what(), "run failed");
    } catch (...) {
        ADD_FAILURE() << "exc_value is not the thrown concur::ValueError";
    }
}

TEST(Excepthook, HookRunsInTheFailingThreadBeforeJoinReturns) {
    std::atomic<std::uint64_t> hook_thread{0};
    std::atomic<bool> alive_in_hook{false};
    ScopedExcepthook hook([&](const threading::ExceptHookArgs& args) {
        hook_thread = threading::get_ident();
        alive_in_hook = args.thread && args.thread->is_alive();
    });
    threading::Thread t([] { throw std::logic_error("x"); });
    t.start();
    t.join();
    EXPECT_EQ(hook_thread.load(), *t.ident());
    EXPECT_TRUE(alive_in_hook.load());  // Python: the thread is alive during the hook
    EXPECT_FALSE(t.is_alive());
}

TEST(Excepthook, ExceptionTypesAreDemangled) {
    RecordingHook hook;
    threading::Thread a([] { throw std::out_of_range("index"); });
    threading::Thread b([] { throw threading::BrokenBarrierError(); });
    threading::Thread c([] { throw std::string("a string"); });
    for (threading::Thread* t : {&a, &b, &c}) {
        t->start();
        t->join();
    }
    const auto calls = hook.calls();
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[0].type, "std::out_of_range");
    EXPECT_EQ(calls[0].message, "index");
    EXPECT_EQ(calls[1].type, "concur::BrokenBarrierError");
    EXPECT_EQ(calls[1].message, "barrier is broken");
    EXPECT_NE(calls[2].type.find("basic_string<char"), std::string::npos) << calls[2].type;
    EXPECT_EQ(calls[2].message, "");
}

TEST(Excepthook, ThreadGoesOnAfterAnException) {
    RecordingHook hook;
    std::atomic<int> runs{0};
    for (int i = 0; i < 3; ++i) {
        threading::Thread t([&] {
            ++runs;
            throw std::runtime_error("again");
        });
        t.start();
        t.join();
    }
    EXPECT_EQ(runs.load(), 3);
    EXPECT_EQ(hook.calls().size(), 3u);
}

TEST(Excepthook, FailingHookIsReportedAndDropped) {
    // CPython: test_threading.ExceptHookTests.test_custom_excepthook_fail
    ScopedExcepthook hook(
        [](const threading::ExceptHookArgs&) { throw std::logic_error("threading_hook failed"); });
    const std::string output = run_failing_thread("x");
    EXPECT_EQ(output,
              "Exception in threading.excepthook:\nstd::logic_error: threading_hook failed\n");
}

TEST(Excepthook, HookReplacementAndRestore) {
    // CPython: test_threading.ExceptHookTests.test_original_excepthook
    ScopedExcepthook defaults(threading::default_excepthook);
    const std::string default_output = run_failing_thread("excepthook thread");
    std::string custom_output, recovered_output;
    {
        ScopedExcepthook custom([](const threading::ExceptHookArgs&) {
            std::fputs("Running a thread failed\n", stderr);
            std::fflush(stderr);
        });
        custom_output = run_failing_thread("excepthook thread");
        threading::excepthook = threading::default_excepthook;  // Python's __excepthook__
        recovered_output = run_failing_thread("excepthook thread");
    }
    EXPECT_EQ(default_output, recovered_output);
    EXPECT_NE(default_output, custom_output);
    EXPECT_EQ(custom_output, "Running a thread failed\n");
}

TEST(Excepthook, AssigningAnEmptyFunctionRestoresTheDefault) {
    ScopedExcepthook custom([](const threading::ExceptHookArgs&) {});
    EXPECT_EQ(run_failing_thread("quiet"), "");
    threading::excepthook = threading::ExceptHook::Function{};
    EXPECT_EQ(run_failing_thread("loud"),
              "Exception in thread loud:\nconcur::ValueError: run failed\n");
}

TEST(Excepthook, GetReturnsTheCurrentHook) {
    std::atomic<int> calls{0};
    ScopedExcepthook custom([&](const threading::ExceptHookArgs&) { ++calls; });
    threading::ExceptHook::Function current = threading::excepthook.get();
    ASSERT_TRUE(current);
    current(threading::ExceptHookArgs{std::make_exception_ptr(1), "int", std::nullopt});
    EXPECT_EQ(calls.load(), 1);
    // Calling the hook object calls the installed function.
    threading::excepthook(
        threading::ExceptHookArgs{std::make_exception_ptr(2), "int", std::nullopt});
    EXPECT_EQ(calls.load(), 2);
}

TEST(Excepthook, DefaultGetIsTheDefaultHook) {
    ScopedExcepthook none(threading::ExceptHook::Function{});
    threading::ExceptHook::Function current = threading::excepthook.get();
    ASSERT_TRUE(current);
    testing::internal::CaptureStderr();
    current(threading::ExceptHookArgs{std::make_exception_ptr(std::runtime_error("m")),
                                      "std::runtime_error", std::nullopt});
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "Exception in thread <unknown>:\nstd::runtime_error: m\n");
}

TEST(Excepthook, MessageOfArgs) {
    threading::ExceptHookArgs std_error{std::make_exception_ptr(std::invalid_argument("why")),
                                        "std::invalid_argument", std::nullopt};
    EXPECT_EQ(std_error.message(), "why");
    threading::ExceptHookArgs other{std::make_exception_ptr(3.5), "double", std::nullopt};
    EXPECT_EQ(other.message(), "");
    threading::ExceptHookArgs none{};
    EXPECT_EQ(none.message(), "");
}

TEST(Excepthook, ReplacingTheHookWhileThreadsFailIsSafe) {
    std::atomic<int> calls{0};
    ScopedExcepthook base([&](const threading::ExceptHookArgs&) { ++calls; });
    constexpr int kThreads = 4, kFailures = 25;
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([] {
            for (int k = 0; k < kFailures; ++k) {
                try {
                    throw std::runtime_error("inner");
                } catch (...) {
                    threading::excepthook(threading::ExceptHookArgs{std::current_exception(),
                                                                    "std::runtime_error",
                                                                    threading::current_thread()});
                }
            }
        }));
        threads.back()->start();
    }
    for (int i = 0; i < 50; ++i)
        threading::excepthook = [&](const threading::ExceptHookArgs&) { ++calls; };
    for (auto& t : threads) t->join();
    EXPECT_EQ(calls.load(), kThreads * kFailures);
}

TEST(Excepthook, StartNewThreadExceptionsGoToTheHook) {
    RecordingHook hook;
    std::atomic<std::uint64_t> native{0};
    threading::start_new_thread([&] {
        native = threading::get_native_id();
        throw std::runtime_error("from _thread");
    });
    ASSERT_TRUE(eventually([&] { return hook.calls().size() == 1; }));
    const auto calls = hook.calls();
    EXPECT_EQ(calls[0].type, "std::runtime_error");
    EXPECT_EQ(calls[0].message, "from _thread");
    ASSERT_TRUE(calls[0].thread.has_value());
    EXPECT_EQ(calls[0].thread->name().rfind("Dummy-", 0), 0u) << calls[0].thread->name();
    ASSERT_TRUE(wait_until_thread_exits(native.load()));
}
