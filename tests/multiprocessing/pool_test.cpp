// multiprocessing.Pool: map/starmap/apply/imap and their async forms, under
// every start method; the faults where Python hangs (a worker killed
// mid-task) and where it loops (a failing initializer). Ports the cases of
// CPython's _TestPool named in each test.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <ranges>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <concur/futures/exceptions.hpp>
#include <concur/multiprocessing.hpp>
#include <concur/multiprocessing/pool.hpp>

#include "../support/eventually.hpp"

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
std::string shout(std::string s) {
    return s + "!";
}
int raise_if_negative(int x) {
    if (x < 0) throw concur::ValueError("negative: " + std::to_string(x));
    return x;
}
int own_pid(int) {
    return ::getpid();
}
int sleep_then(int x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(x));
    return x;
}
// Set by a test before its pool forks the workers, which therefore share it.
mp::Value<int>* started_flag = nullptr;
int mark_started_then_sleep(int ms) {
    started_flag->value(1);
    return sleep_then(ms);
}
int die(int) {
    ::raise(SIGKILL);
    return 0;
}

int initialized = 0;
void init_with(int v) {
    initialized = v;
}
int read_initialized(int) {
    return initialized;
}
void failing_init() {
    throw concur::RuntimeError("init failed");
}

class PoolMethods : public testing::TestWithParam<std::string> {
  protected:
    mp::Context ctx() const { return mp::get_context(GetParam()); }
    mp::Pool pool(int n) const { return mp::Pool(mp::PoolOptions{n, {}, {}, 0, ctx()}); }
};

INSTANTIATE_TEST_SUITE_P(Methods, PoolMethods, testing::Values("fork", "spawn", "forkserver"),
                         [](const auto& info) { return info.param; });

// Python: test_map, test_apply (lesson L19: 1 4 9 16 25).
TEST_P(PoolMethods, MapApplyStarmap) {
    mp::Pool p(mp::PoolOptions{3, {}, {}, 0, ctx()});
    EXPECT_EQ(p.map(square, std::vector{1, 2, 3, 4, 5}), (std::vector{1, 4, 9, 16, 25}));
    EXPECT_EQ(p.apply(add, 2, 3), 5);
    EXPECT_EQ(p.apply(shout, std::string("hey")), "hey!");
    std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}};
    EXPECT_EQ(p.starmap(add, pairs), (std::vector{3, 7}));
    EXPECT_TRUE(p.map(square, std::vector<int>{}).empty());
}

std::uint64_t twice(std::uint64_t x) {
    return 2 * x;
}

// Any input range: a view whose sentinel is not its iterator, 64-bit items.
TEST(Pool, MapOfAView) {
    mp::Pool p(2);
    const auto r = p.map(twice, std::views::iota(std::uint64_t{0}, std::uint64_t{100}));
    ASSERT_EQ(r.size(), 100u);
    EXPECT_EQ(r[99], 198u);
}

TEST(Pool, MapOfManyItemsInOrderWithChunks) {
    mp::Pool p(2);
    std::vector<int> items(10000);
    std::iota(items.begin(), items.end(), 0);
    for (std::size_t chunk : {0u, 1u, 7u, 20000u}) {
        const auto r = p.map(square, items, chunk);
        ASSERT_EQ(r.size(), items.size());
        for (int i = 0; i < 10000; ++i) ASSERT_EQ(r[i], i * i);
    }
}

struct Reading {  // trivially copyable, not a number: a chunk is dump()ed
    int sensor;
    double value;
    bool operator==(const Reading&) const = default;
};
Reading calibrate(Reading r) {
    return {r.sensor, r.value * 2};
}

// Results that are not numbers are joined chunk by chunk, in order.
TEST(Pool, MapOfStringsAndStructsKeepsOrderAcrossChunks) {
    mp::Pool p(2);
    std::vector<std::string> words;
    std::vector<Reading> readings;
    for (int i = 0; i < 1000; ++i) {
        words.push_back(std::to_string(i));
        readings.push_back({i, i * 0.5});
    }
    for (std::size_t chunk : {0u, 3u, 999u}) {
        const auto loud = p.map(shout, words, chunk);
        ASSERT_EQ(loud.size(), words.size());
        for (std::size_t i = 0; i < words.size(); ++i) ASSERT_EQ(loud[i], words[i] + "!");
        const auto calibrated = p.map(calibrate, readings, chunk);
        ASSERT_EQ(calibrated.size(), readings.size());
        for (std::size_t i = 0; i < readings.size(); ++i)
            ASSERT_EQ(calibrated[i], calibrate(readings[i]));
    }
}

// An input range without a size is read once, into the chunks.
TEST(Pool, MapOfARangeWithoutASize) {
    mp::Pool p(2);
    auto odd = std::views::iota(0, 2001) | std::views::filter([](int i) { return i % 2 == 1; });
    const auto r = p.map(square, odd, 7);
    ASSERT_EQ(r.size(), 1000u);
    EXPECT_EQ(r.front(), 1);
    EXPECT_EQ(r.back(), 1999 * 1999);
}

