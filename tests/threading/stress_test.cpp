// Stress tests: many threads x many operations with exact totals, swept over
// thread counts. Iteration counts are modest (about 20k operations per test)
// so that the suite stays fast under ThreadSanitizer on a small machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

constexpr int kTotalOps = 20000;

// Starts `n` threads running `body(index)` and joins them.
void run_parallel(int n, const std::function<void(int)>& body) {
    std::vector<std::unique_ptr<threading::Thread>> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        threads.push_back(std::make_unique<threading::Thread>([&body, i] { body(i); }));
    for (auto& t : threads) t->start();
    for (auto& t : threads) t->join();
}

class Stress : public testing::TestWithParam<int> {
  protected:
    int threads() const { return GetParam(); }
    int ops_per_thread() const { return kTotalOps / GetParam(); }
};

std::string thread_count_name(const testing::TestParamInfo<int>& info) {
    return std::to_string(info.param) + "Threads";
}

}  // namespace

class LockStress : public Stress {};

TEST_P(LockStress, CounterIsExact) {
    threading::Lock lock;
    long counter = 0;  // deliberately not atomic: the lock protects it
    run_parallel(threads(), [&](int) {
        for (int i = 0; i < ops_per_thread(); ++i) {
            std::lock_guard hold(lock);
            ++counter;
        }
    });
    EXPECT_EQ(counter, static_cast<long>(threads()) * ops_per_thread());
    EXPECT_FALSE(lock.locked());
}

TEST_P(LockStress, TimedAndNonBlockingAcquiresAreExact) {
    threading::Lock lock;
    long counter = 0;
    std::atomic<long> successes{0};
    run_parallel(threads(), [&](int index) {
        for (int i = 0; i < ops_per_thread(); ++i) {
            bool got;
            switch ((i + index) % 3) {
                case 0:
                    got = lock.acquire(false);
                    break;
                case 1:
                    got = lock.acquire(std::chrono::milliseconds(1));
                    break;
                default:
                    got = lock.acquire(std::chrono::seconds(60));
                    break;
            }
            if (!got) continue;
            ++counter;
            ++successes;
            lock.release();
        }
    });
    EXPECT_EQ(counter, successes.load());
    EXPECT_GT(successes.load(), 0);
    EXPECT_FALSE(lock.locked());
}

TEST_P(LockStress, HandOffBetweenThreads) {
    // A Lock released by a thread other than the one that acquired it, used
    // as a binary semaphore passing a token around a ring of threads.
    const int n = threads();
    const int rounds = std::max(1, 2000 / n);
    std::vector<std::unique_ptr<threading::Lock>> turn;
    for (int i = 0; i < n; ++i) {
        turn.push_back(std::make_unique<threading::Lock>());
        turn.back()->acquire();
    }
    long visits = 0;
    std::vector<int> order;
    run_parallel(n + 1, [&](int index) {
        if (index == n) {  // the starter
            turn[0]->release();
            return;
        }
        for (int r = 0; r < rounds; ++r) {
            turn[index]->acquire();
            ++visits;
            order.push_back(index);
            if (!(index == n - 1 && r == rounds - 1)) turn[(index + 1) % n]->release();
        }
    });
    EXPECT_EQ(visits, static_cast<long>(n) * rounds);
    for (std::size_t i = 0; i < order.size(); ++i)
        ASSERT_EQ(order[i], static_cast<int>(i % n)) << "at visit " << i;
}

INSTANTIATE_TEST_SUITE_P(Threads, LockStress, testing::Values(2, 4, 8), thread_count_name);

class RLockStress : public Stress {};

TEST_P(RLockStress, NestedCounterIsExact) {
    threading::RLock lock;
    long counter = 0;
    run_parallel(threads(), [&](int) {
        for (int i = 0; i < ops_per_thread() / 2; ++i) {
            std::lock_guard outer(lock);
            std::lock_guard inner(lock);
            ++counter;
            std::unique_lock innermost(lock);
            ++counter;
        }
    });
    EXPECT_EQ(counter, 2L * threads() * (ops_per_thread() / 2));
    EXPECT_FALSE(lock.locked());
}

