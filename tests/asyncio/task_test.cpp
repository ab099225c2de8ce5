// Tests for asyncio::Task, Coroutine, create_task, run: ports of CPython's
// Lib/test/test_asyncio/test_tasks.py where named.
#include <concur/asyncio.hpp>

#include <gtest/gtest.h>
#include <malloc.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "../support/sanitizers.hpp"

namespace {

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

asyncio::Coroutine<int> answer() {
    co_return 42;
}

asyncio::Coroutine<int> doubled() {
    co_return 2 * co_await answer();
}

TEST(Coroutine, AwaitRunsItInTheAwaitingTask) {
    EXPECT_EQ(asyncio::run(doubled()), 84);
}

TEST(Coroutine, CallingRunsNothing) {
    bool ran = false;
    auto body = [&]() -> asyncio::Coroutine<void> {
        ran = true;
        co_return;
    };
    { auto c = body(); }
    EXPECT_FALSE(ran);
}

TEST(Coroutine, AwaitingTwiceIsRuntimeError) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto c = answer();
        co_await c;
        try {
            co_await c;
        } catch (const concur::RuntimeError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Coroutine, ExceptionPropagatesToAwaiter) {
    auto failing = []() -> asyncio::Coroutine<int> {
        throw concur::ValueError("bad");
        co_return 0;
    };
    auto main_ = [&]() -> asyncio::Coroutine<int> { co_return co_await failing(); };
    EXPECT_THROW(asyncio::run(main_()), concur::ValueError);
}

// The contract example.
asyncio::Coroutine<void> say(std::vector<std::string>& out, std::string what,
                             std::chrono::milliseconds when) {
    co_await asyncio::sleep(when);
    out.push_back(what);
}

TEST(Task, ContractExample) {
    std::vector<std::string> out;
    auto main_ = [&]() -> asyncio::Coroutine<int> {
        asyncio::Task<void> t = asyncio::create_task(say(out, "hello", 50ms));
        auto [a, b] = co_await asyncio::gather(answer(), answer());
        co_await t;
        co_return a + b;
    };
    EXPECT_EQ(asyncio::run(main_()), 84);
    EXPECT_EQ(out, (std::vector<std::string>{"hello"}));
}

TEST(Task, TasksInterleaveBySleepTime) {
    std::vector<std::string> out;
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto a = asyncio::create_task(say(out, "slow", 60ms));
        auto b = asyncio::create_task(say(out, "fast", 10ms));
        co_await a;
        co_await b;
    };
    asyncio::run(main_());
    EXPECT_EQ(out, (std::vector<std::string>{"fast", "slow"}));
}

// test_tasks: test_cancel_yield / cancellation at the next await point.
TEST(Task, CancelDeliversCancelledErrorAtAwait) {
    bool caught = false;
    auto sleeper = [&]() -> asyncio::Coroutine<void> {
        try {
            co_await asyncio::sleep(10.0);
        } catch (const concur::CancelledError&) {
            caught = true;
            throw;
        }
    };
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto t = asyncio::create_task(sleeper());
        co_await asyncio::sleep(0.0);
        EXPECT_TRUE(t.cancel("stop"));
        try {
            co_await t;
        } catch (const concur::CancelledError& e) {
            EXPECT_STREQ(e.what(), "stop");
            co_return t.cancelled();
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
    EXPECT_TRUE(caught);
}

TEST(Task, CancelBeforeFirstStepNeverRunsBody) {
    bool ran = false;
    auto body = [&]() -> asyncio::Coroutine<void> {
        ran = true;
        co_return;
    };
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        auto t = asyncio::create_task(body());
        t.cancel();
        co_await asyncio::sleep(0.0);
        co_return t.cancelled();
    };
    EXPECT_TRUE(asyncio::run(main_()));
    EXPECT_FALSE(ran);
}

TEST(Task, CancelDoneTaskReturnsFalse) {
    auto main_ = []() -> asyncio::Coroutine<bool> {
        auto t = asyncio::create_task(answer());
        co_await t;
        co_return t.cancel();
    };
    EXPECT_FALSE(asyncio::run(main_()));
}

