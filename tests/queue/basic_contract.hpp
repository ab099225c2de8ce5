// The behaviours every bounded queue class shares (CPython's
// BaseQueueTestMixin, minus task tracking and shutdown which have their own
// files), as a type-parameterised suite `Basics`. queue_test.cpp,
// lifo_queue_test.cpp and priority_queue_test.cpp instantiate it for their
// flavors (see queue_test_support.hpp); the get order is the flavor's
// F::order(put order).
#pragma once

#include <algorithm>
#include <atomic>
#include <vector>

#include "queue_test_support.hpp"

namespace concur_queue_test {

inline constexpr int kQueueSize = 5;  // CPython's QUEUE_SIZE

template <class F>
class Basics : public ::testing::Test {};
TYPED_TEST_SUITE_P(Basics);

// CPython: test_queue.BaseQueueTestMixin.test_basic (basic_queue_test, run
// twice on the same queue)
TYPED_TEST_P(Basics, BasicQueueTest) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        ASSERT_EQ(q->qsize(), 0u);
        EXPECT_TRUE(q->empty());
        EXPECT_FALSE(q->full());
        q->put(F::item(111));
        q->put(F::item(333));
        q->put(F::item(222));
        std::vector<int> actual;
        for (int i = 0; i < 3; ++i) actual.push_back(F::value(q->get()));
        EXPECT_EQ(actual, F::order({111, 333, 222})) << "Didn't seem to queue the correct data!";
        for (int i = 0; i < kQueueSize - 1; ++i) {
            q->put(F::item(i));
            EXPECT_GT(q->qsize(), 0u) << "Queue should not be empty";
        }
        EXPECT_FALSE(q->full()) << "Queue should not be full";
        const int last = 2 * kQueueSize;
        const int full = 3 * 2 * kQueueSize;
        q->put(F::item(last));
        EXPECT_EQ(q->qsize(), static_cast<std::size_t>(kQueueSize)) << "Queue should be full";
        EXPECT_FALSE(q->empty());
        EXPECT_TRUE(q->full());
        EXPECT_THROW(q->put(F::item(full), false), queue::Full)
            << "Didn't appear to block with a full queue";
        EXPECT_THROW(q->put(F::item(full), true, 10ms), queue::Full)
            << "Didn't appear to time-out with a full queue";
        // A blocking put, unblocked by a get in another thread.
        do_blocking_test([&] { q->put(F::item(full)); }, [&] { q->get(); });
        do_blocking_test([&] { q->put(F::item(full), true, 10s); }, [&] { q->get(); });
        // Empty it.
        for (int i = 0; i < kQueueSize; ++i) q->get();
        EXPECT_EQ(q->qsize(), 0u) << "Queue should be empty";
        EXPECT_THROW(q->get(false), queue::Empty) << "Didn't appear to block with an empty queue";
        EXPECT_THROW(q->get(true, 10ms), queue::Empty)
            << "Didn't appear to time-out with an empty queue";
        // A blocking get, unblocked by a put in another thread.
        int got = 0;
        do_blocking_test([&] { got = F::value(q->get()); }, [&] { q->put(F::item(7)); });
        EXPECT_EQ(got, 7);
        do_blocking_test([&] { got = F::value(q->get(true, 10s)); }, [&] { q->put(F::item(8)); });
        EXPECT_EQ(got, 8);
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_nowait
TYPED_TEST_P(Basics, NowaitRaisesFullAndEmpty) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    for (int i = 0; i < kQueueSize; ++i) q->put_nowait(F::item(1));
    EXPECT_THROW(q->put_nowait(F::item(1)), queue::Full);
    EXPECT_EQ(q->qsize(), static_cast<std::size_t>(kQueueSize));
    for (int i = 0; i < kQueueSize; ++i) EXPECT_EQ(F::value(q->get_nowait()), 1);
    EXPECT_THROW(q->get_nowait(), queue::Empty);
    EXPECT_EQ(q->qsize(), 0u);
}

