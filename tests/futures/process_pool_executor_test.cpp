// futures::ProcessPoolExecutor: the Executor contract with worker processes,
// through the shared futures::Executor base; the faults of CPython's
// test_concurrent_futures/test_process_pool.py and test_deadlock.py.
// (This test binary enters through gtest_main, so its children use "fork";
// the multiprocessing tests cover spawn and forkserver workers.)
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <concur/futures.hpp>
#include <concur/futures/process_pool_executor.hpp>
#include <concur/multiprocessing/exceptions.hpp>

#include "../support/eventually.hpp"

namespace futures = concur::futures;
namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using concur_test_support::kPatience;

namespace {

int square(int x) {
    return x * x;
}
int add(int a, int b) {
    return a + b;
}
std::string greet(std::string name) {
    return "hello " + name;
}
int own_pid() {
    return ::getpid();
}
int fail(int x) {
    throw std::out_of_range("item " + std::to_string(x));
}
int sleep_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
}
int die() {
    ::raise(SIGKILL);
    return 0;
}
// Read end of a pipe made before the pool forks: die_when_told() waits for a
// byte on it, so that a test can submit more work before the worker dies.
int told_to_die = -1;
int die_when_told() {
    char byte = 0;
    (void)!::read(told_to_die, &byte, 1);
    return die();
}
int base = 0;
void set_base(int b) {
    base = b;
}
int plus_base(int x) {
    return base + x;
}
void failing_init() {
    throw concur::RuntimeError("no");
}

// Python: test_submit, test_submit_keyword -- the same Future type.
TEST(ProcessPoolExecutor, SubmitRunsInAnotherProcess) {
    futures::ProcessPoolExecutor pool(2);
    futures::Future<int> f = pool.submit(square, 7);
    EXPECT_EQ(f.result(kPatience), 49);
    EXPECT_EQ(pool.submit(add, 2, 3).result(kPatience), 5);
    EXPECT_EQ(pool.submit(greet, std::string("bob")).result(kPatience), "hello bob");
    EXPECT_NE(pool.submit(own_pid).result(kPatience), ::getpid());
    EXPECT_EQ(pool.submit([](int x) { return x + 1; }, 1).result(kPatience), 2);
}

// Code written against the base works (the executor is only known at run
// time: a capturing lambda is a ValueError there, as Python's pickling error).
TEST(ProcessPoolExecutor, WorksThroughTheExecutorBase) {
    futures::ProcessPoolExecutor pool(2);
    futures::Executor& executor = pool;
    EXPECT_EQ(executor.submit(square, 9).result(kPatience), 81);
    std::vector<int> items{1, 2, 3, 4, 5};
    EXPECT_EQ(executor.map(square, items).to_vector(), (std::vector{1, 4, 9, 16, 25}));
    int captured = 3;
    EXPECT_THROW(executor.submit([captured] { return captured; }), concur::ValueError);
}

// Python: test_map, test_map_exception, test_map_timeout (zip of two inputs).
TEST(ProcessPoolExecutor, MapInOrderExceptionsAndZip) {
    futures::ProcessPoolExecutor pool(2);
    std::vector<int> items(1000);
    for (int i = 0; i < 1000; ++i) items[i] = i;
    const auto squares = pool.map(square, items).to_vector();
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(squares[i], i * i);
    EXPECT_EQ(pool.map(add, std::vector{1, 2, 3}, std::vector{10, 20}).to_vector(),
              (std::vector{11, 22}));
    auto failing = pool.map(fail, std::vector{1, 2});
    EXPECT_THROW(failing.to_vector(), std::out_of_range);
    auto slow =
        pool.map_with(futures::MapOptions{.timeout = std::chrono::milliseconds(50), .chunksize = 1},
                      sleep_ms, std::vector{500});
    EXPECT_THROW(slow.to_vector(), concur::TimeoutError);
}