INSTANTIATE_TEST_SUITE_P(Threads, RLockStress, testing::Values(2, 4, 8), thread_count_name);

class ConditionStress : public Stress {};

TEST_P(ConditionStress, BoundedBufferDeliversEveryItemOnce) {
    // threads() producers and threads() consumers over a buffer of 8 items.
    const int producers = threads(), consumers = threads();
    const int per_producer = 10000 / producers;
    const int total = per_producer * producers;
    constexpr std::size_t kCapacity = 8;

    threading::Condition cond;
    std::deque<int> buffer;
    int consumed_count = 0;
    std::vector<int> seen(static_cast<std::size_t>(total), 0);
    std::atomic<long long> sum{0};

    run_parallel(producers + consumers, [&](int index) {
        if (index < producers) {
            for (int i = 0; i < per_producer; ++i) {
                std::unique_lock hold(cond);
                cond.wait_for([&] { return buffer.size() < kCapacity; });
                buffer.push_back(index * per_producer + i);
                cond.notify_all();
            }
        } else {
            for (;;) {
                std::unique_lock hold(cond);
                cond.wait_for([&] { return !buffer.empty() || consumed_count == total; });
                if (buffer.empty()) return;  // everything was consumed
                const int item = buffer.front();
                buffer.pop_front();
                ++seen[static_cast<std::size_t>(item)];
                ++consumed_count;
                sum += item;
                cond.notify_all();
            }
        }
    });
    EXPECT_EQ(consumed_count, total);
    EXPECT_TRUE(buffer.empty());
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), total);
    EXPECT_EQ(sum.load(), static_cast<long long>(total) * (total - 1) / 2);
}

TEST_P(ConditionStress, NotifyOneChainOverLock) {
    // Every item is handed to a consumer by notify() alone (no notify_all).
    threading::Lock lock;
    threading::Condition not_empty(lock), not_full(lock);
    const int total = 10000 / threads() * threads();
    std::deque<int> buffer;
    long long produced_sum = 0, consumed_sum = 0;
    int consumed = 0;
    std::atomic<int> done_consumers{0};
    run_parallel(2 * threads(), [&](int index) {
        if (index < threads()) {
            for (int i = 0; i < total / threads(); ++i) {
                std::unique_lock hold(lock);
                not_full.wait_for([&] { return buffer.size() < 4; });
                buffer.push_back(i);
                produced_sum += i;
                not_empty.notify();
            }
        } else {
            for (;;) {
                std::unique_lock hold(lock);
                if (!not_empty.wait_for([&] { return !buffer.empty() || consumed == total; },
                                        std::chrono::seconds(60)))
                    break;  // never expected: reported by the totals below
                if (buffer.empty()) {
                    not_empty.notify();  // pass the "finished" news along
                    break;
                }
                consumed_sum += buffer.front();
                buffer.pop_front();
                if (++consumed == total) not_empty.notify();
                not_full.notify();
            }
            ++done_consumers;
        }
    });
    EXPECT_EQ(consumed, total);
    EXPECT_EQ(consumed_sum, produced_sum);
    EXPECT_EQ(done_consumers.load(), threads());
}

INSTANTIATE_TEST_SUITE_P(Threads, ConditionStress, testing::Values(1, 2, 4), thread_count_name);

class BarrierStress : public Stress {};