// A task that catches CancelledError, cleans up with further awaits, and
// finishes normally is not cancelled (Python's semantics).
TEST(Task, CancellationCanBeSuppressedWithAwaitsAfterCatch) {
    auto stubborn = []() -> asyncio::Coroutine<int> {
        std::exception_ptr cancelled;
        try {
            co_await asyncio::sleep(10.0);
        } catch (const concur::CancelledError&) {
            cancelled = std::current_exception();
        }
        co_await asyncio::sleep(0.01);  // clean-up after the handler
        co_return cancelled ? 7 : 0;
    };
    auto main_ = [&]() -> asyncio::Coroutine<int> {
        auto t = asyncio::create_task(stubborn());
        co_await asyncio::sleep(0.0);
        t.cancel();
        int v = co_await t;
        EXPECT_FALSE(t.cancelled());
        EXPECT_EQ(t.cancelling(), 1);
        co_return v;
    };
    EXPECT_EQ(asyncio::run(main_()), 7);
}

TEST(Task, ResultAndExceptionAccessors) {
    auto failing = []() -> asyncio::Coroutine<int> {
        throw concur::ValueError("v");
        co_return 0;
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto ok = asyncio::create_task(answer());
        auto bad = asyncio::create_task(failing());
        EXPECT_THROW(ok.result(), concur::InvalidStateError);
        co_await asyncio::sleep(0.0);
        EXPECT_TRUE(ok.done());
        EXPECT_EQ(ok.result(), 42);
        EXPECT_EQ(ok.exception(), nullptr);
        EXPECT_TRUE(bad.done());
        EXPECT_NE(bad.exception(), nullptr);
        EXPECT_THROW(bad.result(), concur::ValueError);
    };
    asyncio::run(main_());
}

TEST(Task, NamesCountUpAndCanBeSet) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        auto t = asyncio::create_task(answer());
        const std::string first = t.get_name();
        EXPECT_EQ(first.rfind("Task-", 0), 0u);
        t.set_name("worker");
        EXPECT_EQ(t.get_name(), "worker");
        auto named = asyncio::create_task(answer(), "explicit");
        EXPECT_EQ(named.get_name(), "explicit");
        // A named task takes no number (test_tasks.py: the counter only
        // advances for default names), so the next one follows `first`.
        auto next = asyncio::create_task(answer());
        EXPECT_EQ(std::stoull(next.get_name().substr(5)), std::stoull(first.substr(5)) + 1);
        co_await t;
        co_await named;
        co_await next;
    };
    asyncio::run(main_());
}

TEST(Task, DoneCallbackRunsOnLoopAfterCompletion) {
    std::vector<std::string> events;
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto t = asyncio::create_task(answer());
        t.add_done_callback([&](asyncio::Task<int>& done) {
            events.push_back("cb " + std::to_string(done.result()));
        });
        t.add_done_callback([&] { events.push_back("cb2"); });
        co_await t;
        events.push_back("awaited");
        co_await asyncio::sleep(0.0);
    };
    asyncio::run(main_());
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0], "awaited");
    EXPECT_EQ(events[1], "cb 42");
    EXPECT_EQ(events[2], "cb2");
}

TEST(Task, CurrentTaskAndAllTasks) {
    auto main_ = []() -> asyncio::Coroutine<void> {
        auto me = asyncio::current_task();
        EXPECT_TRUE(me.has_value());
        auto t = asyncio::create_task(asyncio::sleep(0.05));
        auto all = asyncio::all_tasks();
        EXPECT_EQ(all.size(), 2u);
        co_await t;
        EXPECT_EQ(asyncio::all_tasks().size(), 1u);
    };
    asyncio::run(main_());
    EXPECT_FALSE(asyncio::current_task().has_value());
}

// test_tasks: test_task_await_itself ("Task cannot await on itself").
TEST(Task, AwaitingItselfIsRuntimeError) {
    asyncio::Task<bool> self;
    auto body = [&]() -> asyncio::Coroutine<bool> {
        co_await asyncio::sleep(0.0);
        try {
            co_await self;
        } catch (const concur::RuntimeError&) {
            co_return true;
        }
        co_return false;
    };
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        self = asyncio::create_task(body());
        co_return co_await self;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Task, ExceptionNeverRetrievedIsReported) {
    testing::internal::CaptureStderr();
    auto main_ = []() -> asyncio::Coroutine<void> {
        auto failing = []() -> asyncio::Coroutine<void> {
            throw concur::ValueError("lost");
            co_return;
        };
        asyncio::create_task(failing());
        co_await asyncio::sleep(0.0);
        co_await asyncio::sleep(0.0);
    };
    asyncio::run(main_());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Task exception was never retrieved"), std::string::npos) << err;
    EXPECT_NE(err.find("ValueError: lost"), std::string::npos) << err;
}

