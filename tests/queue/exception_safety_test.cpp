// Exception safety: an item whose copy or move throws (Fragile, on demand)
// must leave the queue as it was, on put and on get, blocking or not
// (CPython's FailingQueueTest injects the same failures into _put/_get).
// Queue<T> with such a T uses its locked implementation; the ring only holds
// nothrow-movable T, where a throwing copy happens before the queue is
// touched. (A throwing Compare is a precondition violation, see
// priority_queue.hpp, so it is not tested.)
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

// A move-only item (owns heap memory) whose move may throw: containers can't
// fall back on copies to keep their own strong guarantees.
struct MoveOnlyFragile {
    Fragile key;  // moved first: if it throws, nothing was taken from the source
    std::unique_ptr<int> owned;

    explicit MoveOnlyFragile(int v) : key(v), owned(std::make_unique<int>(v)) {}
    MoveOnlyFragile(MoveOnlyFragile&&) = default;
    MoveOnlyFragile& operator=(MoveOnlyFragile&&) = default;
    // The value, or a marker if the item is damaged (moved-from, mismatched).
    int value() const {
        if (!owned || *owned != key.value) return Fragile::kMovedFrom;
        return key.value;
    }
    friend bool operator<(const MoveOnlyFragile& a, const MoveOnlyFragile& b) {
        return a.key.value < b.key.value;
    }
};
static_assert(!std::is_nothrow_move_constructible_v<MoveOnlyFragile>);
static_assert(!std::is_copy_constructible_v<MoveOnlyFragile>);

template <class Base, class Q_>
struct MoveOnlyFlavor : Base {
    using Item = MoveOnlyFragile;
    using Q = Q_;
    static std::unique_ptr<Q> make(std::ptrdiff_t maxsize) { return make_queue<Q>(maxsize); }
    static std::unique_ptr<Q> make_roomy() { return make(0); }
    static Item item(int v) { return MoveOnlyFragile(v); }
    static int value(const Item& item) { return item.value(); }
};
struct MoveOnlyQueueFlavor : MoveOnlyFlavor<LockedFlavor, queue::Queue<MoveOnlyFragile>> {
    static constexpr const char* kName = "MoveOnlyQueue";
};
struct MoveOnlyLifoFlavor : MoveOnlyFlavor<LifoFlavor, queue::LifoQueue<MoveOnlyFragile>> {
    static constexpr const char* kName = "MoveOnlyLifo";
};
struct MoveOnlyPriorityFlavor
    : MoveOnlyFlavor<PriorityFlavor, queue::PriorityQueue<MoveOnlyFragile>> {
    static constexpr const char* kName = "MoveOnlyPriority";
};

template <class F>
class QueueExceptionSafety : public ::testing::Test {};
using FragileFlavors =
    ::testing::Types<LockedFlavor, LifoFragileFlavor, PriorityFragileFlavor, MoveOnlyQueueFlavor,
                     MoveOnlyLifoFlavor, MoveOnlyPriorityFlavor>;
TYPED_TEST_SUITE(QueueExceptionSafety, FragileFlavors, FlavorName);

const std::vector<int> kInitial = {3, 1, 4, 2};  // 4 items: a 5th reallocates a vector

template <class F>
std::unique_ptr<typename F::Q> filled(std::ptrdiff_t maxsize) {
    auto q = F::make(maxsize);
    for (int v : kInitial) q->put(F::item(v));
    return q;
}

// Fails the k-th copy/move of a put, for every k the put performs: each
// failure leaves the queue with its items, its order and its task count.
TYPED_TEST(QueueExceptionSafety, ThrowingPutLeavesQueueUnchanged) {
    using F = TypeParam;
    for (std::ptrdiff_t maxsize : {5, 0}) {
        SCOPED_TRACE(maxsize);
        for (int k = 1;; ++k) {
            SCOPED_TRACE(k);
            ASSERT_LT(k, 50) << "put never stopped copying";
            auto q = filled<F>(maxsize);
            FragileGuard guard;
            typename F::Item item = F::item(42);
            Fragile::fail_at(k);
            bool threw = false;
            try {
                q->put(std::move(item));
            } catch (const FragileError&) {
                threw = true;
            }
            Fragile::disarm();
            if (!threw) {
                ASSERT_GT(k, 1) << "put neither moved nor threw";
                std::vector<int> all = kInitial;
                all.push_back(42);
                EXPECT_EQ(drain_values<F>(*q), F::order(all));
                break;
            }
            EXPECT_EQ(q->qsize(), kInitial.size());
            EXPECT_EQ(F::value(item), 42) << "a failed put damaged its argument";
            // The failed put is not an unfinished task.
            for (std::size_t i = 0; i < kInitial.size(); ++i) q->task_done();
            EXPECT_THROW(q->task_done(), concur::ValueError);
            EXPECT_EQ(drain_values<F>(*q), F::order(kInitial));
            // And the queue still works.
            q->put(F::item(5));
            EXPECT_EQ(F::value(q->get()), 5);
        }
    }
}