// Filled before the pool starts: the workers (forked) see it, although the
// pool hands the parent's free heap memory back to the system first.
std::vector<std::uint64_t>* table_before_pool = nullptr;
std::uint64_t look_up(std::uint64_t i) {
    return (*table_before_pool)[i];
}

TEST(Pool, ForkedWorkersSeeWhatTheParentHeldWhenTheyStarted) {
    std::vector<std::uint64_t> table(200000);
    for (std::size_t i = 0; i < table.size(); ++i) table[i] = i * 7 + 1;
    table_before_pool = &table;
    {
        std::vector<char> freed(32 << 20, 'x');  // free heap memory at the fork
    }
    mp::Pool p(mp::PoolOptions{2, {}, {}, 0, mp::get_context("fork")});
    const auto r = p.map(look_up, std::views::iota(std::uint64_t{0}, std::uint64_t{200000}));
    ASSERT_EQ(r, table);
    table_before_pool = nullptr;
}

// One pool after another, with large and small messages: the parent's
// receive buffer passes from each pool's handler to the next one's.
TEST(Pool, SuccessivePoolsWithLargeAndSmallMaps) {
    for (std::uint64_t n : {300000u, 10u, 200000u, 0u, 300000u}) {
        mp::Pool p(2);
        const auto r = p.map(twice, std::views::iota(std::uint64_t{0}, n));
        ASSERT_EQ(r.size(), n);
        for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(r[i], 2 * i);
    }
}

// Python: test_async, test_async_timeout.
TEST(Pool, AsyncResults) {
    mp::Pool p(2);
    mp::AsyncResult<int> a = p.apply_async(sleep_then, 100);
    EXPECT_FALSE(a.ready());
    EXPECT_THROW(a.successful(), concur::ValueError);
    EXPECT_THROW(a.get(1ms), mp::TimeoutError);
    EXPECT_EQ(a.get(kPatience), 100);
    EXPECT_TRUE(a.ready());
    EXPECT_TRUE(a.successful());
    auto m = p.map_async(square, std::vector{2, 3});
    m.wait();
    EXPECT_EQ(m.get(), (std::vector{4, 9}));
}

// Python: test_map_unplicklable / exceptions come back with their type.
TEST(Pool, ExceptionsComeBackAsTheSameType) {
    mp::Pool p(2);
    EXPECT_THROW(p.apply(raise_if_negative, -1), concur::ValueError);
    auto bad = p.map_async(raise_if_negative, std::vector{1, -2, 3});
    EXPECT_THROW(bad.get(), concur::ValueError);
    EXPECT_FALSE(bad.successful());
    EXPECT_EQ(p.apply(raise_if_negative, 4), 4);  // the pool goes on
}

// Python: test_imap, test_imap_unordered.
TEST(Pool, ImapAndImapUnordered) {
    mp::Pool p(2);
    std::vector<int> items{1, 2, 3, 4, 5, 6};
    std::vector<int> ordered;
    for (int r : p.imap(square, items)) ordered.push_back(r);
    EXPECT_EQ(ordered, (std::vector{1, 4, 9, 16, 25, 36}));
    std::vector<int> unordered;
    auto it = p.imap_unordered(square, items, 2);
    while (auto r = it.next(kPatience)) unordered.push_back(*r);
    std::sort(unordered.begin(), unordered.end());
    EXPECT_EQ(unordered, ordered);
    EXPECT_THROW(p.imap(square, items, 0), concur::ValueError);
}

// Python: test_initializer.
TEST_P(PoolMethods, InitializerRunsInEveryWorker) {
    mp::Pool p(mp::PoolOptions{2, init_with, std::tuple{7}, 0, ctx()});
    EXPECT_EQ(p.map(read_initialized, std::vector{0, 0, 0, 0}), (std::vector{7, 7, 7, 7}));
    EXPECT_THROW(mp::Pool(mp::PoolOptions{1, init_with, std::tuple{std::string("x")}, 0, ctx()}),
                 concur::ValueError);
}

// An initializer that throws breaks the pool (Python restarts workers
// forever).
TEST(PoolFaults, FailingInitializerBreaksThePool) {
    mp::Pool p(mp::PoolOptions{2, failing_init, {}, 0, std::nullopt});
    try {
        // Queued before the break is seen: the task fails...
        auto r = p.apply_async(square, 3);
        EXPECT_TRUE(r.wait(kPatience));
        EXPECT_THROW(r.get(), concur::futures::BrokenProcessPool);
    } catch (const concur::futures::BrokenProcessPool&) {
        // ...or the submit itself raises, once it is.
    }
    EXPECT_THROW(p.apply_async(square, 3), concur::futures::BrokenProcessPool);
    EXPECT_TRUE(concur_test_support::eventually([&] { return p.worker_pids().empty(); }))
        << "a broken pool keeps (or restarts) workers";
}