TYPED_TEST_P(Basics, NonBlockingPutAndGetRaiseFullAndEmpty) {
    using F = TypeParam;
    auto q = F::make(2);
    EXPECT_THROW(q->get(false), queue::Empty);
    EXPECT_THROW(q->get(false, 1s), queue::Empty);  // block=false ignores the timeout
    q->put(F::item(1), false);
    q->put(F::item(2), false, 1s);
    EXPECT_THROW(q->put(F::item(3), false), queue::Full);
    EXPECT_THROW(q->put(F::item(3), false, 1s), queue::Full);
    EXPECT_EQ(F::value(q->get(false)), F::order({1, 2})[0]);
    EXPECT_EQ(F::value(q->get(false, 1s)), F::order({1, 2})[1]);
}

TYPED_TEST_P(Basics, QsizeEmptyFullTrackEveryPutAndGet) {
    using F = TypeParam;
    auto q = F::make(3);
    EXPECT_EQ(q->maxsize(), 3);
    for (int round = 0; round < 3; ++round) {
        for (std::size_t n = 0; n < 3; ++n) {
            EXPECT_EQ(q->qsize(), n);
            EXPECT_EQ(q->empty(), n == 0);
            EXPECT_FALSE(q->full());
            q->put(F::item(static_cast<int>(n)));
        }
        EXPECT_EQ(q->qsize(), 3u);
        EXPECT_TRUE(q->full());
        EXPECT_FALSE(q->empty());
        for (std::size_t n = 3; n > 0; --n) {
            EXPECT_EQ(q->qsize(), n);
            q->get();
            EXPECT_FALSE(q->full());
        }
        EXPECT_TRUE(q->empty());
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_negative_timeout_raises_exception
// (a blocking put on a bounded queue, a blocking get)
TYPED_TEST_P(Basics, NegativeTimeoutRaisesValueError) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    EXPECT_THROW(q->put(F::item(1), true, -1s), concur::ValueError);
    EXPECT_THROW(q->put(F::item(1), -1ms), concur::ValueError);
    EXPECT_EQ(q->qsize(), 0u) << "a rejected put must not enqueue";
    q->put(F::item(5));
    EXPECT_THROW(q->get(true, -1s), concur::ValueError);
    EXPECT_THROW(q->get(-1ms), concur::ValueError);
    EXPECT_EQ(q->qsize(), 1u) << "a rejected get must not dequeue";
    EXPECT_EQ(F::value(q->get()), 5);
}

// Python only checks the timeout when it would wait with it: with
// block=false a negative timeout is ignored.
TYPED_TEST_P(Basics, NonBlockingCallsIgnoreANegativeTimeout) {
    using F = TypeParam;
    auto q = F::make(1);
    EXPECT_THROW(q->get(false, -1s), queue::Empty);
    q->put(F::item(1), false, -1s);
    EXPECT_THROW(q->put(F::item(2), false, -1s), queue::Full);
    EXPECT_EQ(F::value(q->get(false, -1s)), 1);
}

// An rvalue item is moved from only if the put succeeds: after Full or
// ShutDown the caller still has it.
TYPED_TEST_P(Basics, FailedPutLeavesTheArgumentIntact) {
    using F = TypeParam;
    auto q = F::make(1);
    q->put(F::item(1));
    typename F::Item item = F::item(5);
    EXPECT_THROW(q->put_nowait(std::move(item)), queue::Full);
    EXPECT_EQ(F::value(item), 5);
    EXPECT_THROW(q->put(std::move(item), false), queue::Full);
    EXPECT_EQ(F::value(item), 5);
    EXPECT_THROW(q->put(std::move(item), true, 10ms), queue::Full);
    EXPECT_EQ(F::value(item), 5);
    q->shutdown();
    EXPECT_THROW(q->put(std::move(item)), queue::ShutDown);
    EXPECT_EQ(F::value(item), 5);
    EXPECT_EQ(F::value(q->get()), 1);
}

TYPED_TEST_P(Basics, PutTimeoutRaisesFullAfterTheTimeout) {
    using F = TypeParam;
    auto q = F::make(1);
    q->put(F::item(1));
    Stopwatch watch;
    EXPECT_THROW(q->put(F::item(2), true, kTimeout), queue::Full);
    const auto elapsed = watch.elapsed();
    EXPECT_GE(elapsed, kTimeout - kRounding) << ms(elapsed) << " ms";
    EXPECT_LT(elapsed, kSlow) << ms(elapsed) << " ms";
    // The timeout-only overload.
    watch = Stopwatch();
    EXPECT_THROW(q->put(F::item(2), kTimeout), queue::Full);
    EXPECT_GE(watch.elapsed(), kTimeout - kRounding);
    EXPECT_EQ(q->qsize(), 1u);
    EXPECT_EQ(F::value(q->get()), 1);
}

TYPED_TEST_P(Basics, GetTimeoutRaisesEmptyAfterTheTimeout) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    Stopwatch watch;
    EXPECT_THROW(q->get(true, kTimeout), queue::Empty);
    const auto elapsed = watch.elapsed();
    EXPECT_GE(elapsed, kTimeout - kRounding) << ms(elapsed) << " ms";
    EXPECT_LT(elapsed, kSlow) << ms(elapsed) << " ms";
    // The timeout-only overload, and a fractional-seconds duration.
    watch = Stopwatch();
    EXPECT_THROW(q->get(std::chrono::duration<double>(0.05)), queue::Empty);
    EXPECT_GE(watch.elapsed(), 50ms - kRounding);
    EXPECT_EQ(q->qsize(), 0u);
}

