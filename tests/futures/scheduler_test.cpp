// Tests of concur's work-stealing scheduler (include/concur/detail/scheduler.hpp)
// through the public ThreadPoolExecutor API: tasks submitted by workers go to
// the submitting worker's deque and are stolen by the others; idle workers
// park instead of spinning; wake-ups are never lost.
#include <gtest/gtest.h>

#include <time.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <concur/futures.hpp>
#include <concur/threading.hpp>

#include "futures_test_support.hpp"

using namespace futures_test;
using futures::ThreadPoolExecutor;

namespace {

std::chrono::nanoseconds process_cpu_time() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Sum of [begin, end) by recursive halving through the pool, waiting on the
// halves from inside the workers.
struct RangeSum {
    ThreadPoolExecutor* ex;
    std::mutex* mutex;
    std::set<std::string>* threads;
    long operator()(long begin, long end) const {
        {
            std::lock_guard lock(*mutex);
            threads->insert(threading::current_thread().name());
        }
        if (end - begin <= 64) {
            long sum = 0;
            for (long i = begin; i < end; ++i) sum += i;
            return sum;
        }
        const long mid = begin + (end - begin) / 2;
        auto left = ex->submit(*this, begin, mid);
        auto right = ex->submit(*this, mid, end);
        return left.result() + right.result();
    }
};

}  // namespace

TEST(Scheduler, IdleWorkerStealsTasksSpawnedByABusyOne) {
    // The root task pushes its children onto its own worker's deque and then
    // blocks on an event (not a future, so it cannot run them itself): only
    // the other worker, by stealing, can run them.
    constexpr int kChildren = 100;
    ThreadPoolExecutor ex(2, "steal");
    threading::Event second_worker_ready, children_done;
    std::atomic<int> remaining{kChildren};
    std::mutex mutex;
    std::multiset<std::string> child_threads;
    auto root = ex.submit([&] {
        EXPECT_TRUE(second_worker_ready.wait(kPatience));
        for (int i = 0; i < kChildren; ++i)
            ex.submit([&] {
                {
                    std::lock_guard lock(mutex);
                    child_threads.insert(threading::current_thread().name());
                }
                if (remaining.fetch_sub(1) == 1) children_done.set();
            });
        const bool done = children_done.wait(kPatience);
        return std::pair{done, threading::current_thread().name()};
    });
    // While the root runs, an outside submit starts the second worker.
    const std::string thief = ex.submit([] { return threading::current_thread().name(); }).result();
    ASSERT_EQ(ex.worker_count(), 2u);
    second_worker_ready.set();
    auto [done, root_thread] = root.result();
    EXPECT_TRUE(done) << remaining.load() << " children never ran";
    EXPECT_NE(thief, root_thread);
    std::lock_guard lock(mutex);
    EXPECT_EQ(child_threads.size(), static_cast<std::size_t>(kChildren));
    EXPECT_EQ(child_threads.count(thief), static_cast<std::size_t>(kChildren));
}

TEST(Scheduler, RecursiveSpawnTree) {
    ThreadPoolExecutor ex(4);
    std::mutex mutex;
    std::set<std::string> threads;
    RangeSum sum{&ex, &mutex, &threads};
    const long n = kSanitized ? 1 << 14 : 1 << 18;
    EXPECT_EQ(ex.submit(sum, 0L, n).result(), n * (n - 1) / 2);
    std::lock_guard lock(mutex);
    EXPECT_GE(threads.size(), 1u);
    EXPECT_LE(threads.size(), 4u);
}

TEST(Scheduler, ParallelTasksSpawnedFromOutsideAndInside) {
    // Outside submitters feed the injection queue while the tasks they submit
    // feed their workers' deques; every task runs exactly once.
    ThreadPoolExecutor ex(3);
    const int outer = kSanitized ? 200 : 2000;
    std::atomic<long> inner_runs{0};
    std::vector<futures::Future<long>> fs;
    for (int i = 0; i < outer; ++i)
        fs.push_back(ex.submit([&ex, &inner_runs, i] {
            std::vector<futures::Future<long>> children;
            for (int k = 0; k < 4; ++k)
                children.push_back(ex.submit([&inner_runs, i, k] {
                    inner_runs.fetch_add(1);
                    return static_cast<long>(i * 4 + k);
                }));
            long s = 0;
            for (auto& c : children) s += c.result();
            return s;
        }));
    long total = 0;
    for (auto& f : fs) total += f.result();
    const long m = 4L * outer;
    EXPECT_EQ(total, m * (m - 1) / 2);
    EXPECT_EQ(inner_runs.load(), m);
}

