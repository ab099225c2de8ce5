// queue::Queue<T>: FIFO order, sizes, blocking, timeouts and item types, on
// both implementations: the lock-free ring (bounded, nothrow-movable T) and
// Python's locked algorithm (unbounded, or T whose move may throw).
// Task tracking, shutdown and exception safety have their own files.
#include <atomic>
#include <deque>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "basic_contract.hpp"
#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

using QueueFlavors = ::testing::Types<RingFlavor, LockedFlavor>;
INSTANTIATE_TYPED_TEST_SUITE_P(Queue, Basics, QueueFlavors, FlavorName);

// ---------------------------------------------------------------------------
// FIFO behaviours on both paths
// ---------------------------------------------------------------------------

template <class F>
class Queue : public ::testing::Test {};
TYPED_TEST_SUITE(Queue, QueueFlavors, FlavorName);

TYPED_TEST(Queue, FirstInFirstOut) {
    using F = TypeParam;
    auto q = F::make(1000);
    for (int i = 0; i < 1000; ++i) q->put(F::item(i));
    EXPECT_TRUE(q->full());
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(F::value(q->get()), i);
    EXPECT_TRUE(q->empty());
}

TYPED_TEST(Queue, MaxsizeIsReported) {
    using F = TypeParam;
    EXPECT_EQ(F::make(1)->maxsize(), 1);
    EXPECT_EQ(F::make(3)->maxsize(), 3);
    EXPECT_EQ(F::make(1024)->maxsize(), 1024);
    EXPECT_EQ(F::make(65536)->maxsize(), 65536);
    EXPECT_EQ(F::make(65537)->maxsize(), 65537);
}

// Many laps around every kind of capacity (1, powers of two, others),
// checked against a std::deque at each step.
TYPED_TEST(Queue, WrapsAroundAnyCapacity) {
    using F = TypeParam;
    for (std::ptrdiff_t maxsize : {1, 2, 3, 5, 7, 8, 13, 1000, 1024}) {
        SCOPED_TRACE(maxsize);
        auto q = F::make(maxsize);
        std::deque<int> model;
        int next = 0;
        const int laps = 12;
        for (int lap = 0; lap < laps; ++lap) {
            // Fill to full, then take a varying number out.
            while (model.size() < static_cast<std::size_t>(maxsize)) {
                ASSERT_FALSE(q->full());
                q->put_nowait(F::item(next));
                model.push_back(next++);
            }
            ASSERT_TRUE(q->full());
            ASSERT_THROW(q->put_nowait(F::item(-1)), queue::Full);
            ASSERT_EQ(q->qsize(), model.size());
            const std::size_t take = lap % 3 == 2 ? model.size() : model.size() / 2 + 1;
            for (std::size_t i = 0; i < take; ++i) {
                ASSERT_EQ(F::value(q->get_nowait()), model.front());
                model.pop_front();
            }
            ASSERT_EQ(q->qsize(), model.size());
        }
        while (!model.empty()) {
            ASSERT_EQ(F::value(q->get_nowait()), model.front());
            model.pop_front();
        }
        ASSERT_THROW(q->get_nowait(), queue::Empty);
        ASSERT_TRUE(q->empty());
    }
}

// The largest ring (65536) and the first size past it (locked for every T).
TYPED_TEST(Queue, LargestRingAndBeyond) {
    using F = TypeParam;
    for (std::ptrdiff_t maxsize : {65536, 65537}) {
        SCOPED_TRACE(maxsize);
        auto q = F::make(maxsize);
        for (int i = 0; i < maxsize; ++i) q->put_nowait(F::item(i));
        EXPECT_TRUE(q->full());
        EXPECT_EQ(q->qsize(), static_cast<std::size_t>(maxsize));
        EXPECT_THROW(q->put_nowait(F::item(-1)), queue::Full);
        for (int i = 0; i < maxsize; ++i) ASSERT_EQ(F::value(q->get_nowait()), i);
        EXPECT_THROW(q->get_nowait(), queue::Empty);
    }
}

// CPython: test_queue.BaseSimpleQueueTest.test_order (one producer, one
// consumer: the consumer sees the producer's order), here through small
// bounded queues so that both sides block often.
TYPED_TEST(Queue, OneProducerOneConsumerKeepOrder) {
    using F = TypeParam;
    const int n = scaled(10000);
    for (std::ptrdiff_t maxsize : {1, 2, 3, 100}) {
        SCOPED_TRACE(maxsize);
        auto q = F::make(maxsize);
        Background producer([&] {
            for (int i = 0; i < n; ++i) q->put(F::item(i));
        });
        int expected = 0;
        for (; expected < n; ++expected) {
            const int v = F::value(q->get(true, kPatience));
            if (v != expected) break;
        }
        EXPECT_EQ(expected, n) << "items came out of order";
        ASSERT_TRUE(settles(producer, *q));
        EXPECT_EQ(producer.failure(), "");
        EXPECT_TRUE(q->empty());
    }
}