TEST(Task, AHandleThatOutlivesItsLoopReportsTheLostExceptionOnStderr) {
    asyncio::Task<void> kept;
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        auto failing = []() -> asyncio::Coroutine<void> {
            throw concur::ValueError("outlived");
            co_return;
        };
        kept = asyncio::create_task(failing());
        co_await asyncio::sleep(0.0);
        co_await asyncio::sleep(0.0);
    };
    asyncio::run(main_());  // the loop is closed and gone
    ASSERT_TRUE(kept.done());
    testing::internal::CaptureStderr();
    kept = {};
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Task exception was never retrieved"), std::string::npos) << err;
}

TEST(Task, HandlesMayBeCopiedAndDroppedOnOtherThreadsOnceTheLoopIsDone) {
    // The reference count is the one part of a task that is thread-safe.
    auto main_ = []() -> asyncio::Coroutine<asyncio::Task<int>> {
        co_return asyncio::create_task(answer());
    };
    asyncio::Task<int> task = asyncio::run(main_());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([task] {
            for (int i = 0; i < 10000; ++i) {
                asyncio::Task<int> copy = task;
                EXPECT_TRUE(copy.done());
            }
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(task.result(), 42);
}

// W4's memory target (bench/README.md): a task sleeping in a gather, with
// its handle, costs at most 300 bytes of heap. Counted with glibc's
// mallinfo2() (a sanitizer's allocator would count its own).
asyncio::Coroutine<void> sleep_briefly() {
    co_await asyncio::sleep(0.2);
}
TEST(TaskMemory, ASleepingTaskInAGatherTakesAtMost300Bytes) {
    if (concur_test_support::kSanitized) GTEST_SKIP() << "a sanitizer's allocator";
    constexpr long kTasks = 20000;
    auto heap_in_use = [] {
        const struct mallinfo2 info = mallinfo2();
        return static_cast<double>(info.uordblks + info.hblkhd);
    };
    double before = 0, parked = 0;
    auto measure = [&]() -> asyncio::Coroutine<void> {
        co_await asyncio::sleep(0.1);  // every sleeper is parked in the gather
        parked = heap_in_use();
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        before = heap_in_use();
        std::vector<asyncio::Task<void>> tasks;
        tasks.reserve(kTasks);
        for (long i = 0; i < kTasks; ++i) tasks.push_back(asyncio::create_task(sleep_briefly()));
        asyncio::Task<void> probe = asyncio::create_task(measure());
        co_await asyncio::gather(std::move(tasks));
        co_await probe;
    };
    asyncio::run(main_());
    const double per_task = (parked - before) / kTasks;
    EXPECT_GT(per_task, 100.0);  // the measure sees the tasks at all
    EXPECT_LE(per_task, 300.0);
}

TEST(Run, CancelsLeftoverTasks) {
    bool cancelled = false;
    auto forever = [&]() -> asyncio::Coroutine<void> {
        try {
            co_await asyncio::sleep(100.0);
        } catch (const concur::CancelledError&) {
            cancelled = true;
            throw;
        }
    };
    auto main_ = [&]() -> asyncio::Coroutine<void> {
        asyncio::create_task(forever());
        co_await asyncio::sleep(0.0);
    };
    asyncio::run(main_());
    EXPECT_TRUE(cancelled);
}

TEST(Run, NestedRunIsRuntimeError) {
    auto inner = []() -> asyncio::Coroutine<int> { co_return 1; };
    auto main_ = [&]() -> asyncio::Coroutine<bool> {
        try {
            asyncio::run(inner());
        } catch (const concur::RuntimeError&) {
            co_return true;
        }
        co_return false;
    };
    EXPECT_TRUE(asyncio::run(main_()));
}

TEST(Run, AcceptsAnyAwaitable) {
    asyncio::run(asyncio::sleep(0.01));
    EXPECT_EQ(asyncio::run(asyncio::sleep(0.01, 5)), 5);
}

}  // namespace