TEST_P(BarrierStress, ManyCyclesInLockstep) {
    const int n = threads();
    const int cycles = 2000 / n;
    std::atomic<int> arrivals{0};
    std::atomic<int> actions{0};
    std::atomic<int> errors{0};
    threading::Barrier barrier(static_cast<std::size_t>(n), [&] {
        // Everyone of this cycle has arrived, nobody of the next one yet.
        if (arrivals.load() != n * (actions.load() + 1)) ++errors;
        ++actions;
    });
    std::vector<std::atomic<long>> index_sums(static_cast<std::size_t>(cycles));
    run_parallel(n, [&](int) {
        for (int c = 0; c < cycles; ++c) {
            ++arrivals;
            index_sums[static_cast<std::size_t>(c)] += static_cast<long>(barrier.wait());
        }
    });
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(actions.load(), cycles);
    EXPECT_EQ(arrivals.load(), n * cycles);
    const long expected = static_cast<long>(n) * (n - 1) / 2;  // indices 0..n-1
    for (int c = 0; c < cycles; ++c)
        ASSERT_EQ(index_sums[static_cast<std::size_t>(c)].load(), expected) << "cycle " << c;
    EXPECT_FALSE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Threads, BarrierStress, testing::Values(2, 4, 8), thread_count_name);

class SemaphoreStress : public Stress {};

TEST_P(SemaphoreStress, LimitsConcurrency) {
    // CPython: test_threading.ThreadTests.test_various_ops
    constexpr int kBound = 3;
    threading::BoundedSemaphore slots(kBound);
    std::atomic<int> inside{0}, max_inside{0};
    std::atomic<long> entries{0};
    const int per_thread = 4000 / threads();
    run_parallel(threads(), [&](int) {
        for (int i = 0; i < per_thread; ++i) {
            std::lock_guard hold(slots);
            const int now = ++inside;
            int seen = max_inside.load();
            while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
            }
            ++entries;
            --inside;
        }
    });
    EXPECT_LE(max_inside.load(), kBound);
    EXPECT_GE(max_inside.load(), 1);
    EXPECT_EQ(entries.load(), static_cast<long>(threads()) * per_thread);
    EXPECT_EQ(slots.value(), static_cast<std::uint32_t>(kBound));
    EXPECT_THROW(slots.release(), threading::ValueError);
}

TEST_P(SemaphoreStress, ProducerConsumerCountsMatch) {
    threading::Semaphore items(0);
    const int per_producer = 10000 / threads() / 4 * 4;  // released 4 at a time
    std::atomic<long> consumed{0};
    run_parallel(2 * threads(), [&](int index) {
        if (index < threads()) {
            for (int i = 0; i < per_producer; i += 4) items.release(4);
        } else {
            for (int i = 0; i < per_producer; ++i) {
                if (i % 2 == 0)
                    items.acquire();
                else if (!items.acquire(std::chrono::seconds(60)))
                    return;
                ++consumed;
            }
        }
    });
    EXPECT_EQ(consumed.load(), static_cast<long>(threads()) * per_producer);
    EXPECT_EQ(items.value(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Threads, SemaphoreStress, testing::Values(2, 4, 8), thread_count_name);

class EventStress : public Stress {};

TEST_P(EventStress, PingPong) {
    // Pairs of threads alternate through two Events; each exchange is exact.
    const int pairs = threads() / 2 > 0 ? threads() / 2 : 1;
    const int rounds = 2000 / pairs;
    std::atomic<long> exchanges{0};
    run_parallel(pairs, [&](int) {
        threading::Event ping, pong;
        long local = 0;
        threading::Thread partner([&] {
            for (int r = 0; r < rounds; ++r) {
                ping.wait();
                ping.clear();
                pong.set();
            }
        });
        partner.start();
        for (int r = 0; r < rounds; ++r) {
            ping.set();
            pong.wait();
            pong.clear();
            ++local;
        }
        partner.join();
        exchanges += local;
    });
    EXPECT_EQ(exchanges.load(), static_cast<long>(pairs) * rounds);
}

INSTANTIATE_TEST_SUITE_P(Threads, EventStress, testing::Values(2, 4, 8), thread_count_name);

class ThreadStress : public Stress {};

TEST_P(ThreadStress, StartAndJoinManyThreads) {
    const int waves = 40 / threads();
    std::atomic<int> ran{0};
    for (int w = 0; w < waves; ++w) run_parallel(threads(), [&](int) { ++ran; });
    EXPECT_EQ(ran.load(), waves * threads());
}

INSTANTIATE_TEST_SUITE_P(Threads, ThreadStress, testing::Values(2, 4, 8), thread_count_name);
