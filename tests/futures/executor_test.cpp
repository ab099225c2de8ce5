// futures::Executor, the abstract base (Python's concurrent.futures.Executor),
// and the bad input and misuse that used to crash: a negative or huge
// max_workers, a null exception, an executor dropped inside its own task,
// shutdown(wait) from one of its own workers, a throwing done-callback's
// report.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "futures_test_support.hpp"

namespace futures_test {
namespace {

int square(int x) {
    return x * x;
}

// Works with any executor, through the base class.
std::vector<int> squares_through_base(futures::Executor& ex) {
    futures::Future<int> f = ex.submit(square, 7);
    std::vector<int> out{f.result()};
    for (int r : ex.map(square, std::vector<int>{1, 2, 3})) out.push_back(r);
    return out;
}

TEST(Executor, SubmitMapAndShutdownThroughTheBaseClass) {
    futures::ThreadPoolExecutor pool(2);
    futures::Executor& ex = pool;
    EXPECT_EQ(squares_through_base(ex), (std::vector<int>{49, 1, 4, 9}));
    auto chunked =
        ex.map_with(futures::MapOptions{.chunksize = 2}, square, std::vector<int>{4, 5, 6});
    EXPECT_EQ(chunked.to_vector(), (std::vector<int>{16, 25, 36}));
    ex.shutdown();
    EXPECT_THROW(ex.submit(square, 1), concur::RuntimeError);
}

TEST(Executor, DeletingThroughTheBaseShutsDown) {
    std::unique_ptr<futures::Executor> ex = std::make_unique<futures::ThreadPoolExecutor>(2);
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) ex->submit([&ran] { ++ran; });
    ex.reset();  // shutdown(wait=True), as leaving Python's `with`
    EXPECT_EQ(ran.load(), 100);
}

// CPython: ThreadPoolExecutorTest.test_invalid_max_workers (ValueError for 0
// and for -1).
TEST(ThreadPoolExecutorArguments, NegativeMaxWorkersRaisesValueError) {
    EXPECT_THROW(futures::ThreadPoolExecutor(-1), concur::ValueError);
    EXPECT_THROW(futures::ThreadPoolExecutor(0), concur::ValueError);
    EXPECT_THROW(futures::ThreadPoolExecutor(std::int64_t{-1} << 40), concur::ValueError);
}

// Python starts threads only as needed: a huge maximum allocates nothing up
// front (it used to allocate a slot per possible worker, or abort).
TEST(ThreadPoolExecutorArguments, HugeMaxWorkersStartsThreadsOnlyAsNeeded) {
    for (std::int64_t max : {std::int64_t{20000}, std::int64_t{1} << 56}) {
        futures::ThreadPoolExecutor ex(max);
        EXPECT_EQ(ex.max_workers(), static_cast<std::size_t>(max));
        EXPECT_EQ(ex.worker_count(), 0u);
        EXPECT_EQ(ex.submit(square, 3).result(), 9);
        EXPECT_LE(ex.worker_count(), 2u);
    }
}

TEST(FutureArguments, NullExceptionRaisesValueError) {
    futures::Future<std::string> f;
    EXPECT_THROW(f.set_exception(nullptr), concur::ValueError);
    EXPECT_FALSE(f.done());
    f.set_result("still usable");
    EXPECT_EQ(f.result(), "still usable");
}

// The last owner of an executor lets go of it inside one of its own tasks:
// the destructor cannot wait for the pool (it would wait for itself), so it
// shuts down without waiting and never throws; queued work still runs.
TEST(ThreadPoolExecutorLifetime, DroppedInsideItsOwnTask) {
    auto ex = std::make_shared<futures::ThreadPoolExecutor>(2);
    threading::Event dropped;
    std::atomic<int> after{0};
    futures::Future<void> gate = ex->submit([&] { dropped.wait(kPatience); });
    for (int i = 0; i < 10; ++i) ex->submit([&after] { ++after; });
    std::weak_ptr<futures::ThreadPoolExecutor> weak = ex;
    ex->submit([owner = std::move(ex), &dropped]() mutable {
        dropped.set();
        owner.reset();  // the destructor runs here, on a worker
    });
    EXPECT_TRUE(dropped.wait(kPatience));
    EXPECT_TRUE(eventually([&] { return weak.expired() && after.load() == 10; }));
    gate.result(kPatience);
}

// Python: shutdown(wait=True) from a worker joins the current thread and
// raises RuntimeError; the pool stays shut down.
TEST(ThreadPoolExecutorShutdown, WaitFromItsOwnWorkerRaisesRuntimeError) {
    futures::ThreadPoolExecutor ex(2);
    auto f = ex.submit([&ex] { ex.shutdown(true); });
    EXPECT_THROW(f.result(kPatience), concur::RuntimeError);
    EXPECT_THROW(ex.submit(square, 1), concur::RuntimeError);
}

// A throwing done-callback is reported through excepthook naming the thread
// that ran it (it used to say "<unknown>").
TEST(FutureCallbacks, ThrowingCallbackReportNamesTheThread) {
    HookRecorder hook;
    futures::ThreadPoolExecutor ex(1, "named-pool");
    threading::Event go;
    auto f = ex.submit([&go] { go.wait(kPatience); });
    f.add_done_callback([] { throw concur::ValueError("doh!"); });
    go.set();
    f.result(kPatience);
    ASSERT_TRUE(eventually([&] { return hook.reports().size() == 1; }));
    EXPECT_EQ(hook.reports()[0].thread, "named-pool_0");
    EXPECT_EQ(hook.reports()[0].message, "doh!");
}

}  // namespace
}  // namespace futures_test