// Blocking puts and gets with a huge timeout (Python accepts timeout=1e100):
// the deadline saturates instead of overflowing.
TYPED_TEST(Queue, HugeTimeoutsAreAccepted) {
    using F = TypeParam;
    auto q = F::make(1);
    q->put(F::item(1), true, std::chrono::hours(24 * 365 * 1000));
    EXPECT_EQ(F::value(q->get(true, std::chrono::duration<double>(1e100))), 1);
    std::atomic<int> got{0};
    Background getter([&] { got = F::value(q->get(std::chrono::duration<double>(1e100))); });
    ASSERT_TRUE(getter.parked()) << "a get with a huge timeout did not wait";
    q->put(F::item(2), std::chrono::seconds::max());
    ASSERT_TRUE(settles(getter, *q));
    EXPECT_EQ(getter.failure(), "");
    EXPECT_EQ(got.load(), 2);
}

// ---------------------------------------------------------------------------
// Specific queues and item types
// ---------------------------------------------------------------------------

// maxsize <= 0 means unbounded (Python's default); unbounded Queue<int> is
// the locked implementation.
TEST(Queue, UnboundedNeverBlocksOrFills) {
    for (std::ptrdiff_t maxsize : {0, -1, -100}) {
        SCOPED_TRACE(maxsize);
        queue::Queue<int> q(maxsize);
        EXPECT_EQ(q.maxsize(), maxsize);
        const int n = 100000;
        for (int i = 0; i < n; ++i) q.put_nowait(i);
        q.put(n, false);
        q.put(n + 1, true, 0s);
        EXPECT_FALSE(q.full());
        EXPECT_EQ(q.qsize(), static_cast<std::size_t>(n + 2));
        for (int i = 0; i < n + 2; ++i) ASSERT_EQ(q.get_nowait(), i);
        EXPECT_THROW(q.get_nowait(), queue::Empty);
    }
    // Python checks put's timeout only on a bounded queue.
    queue::Queue<int> unbounded;
    unbounded.put(1, -1s);
    unbounded.put(2, true, -1s);
    EXPECT_EQ(unbounded.qsize(), 2u);
    EXPECT_THROW(unbounded.get(-1s), concur::ValueError);
    queue::Queue<int> dflt;
    EXPECT_EQ(dflt.maxsize(), 0);
    EXPECT_TRUE(dflt.empty());
    EXPECT_FALSE(dflt.full());
}

// Queue(1): one item at a time, on the default implementation of int.
TEST(Queue, MaxsizeOneHoldsExactlyOneItem) {
    queue::Queue<int> q(1);
    for (int round = 0; round < 5; ++round) {
        q.put_nowait(round);
        EXPECT_TRUE(q.full());
        EXPECT_EQ(q.qsize(), 1u);
        EXPECT_THROW(q.put_nowait(99), queue::Full);
        EXPECT_THROW(q.put(99, true, 10ms), queue::Full);
        EXPECT_EQ(q.qsize(), 1u);
        EXPECT_EQ(q.get_nowait(), round);
        EXPECT_TRUE(q.empty());
        EXPECT_THROW(q.get_nowait(), queue::Empty);
    }
}

// Move-only items through the ring (bounded) and the locked path (unbounded).
TEST(Queue, MoveOnlyItemsOnBothPaths) {
    for (std::ptrdiff_t maxsize : {4, 0}) {
        SCOPED_TRACE(maxsize);
        queue::Queue<std::unique_ptr<int>> q(maxsize);
        q.put(std::make_unique<int>(1));
        q.put_nowait(std::make_unique<int>(2));
        q.put(std::make_unique<int>(3), true, 1s);
        q.put(std::make_unique<int>(4), 1s);
        std::unique_ptr<int> a = q.get();
        std::unique_ptr<int> b = q.get_nowait();
        std::unique_ptr<int> c = q.get(true, 1s);
        std::unique_ptr<int> d = q.get(1s);
        ASSERT_TRUE(a && b && c && d);
        EXPECT_EQ(*a, 1);
        EXPECT_EQ(*b, 2);
        EXPECT_EQ(*c, 3);
        EXPECT_EQ(*d, 4);
        // Hand-off between threads, blocking on both sides.
        const int n = scaled(2000);
        Background producer([&] {
            for (int i = 0; i < n; ++i) q.put(std::make_unique<int>(i));
        });
        long long sum = 0;
        int i = 0;
        for (; i < n; ++i) {
            std::unique_ptr<int> p = q.get(true, kPatience);
            if (!p || *p != i) break;
            sum += *p;
        }
        EXPECT_EQ(i, n) << "lost or reordered item";
        ASSERT_TRUE(settles(producer, q));
        EXPECT_EQ(producer.failure(), "");
        EXPECT_EQ(sum, static_cast<long long>(n) * (n - 1) / 2);
    }
}