TYPED_TEST_P(Basics, ZeroTimeoutFailsWithoutWaiting) {
    using F = TypeParam;
    auto q = F::make(1);
    Stopwatch watch;
    EXPECT_THROW(q->get(true, 0s), queue::Empty);
    q->put(F::item(1));
    EXPECT_THROW(q->put(F::item(2), true, 0s), queue::Full);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_EQ(F::value(q->get(true, 0s)), 1);
    q->put(F::item(3), true, 0s);
    EXPECT_EQ(F::value(q->get()), 3);
}

TYPED_TEST_P(Basics, PutBlocksWhileFullUntilAGet) {
    using F = TypeParam;
    auto q = F::make(2);
    q->put(F::item(1));
    q->put(F::item(2));
    Background putter([&] { q->put(F::item(3)); });
    ASSERT_TRUE(putter.parked()) << "put on a full queue did not block";
    EXPECT_EQ(q->qsize(), 2u);
    const int first = F::value(q->get());
    ASSERT_TRUE(settles(putter, *q)) << "a get did not wake the blocked putter";
    EXPECT_EQ(putter.failure(), "");
    const int other = first == 1 ? 2 : 1;
    EXPECT_EQ(first, F::order({1, 2})[0]);
    // The blocked item went in after the first get, so it follows `other`.
    EXPECT_EQ(drain_values<F>(*q), F::order({other, 3}));
}

TYPED_TEST_P(Basics, GetBlocksWhileEmptyUntilAPut) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    std::atomic<int> got{0};
    Background getter([&] { got = F::value(q->get()); });
    ASSERT_TRUE(getter.parked()) << "get on an empty queue did not block";
    q->put(F::item(42));
    ASSERT_TRUE(settles(getter, *q)) << "a put did not wake the blocked getter";
    EXPECT_EQ(getter.failure(), "");
    EXPECT_EQ(got.load(), 42);
    EXPECT_TRUE(q->empty());
}

TYPED_TEST_P(Basics, TimedPutSucceedsWhenRoomAppears) {
    using F = TypeParam;
    auto q = F::make(1);
    q->put(F::item(1));
    Background putter([&] { q->put(F::item(2), true, 20s); });
    ASSERT_TRUE(putter.parked());
    Stopwatch watch;
    EXPECT_EQ(F::value(q->get()), 1);
    ASSERT_TRUE(settles(putter, *q));
    EXPECT_LT(watch.elapsed(), kSlow) << "the putter waited for its timeout";
    EXPECT_EQ(putter.failure(), "");
    EXPECT_EQ(F::value(q->get_nowait()), 2);
}

TYPED_TEST_P(Basics, TimedGetSucceedsWhenAnItemArrives) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    std::atomic<int> got{0};
    Background getter([&] { got = F::value(q->get(true, 20s)); });
    ASSERT_TRUE(getter.parked());
    Stopwatch watch;
    q->put(F::item(9));
    ASSERT_TRUE(settles(getter, *q));
    EXPECT_LT(watch.elapsed(), kSlow) << "the getter waited for its timeout";
    EXPECT_EQ(getter.failure(), "");
    EXPECT_EQ(got.load(), 9);
}