TEST(Scheduler, IdlePoolBurnsNoCpu) {
    ThreadPoolExecutor ex(4);
    // Some work first, on all four workers.
    threading::Barrier four(4);
    std::vector<futures::Future<std::uint64_t>> starters;
    for (int i = 0; i < 4; ++i)
        starters.push_back(ex.submit([&four] {
            four.wait(kPatience);
            return threading::get_native_id();
        }));
    std::vector<std::uint64_t> workers;
    for (auto& f : starters) workers.push_back(f.result());
    std::vector<futures::Future<int>> fs;
    for (int i = 0; i < 10'000; ++i) fs.push_back(ex.submit(mul, i, 2));
    for (auto& f : fs) f.result();
    ASSERT_EQ(ex.worker_count(), 4u);
    for (auto id : workers)
        ASSERT_TRUE(wait_until_parked(id)) << "worker " << id << " never parked";

    const auto cpu_before = process_cpu_time();
    const auto wall_before = Clock::now();
    std::this_thread::sleep_for(300ms);
    const auto cpu = process_cpu_time() - cpu_before;
    const auto wall = Clock::now() - wall_before;
    EXPECT_GE(wall, 300ms - kClockSlack);
    EXPECT_LT(cpu, 50ms) << "an idle pool of 4 workers used "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(cpu).count()
                         << " ms of CPU in "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(wall).count()
                         << " ms";
    // And it still works afterwards.
    EXPECT_EQ(ex.submit(mul, 6, 7).result(kPatience), 42);
}

TEST(Scheduler, ParkedWorkersWakeForEverySubmit) {
    // A lost wake-up would leave a task queued with every worker asleep: the
    // result(kPatience) below would then time out.
    ThreadPoolExecutor ex(2);
    const int rounds = kSanitized ? 300 : 2000;
    for (int i = 0; i < rounds; ++i) {
        if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_EQ(ex.submit(mul, i, 1).result(kPatience), i) << "round " << i;
    }
}

TEST(Scheduler, ParkedWorkerWakesForATaskPushedByAWorker) {
    // The root blocks on an event after pushing a child onto its own deque:
    // the other, parked, worker must be woken to steal it.
    ThreadPoolExecutor ex(2);
    // Start both workers, then let them park.
    {
        threading::Barrier two(2);
        auto task = [&two] {
            two.wait(kPatience);
            return threading::get_native_id();
        };
        auto a = ex.submit(task);
        auto b = ex.submit(task);
        ASSERT_TRUE(wait_until_parked(a.result()));
        ASSERT_TRUE(wait_until_parked(b.result()));
    }
    const int rounds = kSanitized ? 100 : 500;
    for (int i = 0; i < rounds; ++i) {
        auto root = ex.submit([&ex] {
            threading::Event child_ran;
            ex.submit([&child_ran] { child_ran.set(); });
            return child_ran.wait(kPatience);
        });
        ASSERT_TRUE(root.result()) << "round " << i << ": the child was never stolen";
    }
}

TEST(Scheduler, StressManyThreadsSubmittingAndWaiting) {
    ThreadPoolExecutor ex(4);
    const int threads = 8;
    const int rounds = kSanitized ? 60 : 400;
    std::atomic<long> total{0};
    std::atomic<int> cancelled{0};
    threading::Event go;
    std::vector<std::unique_ptr<threading::Thread>> clients;
    for (int t = 0; t < threads; ++t) {
        clients.push_back(std::make_unique<threading::Thread>([&, t] {
            go.wait();
            for (int r = 0; r < rounds; ++r) {
                // A task that fans out and waits, a plain task, and one that
                // may be cancelled before it starts.
                auto fan = ex.submit([&ex, r] {
                    std::vector<futures::Future<long>> parts;
                    for (long k = 0; k < 3; ++k)
                        parts.push_back(ex.submit([r, k] { return r + k; }));
                    long s = 0;
                    for (auto& p : parts) s += p.result();
                    return s;
                });
                auto plain = ex.submit([t, r] { return static_cast<long>(t * r); });
                auto maybe = ex.submit([] { return 1L; });
                if (maybe.cancel()) cancelled.fetch_add(1);
                long got = fan.result() + plain.result();
                if (!maybe.cancelled()) got += maybe.result() - 1;
                total.fetch_add(got);
                ASSERT_EQ(got, 3L * r + 3 + static_cast<long>(t) * r);
            }
        }));
        clients.back()->start();
    }
    go.set();
    for (auto& c : clients) c->join();
    long expected = 0;
    for (long t = 0; t < threads; ++t)
        for (long r = 0; r < rounds; ++r) expected += 3 * r + 3 + t * r;
    EXPECT_EQ(total.load(), expected);
}

TEST(Scheduler, ShutdownWhileWorkersSpawn) {
    // Tasks keep spawning tasks until submit() refuses; shutdown(wait=true)
    // still returns with every accepted task run.
    const int rounds = kSanitized ? 5 : 20;
    for (int round = 0; round < rounds; ++round) {
        std::mutex mutex;
        std::vector<futures::Future<void>> accepted;
        std::atomic<int> refused{0};
        ThreadPoolExecutor ex(3);
        std::function<void()> spawn = [&] {
            for (int k = 0; k < 2; ++k) {
                try {
                    auto f = ex.submit(spawn);
                    std::lock_guard lock(mutex);
                    accepted.push_back(std::move(f));
                } catch (const concur::RuntimeError&) {
                    refused.fetch_add(1);
                }
            }
        };
        {
            auto f = ex.submit(spawn);
            std::lock_guard lock(mutex);
            accepted.push_back(std::move(f));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(round % 5));
        ex.shutdown(true);
        std::lock_guard lock(mutex);
        for (std::size_t i = 0; i < accepted.size(); ++i)
            ASSERT_TRUE(accepted[i].done()) << "round " << round << ", future " << i;
        EXPECT_GT(refused.load(), 0);
    }
}