// Python's Pool hangs here (cpython#96062): a worker killed mid-task fails
// that task only, and is replaced.
TEST_P(PoolMethods, WorkerKilledMidTaskFailsOnlyThatTask) {
    mp::Pool p(mp::PoolOptions{2, {}, {}, 0, ctx()});
    auto dead = p.apply_async(die, 0);
    EXPECT_TRUE(dead.wait(kPatience)) << "the task of a killed worker never completed";
    EXPECT_THROW(dead.get(), mp::WorkerLostError);
    EXPECT_EQ(p.map(square, std::vector{1, 2, 3}), (std::vector{1, 4, 9}));
    EXPECT_TRUE(concur_test_support::eventually([&] { return p.worker_pids().size() == 2; }));
}

TEST(PoolFaults, WorkerKilledFromOutsideIsReplaced) {
    mp::Value<int> started(0);
    started_flag = &started;
    mp::Pool p(2);
    auto slow = p.apply_async(mark_started_then_sleep, 60'000);
    const auto pids = p.worker_pids();
    ASSERT_EQ(pids.size(), 2u);
    // Kill only once a worker runs the task: one killed before it took the
    // task would leave it to a replacement, to sleep out its minute.
    ASSERT_TRUE(concur_test_support::eventually([&] { return started.value() == 1; }));
    for (int pid : pids) ::kill(pid, SIGKILL);
    EXPECT_TRUE(slow.wait(kPatience));
    EXPECT_THROW(slow.get(), mp::WorkerLostError);
    // Both replaced. (A task handed to a worker in the instant it dies fails
    // with WorkerLostError too: the pool cannot tell whether it had started.)
    EXPECT_TRUE(concur_test_support::eventually([&] {
        const auto now = p.worker_pids();
        return now.size() == 2 && std::find(now.begin(), now.end(), pids[0]) == now.end() &&
               std::find(now.begin(), now.end(), pids[1]) == now.end();
    }));
    EXPECT_EQ(p.apply(square, 5), 25);
}

// Python: test_maxtasksperchild -- workers are replaced after n tasks.
TEST(Pool, MaxTasksPerChildReplacesWorkers) {
    mp::Pool p(mp::PoolOptions{1, {}, {}, 2, std::nullopt});
    std::vector<int> pids;
    for (int i = 0; i < 6; ++i) pids.push_back(p.apply(own_pid, 0));
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    EXPECT_EQ(pids.size(), 3u);
}

// Python: test_close, test_terminate, test_empty_iterable.
TEST(Pool, CloseThenJoinFinishesQueuedWork) {
    mp::Pool p(2);
    auto r = p.map_async(sleep_then, std::vector{50, 50, 50});
    EXPECT_THROW(p.join(), concur::ValueError);  // still running
    p.close();
    EXPECT_THROW(p.apply_async(square, 1), concur::ValueError);
    p.join();
    EXPECT_EQ(r.get(), (std::vector{50, 50, 50}));
    EXPECT_TRUE(p.worker_pids().empty());
}

TEST(Pool, TerminateFailsPendingWorkAndStopsWorkers) {
    mp::Pool p(1);
    auto r = p.apply_async(sleep_then, 60'000);
    p.terminate();
    p.join();
    EXPECT_TRUE(r.wait(kPatience));
    EXPECT_THROW(r.get(), concur::RuntimeError);
    EXPECT_TRUE(p.worker_pids().empty());
}

TEST(Pool, DestroyingThePoolLeavesNoWorker) {
    std::vector<int> pids;
    {
        mp::Pool p(3);
        pids = p.worker_pids();
        ASSERT_EQ(pids.size(), 3u);
    }
    for (int pid : pids) EXPECT_NE(::kill(pid, 0), 0);
}

}  // namespace

namespace {

// Python: ctx.Pool(n), ctx.Queue(), ctx.Lock(), ctx.Value(...) -- objects a
// context makes.
TEST(Context, MakesPoolsQueuesLocksAndSharedValues) {
    auto ctx = mp::get_context("forkserver");
    mp::Pool pool = ctx.Pool(2);
    EXPECT_EQ(pool.map(square, std::vector{3, 4}), (std::vector{9, 16}));
    auto q = ctx.Queue<int>();
    q.put(5);
    EXPECT_EQ(q.get(), 5);
    mp::Lock lock = ctx.Lock();
    EXPECT_TRUE(lock.acquire());
    lock.release();
    auto v = ctx.Value<double>(1.5);
    EXPECT_EQ(v.value(), 1.5);
    auto a = ctx.Array<int>(std::size_t{3});
    EXPECT_EQ(a.size(), 3u);
    auto e = ctx.Event();
    EXPECT_FALSE(e.is_set());
}

}  // namespace
