// queue::SimpleQueue<T>: unbounded FIFO without task tracking or shutdown;
// put never blocks, get blocks while empty. Ports CPython's
// BaseSimpleQueueTest.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

// CPython: test_queue.BaseSimpleQueueTest.test_basic
TEST(SimpleQueue, Basic) {
    queue::SimpleQueue<int> q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.qsize(), 0u);
    q.put(1);
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.qsize(), 1u);
    q.put(2);
    q.put_nowait(3);
    q.put(4);
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.qsize(), 4u);

    EXPECT_EQ(q.get(), 1);
    EXPECT_EQ(q.qsize(), 3u);
    EXPECT_EQ(q.get_nowait(), 2);
    EXPECT_EQ(q.qsize(), 2u);
    EXPECT_EQ(q.get(false), 3);
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.qsize(), 1u);
    EXPECT_EQ(q.get(100ms), 4);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.qsize(), 0u);

    EXPECT_THROW(q.get(false), queue::Empty);
    EXPECT_THROW(q.get(1ms), queue::Empty);
    EXPECT_THROW(q.get(true, 1ms), queue::Empty);
    EXPECT_THROW(q.get_nowait(), queue::Empty);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.qsize(), 0u);
}

// CPython: test_queue.BaseSimpleQueueTest.test_negative_timeout_raises_exception
TEST(SimpleQueue, NegativeTimeoutRaisesValueError) {
    queue::SimpleQueue<int> q;
    q.put(1);
    EXPECT_THROW(q.get(-1s), concur::ValueError);
    EXPECT_THROW(q.get(true, -1ms), concur::ValueError);
    EXPECT_EQ(q.qsize(), 1u) << "a rejected get must not dequeue";
    EXPECT_EQ(q.get(), 1);
}

// put's block/timeout arguments are accepted and ignored, as in Python: put
// never blocks, never raises Full, never validates the timeout.
TEST(SimpleQueue, PutNeverBlocks) {
    queue::SimpleQueue<int> q;
    const int n = 200000;
    Stopwatch watch;
    for (int i = 0; i < n; i += 4) {
        q.put(i);
        q.put(i + 1, false);
        q.put(i + 2, true, 0s);
        q.put_nowait(i + 3);
    }
    q.put(n, true, -1s);  // ignored, as Python ignores put's timeout
    q.put(n + 1, false, -1s);
    EXPECT_LT(watch.elapsed(), kSlow * 4);
    EXPECT_EQ(q.qsize(), static_cast<std::size_t>(n + 2));
    for (int i = 0; i < n + 2; ++i) ASSERT_EQ(q.get_nowait(), i);
    EXPECT_TRUE(q.empty());
}

TEST(SimpleQueue, GetBlocksUntilAPut) {
    queue::SimpleQueue<std::string> q;
    std::string got;
    Background getter([&] { got = q.get(); });
    ASSERT_TRUE(getter.parked()) << "get on an empty SimpleQueue did not block";
    q.put("hello");
    ASSERT_TRUE(getter.finishes());
    EXPECT_EQ(getter.failure(), "");
    EXPECT_EQ(got, "hello");
}

TEST(SimpleQueue, TimedGetSucceedsWhenAnItemArrives) {
    queue::SimpleQueue<int> q;
    std::atomic<int> got{0};
    Background getter([&] { got = q.get(true, 20s); });
    ASSERT_TRUE(getter.parked());
    Stopwatch watch;
    q.put(5);
    ASSERT_TRUE(getter.finishes());
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_EQ(getter.failure(), "");
    EXPECT_EQ(got.load(), 5);
}