TYPED_TEST_P(Basics, EveryBlockedGetterGetsOneItem) {
    using F = TypeParam;
    auto q = F::make(kQueueSize);
    constexpr int kGetters = 3;
    std::atomic<int> got[kGetters] = {};
    std::vector<std::unique_ptr<Background>> getters;
    for (int i = 0; i < kGetters; ++i)
        getters.push_back(std::make_unique<Background>([&, i] { got[i] = F::value(q->get()); }));
    for (auto& g : getters) ASSERT_TRUE(g->parked());
    for (int i = 1; i <= kGetters; ++i) q->put(F::item(i * 10));
    std::vector<int> values;
    for (int i = 0; i < kGetters; ++i) {
        ASSERT_TRUE(settles(*getters[i], *q)) << "getter " << i << " was never woken";
        EXPECT_EQ(getters[i]->failure(), "");
        values.push_back(got[i]);
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(values, (std::vector<int>{10, 20, 30}));
    EXPECT_TRUE(q->empty());
}

TYPED_TEST_P(Basics, EveryBlockedPutterGetsIn) {
    using F = TypeParam;
    auto q = F::make(2);
    q->put(F::item(1));
    q->put(F::item(2));
    std::vector<std::unique_ptr<Background>> putters;
    for (int i = 3; i <= 5; ++i)
        putters.push_back(std::make_unique<Background>([&, i] { q->put(F::item(i)); }));
    for (auto& p : putters) ASSERT_TRUE(p->parked());
    std::vector<int> values;
    while (values.size() < 5) values.push_back(F::value(q->get(true, kPatience)));
    for (auto& p : putters) {
        ASSERT_TRUE(settles(*p, *q));
        EXPECT_EQ(p->failure(), "");
    }
    std::sort(values.begin(), values.end());
    EXPECT_EQ(values, (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_TRUE(q->empty());
}

// Interleaved puts and gets against a model of the expected order: at every
// step the queue's next item is F::order(contents)[0].
TYPED_TEST_P(Basics, InterleavedPutsAndGetsFollowTheOrder) {
    using F = TypeParam;
    for (std::ptrdiff_t maxsize : {2, 3, 7, 64}) {
        SCOPED_TRACE(maxsize);
        auto q = F::make(maxsize);
        std::vector<int> model;  // in put order
        unsigned seed = 12345;
        int next = 0;
        for (int step = 0; step < 2000; ++step) {
            seed = seed * 1103515245u + 12345u;
            const bool put = (seed >> 16) % 3 != 0;  // puts twice as likely as gets
            if (put && model.size() < static_cast<std::size_t>(maxsize)) {
                const int v = static_cast<int>((seed >> 8) % 1000) * 10000 + next++;  // unique
                q->put_nowait(F::item(v));
                model.push_back(v);
            } else if (!model.empty()) {
                const int expected = F::order(model)[0];
                ASSERT_EQ(F::value(q->get_nowait()), expected) << "step " << step;
                model.erase(std::find(model.begin(), model.end(), expected));
            } else {
                ASSERT_THROW(q->get_nowait(), queue::Empty);
            }
            ASSERT_EQ(q->qsize(), model.size());
            ASSERT_EQ(q->full(), model.size() == static_cast<std::size_t>(maxsize));
        }
    }
}

REGISTER_TYPED_TEST_SUITE_P(Basics, BasicQueueTest, NowaitRaisesFullAndEmpty,
                            NonBlockingPutAndGetRaiseFullAndEmpty,
                            QsizeEmptyFullTrackEveryPutAndGet, NegativeTimeoutRaisesValueError,
                            NonBlockingCallsIgnoreANegativeTimeout,
                            FailedPutLeavesTheArgumentIntact, PutTimeoutRaisesFullAfterTheTimeout,
                            GetTimeoutRaisesEmptyAfterTheTimeout, ZeroTimeoutFailsWithoutWaiting,
                            PutBlocksWhileFullUntilAGet, GetBlocksWhileEmptyUntilAPut,
                            TimedPutSucceedsWhenRoomAppears, TimedGetSucceedsWhenAnItemArrives,
                            EveryBlockedGetterGetsOneItem, EveryBlockedPutterGetsIn,
                            InterleavedPutsAndGetsFollowTheOrder);

}  // namespace concur_queue_test