// A move-only rvalue is moved from only by a put that succeeds.
TEST(Queue, FailedMoveOnlyPutKeepsTheItem) {
    for (std::ptrdiff_t maxsize : {2, 1}) {  // the ring, and the locked Queue(1)
        SCOPED_TRACE(maxsize);
        queue::Queue<std::unique_ptr<int>> q(maxsize);
        while (!q.full()) q.put(std::make_unique<int>(0));
        auto p = std::make_unique<int>(7);
        EXPECT_THROW(q.put_nowait(std::move(p)), queue::Full);
        ASSERT_TRUE(p);
        EXPECT_THROW(q.put(std::move(p), true, 10ms), queue::Full);
        ASSERT_TRUE(p);
        q.shutdown();
        EXPECT_THROW(q.put(std::move(p)), queue::ShutDown);
        ASSERT_TRUE(p);
        EXPECT_EQ(*p, 7);
    }
}

// Items owning heap memory on the ring: ASan checks moves and destruction.
TEST(Queue, StringsOnTheRing) {
    queue::Queue<std::string> q(3);
    const std::string long_text(200, 'x');
    for (int lap = 0; lap < 10; ++lap) {
        q.put(long_text + std::to_string(lap));
        q.put(std::to_string(lap));
        EXPECT_EQ(q.get(), long_text + std::to_string(lap));
        EXPECT_EQ(q.get(), std::to_string(lap));
    }
    q.put(long_text);  // left in the queue: freed by its destructor
}

// Counts live instances; nothrow-movable so a bounded Queue of it is a ring.
struct Counted {
    static std::atomic<int>& live() {
        static std::atomic<int> n{0};
        return n;
    }
    int value;
    explicit Counted(int v) noexcept : value(v) { ++live(); }
    Counted(Counted&& other) noexcept : value(other.value) { ++live(); }
    Counted(const Counted& other) noexcept : value(other.value) { ++live(); }
    Counted& operator=(const Counted&) = default;
    ~Counted() { --live(); }
};

TEST(Queue, DestroysTheItemsItHolds) {
    for (std::ptrdiff_t maxsize : {8, 7, 0}) {
        SCOPED_TRACE(maxsize);
        ASSERT_EQ(Counted::live().load(), 0);
        {
            queue::Queue<Counted> q(maxsize);
            for (int i = 0; i < 5; ++i) q.put(Counted(i));
            EXPECT_EQ(Counted::live().load(), 5);
            {
                Counted c = q.get();
                EXPECT_EQ(c.value, 0);
                EXPECT_EQ(Counted::live().load(), 5);
            }
            EXPECT_EQ(Counted::live().load(), 4);
            q.shutdown(true);  // discarded items are destroyed at once
            EXPECT_EQ(Counted::live().load(), 0);
            for (int i = 0; i < 3; ++i) {
                EXPECT_THROW(q.put(Counted(i)), queue::ShutDown);
            }
            EXPECT_EQ(Counted::live().load(), 0);
        }
        {
            queue::Queue<Counted> q(maxsize);
            for (int i = 0; i < 5; ++i) q.put(Counted(i));
            q.get();
        }  // the queue's destructor destroys the four left
        EXPECT_EQ(Counted::live().load(), 0);
    }
}

// A type without a default constructor, over-aligned: the ring constructs
// elements in raw storage.
struct alignas(64) Wide {
    explicit Wide(long long v) noexcept : value(v) {}
    long long value;
    char pad[100] = {};
};

TEST(Queue, OverAlignedItemsWithoutDefaultConstructor) {
    for (std::ptrdiff_t maxsize : {3, 0}) {
        queue::Queue<Wide> q(maxsize);
        for (int lap = 0; lap < 5; ++lap) {
            q.put(Wide(lap));
            q.put(Wide(lap + 100));
            Wide a = q.get();
            Wide b = q.get();
            EXPECT_EQ(a.value, lap);
            EXPECT_EQ(b.value, lap + 100);
        }
    }
}

}  // namespace
}  // namespace concur_queue_test