// Fails the k-th copy/move of a get (in each form of get): the item stays.
TYPED_TEST(QueueExceptionSafety, ThrowingGetLeavesTheItemInTheQueue) {
    using F = TypeParam;
    const std::vector<int> order = F::order(kInitial);
    for (int form = 0; form < 4; ++form) {
        SCOPED_TRACE(form);
        for (int k = 1;; ++k) {
            SCOPED_TRACE(k);
            ASSERT_LT(k, 50);
            auto q = filled<F>(5);
            FragileGuard guard;
            Fragile::fail_at(k);
            int got = 0;
            bool threw = false;
            try {
                switch (form) {
                    case 0:
                        got = F::value(q->get());
                        break;
                    case 1:
                        got = F::value(q->get_nowait());
                        break;
                    case 2:
                        got = F::value(q->get(true, 1s));
                        break;
                    default:
                        got = F::value(q->get(false));
                        break;
                }
            } catch (const FragileError&) {
                threw = true;
            }
            Fragile::disarm();
            if (!threw) {
                ASSERT_GT(k, 1) << "get neither moved nor threw";
                EXPECT_EQ(got, order[0]);
                EXPECT_EQ(drain_values<F>(*q), std::vector<int>(order.begin() + 1, order.end()));
                break;
            }
            EXPECT_EQ(q->qsize(), kInitial.size());
            EXPECT_EQ(drain_values<F>(*q), order);
        }
    }
}

// CPython: test_queue.FailingQueueTest.test_failing_queue (failing_queue_test
// twice on one queue): failures in non-blocking, timed and blocking puts and
// gets, each followed by checks that the queue is not damaged.
TYPED_TEST(QueueExceptionSafety, FailingQueueTest) {
    using F = TypeParam;
    constexpr int kSize = 5;
    auto q = F::make(kSize);
    FragileGuard guard;
    auto qfull = [&] { return q->qsize() == static_cast<std::size_t>(kSize); };
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        ASSERT_EQ(q->qsize(), 0u);
        for (int i = 0; i < kSize - 1; ++i) q->put(F::item(i));
        // A failing non-blocking put.
        Fragile::fail_at(1);
        EXPECT_THROW(q->put(F::item(100), false), FragileError);
        // A failing put with a timeout.
        Fragile::fail_at(1);
        EXPECT_THROW(q->put(F::item(100), true, 100ms), FragileError);
        Fragile::disarm();
        q->put(F::item(50));
        EXPECT_TRUE(qfull()) << "Queue should be full";
        // A failing blocking put (fails once woken by a get).
        do_blocking_test(
            [&] {
                Fragile::fail_at(1);
                EXPECT_THROW(q->put(F::item(100)), FragileError);
                Fragile::disarm();
            },
            [&] { q->get(); });
        // Check the queue isn't damaged: put failed, but get succeeded - re-add.
        q->put(F::item(50));
        // A failing timed put, blocked first.
        do_blocking_test(
            [&] {
                Fragile::fail_at(1);
                EXPECT_THROW(q->put(F::item(100), true, 10s), FragileError);
                Fragile::disarm();
            },
            [&] { q->get(); });
        q->put(F::item(50));
        EXPECT_TRUE(qfull()) << "Queue should be full";
        q->get();
        EXPECT_FALSE(qfull()) << "Queue should not be full";
        q->put(F::item(50));
        EXPECT_TRUE(qfull()) << "Queue should be full";
        // A blocking put that succeeds.
        do_blocking_test([&] { q->put(F::item(60)); }, [&] { q->get(); });
        // Empty it.
        for (int i = 0; i < kSize; ++i) EXPECT_NE(F::value(q->get()), Fragile::kMovedFrom);
        EXPECT_EQ(q->qsize(), 0u) << "Queue should be empty";
        q->put(F::item(70));
        Fragile::fail_at(1);
        EXPECT_THROW(q->get(), FragileError);
        EXPECT_EQ(q->qsize(), 1u) << "Queue should not be empty";
        Fragile::fail_at(1);
        EXPECT_THROW(q->get(true, 100ms), FragileError);
        Fragile::disarm();
        EXPECT_EQ(q->qsize(), 1u) << "Queue should not be empty";
        EXPECT_EQ(F::value(q->get()), 70);
        EXPECT_EQ(q->qsize(), 0u) << "Queue should be empty";
        // A failing blocking get (fails once woken by a put).
        do_blocking_test(
            [&] {
                Fragile::fail_at(1);
                EXPECT_THROW(q->get(), FragileError);
                Fragile::disarm();
            },
            [&] { q->put(F::item(80)); });
        // put succeeded, but get failed.
        EXPECT_EQ(q->qsize(), 1u) << "Queue should not be empty";
        EXPECT_EQ(F::value(q->get()), 80);
        EXPECT_EQ(q->qsize(), 0u) << "Queue should be empty";
        // Every put that succeeded is a task (11 per round: 4 + 50 x 4 + 60
        // + 70 + 80), none of the failed ones.
        for (int i = 0; i < 11; ++i) q->task_done();
        EXPECT_THROW(q->task_done(), concur::ValueError);
    }
}