TEST(SimpleQueue, GetTimeoutRaisesEmptyAfterTheTimeout) {
    queue::SimpleQueue<int> q;
    Stopwatch watch;
    EXPECT_THROW(q.get(true, kTimeout), queue::Empty);
    const auto elapsed = watch.elapsed();
    EXPECT_GE(elapsed, kTimeout - kRounding) << ms(elapsed) << " ms";
    EXPECT_LT(elapsed, kSlow) << ms(elapsed) << " ms";
    watch = Stopwatch();
    EXPECT_THROW(q.get(kTimeout), queue::Empty);
    EXPECT_GE(watch.elapsed(), kTimeout - kRounding);
    watch = Stopwatch();
    EXPECT_THROW(q.get(true, 0s), queue::Empty);
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(SimpleQueue, MoveOnlyItems) {
    queue::SimpleQueue<std::unique_ptr<int>> q;
    q.put(std::make_unique<int>(1));
    q.put_nowait(std::make_unique<int>(2));
    q.put(std::make_unique<int>(3), false, 1s);
    EXPECT_EQ(*q.get(), 1);
    EXPECT_EQ(*q.get_nowait(), 2);
    EXPECT_EQ(*q.get(1s), 3);
}

// ---------------------------------------------------------------------------
// CPython's run_threads: feeders pop inputs from a shared list and put them,
// then one sentinel each; consumers collect until they get a sentinel.
// ---------------------------------------------------------------------------

constexpr int kSentinel = -1;

enum class Consume { blocking, nonblocking, timeout };

std::vector<int> run_threads(int n_threads, queue::SimpleQueue<int>& q,
                             const std::vector<int>& inputs, Consume how) {
    std::mutex mutex;
    std::vector<int> seq(inputs.rbegin(), inputs.rend());  // popped from the back
    std::vector<int> results;
    auto feed = [&](unsigned seed) {
        std::minstd_rand rnd(seed);
        for (;;) {
            int value;
            {
                std::lock_guard lock(mutex);
                if (seq.empty()) break;
                value = seq.back();
                seq.pop_back();
            }
            q.put(value);
            if (rnd() % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rnd() % 50));
        }
        q.put(kSentinel);
    };
    auto consume = [&] {
        for (;;) {
            int value = 0;
            switch (how) {
                case Consume::blocking:
                    value = q.get();
                    break;
                case Consume::nonblocking:
                    for (;;) {
                        try {
                            value = q.get(false);
                            break;
                        } catch (const queue::Empty&) {
                            std::this_thread::sleep_for(std::chrono::microseconds(10));
                        }
                    }
                    break;
                case Consume::timeout:
                    for (;;) {
                        try {
                            value = q.get(std::chrono::microseconds(10));
                            break;
                        } catch (const queue::Empty&) {
                        }
                    }
                    break;
            }
            if (value == kSentinel) return;
            std::lock_guard lock(mutex);
            results.push_back(value);
        }
    };
    std::vector<std::unique_ptr<Background>> threads;
    for (int i = 0; i < n_threads; ++i)
        threads.push_back(std::make_unique<Background>([&, i] { feed(42u + i); }));
    for (int i = 0; i < n_threads; ++i) threads.push_back(std::make_unique<Background>(consume));
    for (auto& t : threads) {
        if (!t->finishes()) {
            // A stuck consumer: release everyone so the test can fail.
            for (int i = 0; i < 2 * n_threads; ++i) q.put(kSentinel);
        }
        EXPECT_EQ(t->failure(), "");
    }
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.qsize(), 0u);
    return results;
}

std::vector<int> range(int n) {
    std::vector<int> v(n);
    for (int i = 0; i < n; ++i) v[i] = i;
    return v;
}

// CPython: test_queue.BaseSimpleQueueTest.test_order
TEST(SimpleQueue, OneFeederOneConsumerKeepOrder) {
    queue::SimpleQueue<int> q;
    const std::vector<int> inputs = range(100);
    EXPECT_EQ(run_threads(1, q, inputs, Consume::blocking), inputs);
}

// CPython: test_queue.BaseSimpleQueueTest.test_many_threads
TEST(SimpleQueue, ManyThreads) {
    queue::SimpleQueue<int> q;
    const std::vector<int> inputs = range(scaled(10000));
    std::vector<int> results = run_threads(8, q, inputs, Consume::blocking);
    std::sort(results.begin(), results.end());
    EXPECT_EQ(results, inputs);
}

// CPython: test_queue.BaseSimpleQueueTest.test_many_threads_nonblock
TEST(SimpleQueue, ManyThreadsNonblock) {
    queue::SimpleQueue<int> q;
    const std::vector<int> inputs = range(scaled(10000));
    std::vector<int> results = run_threads(8, q, inputs, Consume::nonblocking);
    std::sort(results.begin(), results.end());
    EXPECT_EQ(results, inputs);
}

// CPython: test_queue.BaseSimpleQueueTest.test_many_threads_timeout
TEST(SimpleQueue, ManyThreadsTimeout) {
    queue::SimpleQueue<int> q;
    const std::vector<int> inputs = range(scaled(1000));
    std::vector<int> results = run_threads(8, q, inputs, Consume::timeout);
    std::sort(results.begin(), results.end());
    EXPECT_EQ(results, inputs);
}

// CPython: test_queue.BaseSimpleQueueTest.test_references (an item is
// released as soon as it leaves the queue).
TEST(SimpleQueue, ReleasesItemsWhenGotten) {
    queue::SimpleQueue<std::shared_ptr<int>> q;
    std::vector<std::weak_ptr<int>> refs;
    for (int i = 0; i < 20; ++i) {
        auto p = std::make_shared<int>(i);
        refs.push_back(p);
        q.put(std::move(p));
    }
    for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(refs[i].expired());
        q.get();  // the result is a temporary, destroyed here
        EXPECT_TRUE(refs[i].expired()) << "the queue kept a reference to item " << i;
    }
}

}  // namespace
}  // namespace concur_queue_test