// Python: test_exception -- the same type and message.
TEST(ProcessPoolExecutor, ExceptionsComeBackAsTheirType) {
    futures::ProcessPoolExecutor pool(1);
    auto f = pool.submit(fail, 4);
    EXPECT_THROW(f.result(kPatience), std::out_of_range);
    try {
        f.result();
    } catch (const std::out_of_range& e) {
        EXPECT_STREQ(e.what(), "item 4");
    }
}

// Python: test_initializer.
TEST(ProcessPoolExecutor, InitializerRunsInEachWorker) {
    futures::ProcessPoolExecutor pool(2, set_base, std::tuple{100});
    EXPECT_EQ(pool.submit(plus_base, 5).result(kPatience), 105);
}

// Python: test_initializer (failing): BrokenProcessPool, no respawn loop.
TEST(ProcessPoolExecutorFaults, FailingInitializerBreaksThePool) {
    futures::ProcessPoolExecutor pool(2, failing_init);
    try {
        auto f = pool.submit(square, 2);
        EXPECT_THROW(f.result(kPatience), futures::BrokenProcessPool);
    } catch (const futures::BrokenProcessPool&) {
    }
    EXPECT_TRUE(concur_test_support::eventually([&] {
        try {
            pool.submit(square, 2);
            return false;
        } catch (const futures::BrokenProcessPool&) {
            return true;
        }
    }));
}

// Python: test_killed_child / test_crash -- a worker SIGKILLed mid-task
// breaks the pool: that future, pending ones and later submits.
TEST(ProcessPoolExecutorFaults, WorkerKilledMidTaskBreaksThePool) {
    int tell[2];
    ASSERT_EQ(::pipe(tell), 0);
    told_to_die = tell[0];
    futures::ProcessPoolExecutor pool(1);
    auto dying = pool.submit(die_when_told);
    auto pending = pool.submit(square, 3);  // before the pool breaks
    ASSERT_EQ(::write(tell[1], "x", 1), 1);
    EXPECT_THROW(dying.result(kPatience), futures::BrokenProcessPool);
    EXPECT_THROW(pending.result(kPatience), futures::BrokenProcessPool);
    EXPECT_THROW(pool.submit(square, 1), futures::BrokenProcessPool);
    ::close(tell[0]);
    ::close(tell[1]);
}

// Python: test_shutdown, test_cancel_futures.
TEST(ProcessPoolExecutor, ShutdownWaitsAndCancelsOnRequest) {
    futures::ProcessPoolExecutor pool(1);
    auto running = pool.submit(sleep_ms, 200);
    std::vector<futures::Future<int>> queued;
    for (int i = 0; i < 5; ++i) queued.push_back(pool.submit(sleep_ms, 200));
    EXPECT_TRUE(
        concur_test_support::eventually([&] { return running.running() || running.done(); }));
    pool.shutdown(true, true);
    EXPECT_EQ(running.result(), 200);
    for (auto& f : queued) EXPECT_TRUE(f.cancelled());
    EXPECT_THROW(pool.submit(square, 1), concur::RuntimeError);
    EXPECT_TRUE(pool.worker_pids().empty());
}

// Python 3.14: terminate_workers / kill_workers.
TEST(ProcessPoolExecutor, KillWorkersFailsWhatIsLeft) {
    futures::ProcessPoolExecutor pool(1);
    auto f = pool.submit(sleep_ms, 60'000);
    EXPECT_TRUE(concur_test_support::eventually([&] { return f.running(); }));
    pool.kill_workers();
    EXPECT_THROW(f.result(kPatience), futures::BrokenProcessPool);
    EXPECT_TRUE(pool.worker_pids().empty());
}

TEST(ProcessPoolExecutor, BadArguments) {
    EXPECT_THROW(futures::ProcessPoolExecutor(0), concur::ValueError);
    EXPECT_THROW(futures::ProcessPoolExecutor(1, {}, {}, 1, mp::get_context("fork")),
                 concur::ValueError);
}

}  // namespace