// A shut-down queue raises ShutDown before touching the item.
TYPED_TEST(QueueExceptionSafety, ShutDownWinsOverAThrowingItem) {
    using F = TypeParam;
    auto q = filled<F>(5);
    q->shutdown();
    FragileGuard guard;
    Fragile::fail_at(1);
    EXPECT_THROW(q->put(F::item(9)), queue::ShutDown);
    EXPECT_TRUE(Fragile::armed()) << "put moved the item although the queue was shut down";
}

TEST(SimpleQueueExceptionSafety, ThrowingPutAndGetLeaveQueueUnchanged) {
    FragileGuard guard;
    queue::SimpleQueue<Fragile> q;
    for (int v : kInitial) q.put(Fragile(v));
    Fragile::fail_at(1);
    EXPECT_THROW(q.put(Fragile(42)), FragileError);
    Fragile::fail_at(1);
    EXPECT_THROW(q.get(), FragileError);
    Fragile::fail_at(1);
    EXPECT_THROW(q.get(true, 1s), FragileError);
    Fragile::disarm();
    EXPECT_EQ(q.qsize(), kInitial.size());
    for (int v : kInitial) EXPECT_EQ(q.get_nowait().value, v);
    EXPECT_TRUE(q.empty());
}

// Nothrow move but a throwing copy: a bounded Queue of it is the ring, and
// `put(lvalue)` copies into put's parameter before the queue is involved.
struct CopyMayThrow {
    int value;
    explicit CopyMayThrow(int v) noexcept : value(v) {}
    CopyMayThrow(CopyMayThrow&& other) noexcept = default;
    CopyMayThrow(const CopyMayThrow& other) : value(other.value) {
        if (fail_copies()) throw std::runtime_error("copy failed");
    }
    static bool& fail_copies() {
        static thread_local bool flag = false;
        return flag;
    }
};

TEST(QueueExceptionSafety, RingCopyFailureLeavesQueueUnchanged) {
    queue::Queue<CopyMayThrow> q(3);
    q.put(CopyMayThrow(1));
    q.put(CopyMayThrow(2));
    const CopyMayThrow third(3);
    CopyMayThrow::fail_copies() = true;
    EXPECT_THROW(q.put(third), std::runtime_error);
    EXPECT_THROW(q.put_nowait(third), std::runtime_error);
    CopyMayThrow::fail_copies() = false;
    EXPECT_EQ(q.qsize(), 2u);
    q.put(third);
    EXPECT_TRUE(q.full());
    EXPECT_EQ(q.get().value, 1);
    EXPECT_EQ(q.get().value, 2);
    EXPECT_EQ(q.get().value, 3);
}

}  // namespace
}  // namespace concur_queue_test
