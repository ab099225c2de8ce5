// Lifetime: a thread that takes the last item (or is released from join())
// may destroy the queue at once, while the thread that put the item (or
// called task_done()) is still returning from its call -- the pattern of a
// queue owned by its consumer. Before the waiter rework the ring's put() read
// its eventcount after publishing, a use-after-free that ThreadSanitizer and
// AddressSanitizer report on these loops (2,000 rounds each, as the issue
// that found it ran them). No CPython counterpart: Python's queues are
// garbage-collected.
#include <atomic>
#include <memory>
#include <thread>

#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

constexpr int kRounds = 2000;

template <class Flavor>
class QueueLifetime : public ::testing::Test {};

struct TinyRingFlavor : RingFlavor {
    static constexpr const char* kName = "TinyRing";
    static std::unique_ptr<Q> make_roomy() { return make(2); }
};

struct SimpleFlavor {
    static constexpr const char* kName = "Simple";
    using Item = int;
    using Q = queue::SimpleQueue<int>;
    static std::unique_ptr<Q> make_roomy() { return std::make_unique<Q>(); }
    static Item item(int v) { return v; }
};

using LifetimeFlavors = ::testing::Types<RingFlavor, TinyRingFlavor, LockedFlavor, LifoFlavor,
                                         PriorityFlavor, SimpleFlavor>;
TYPED_TEST_SUITE(QueueLifetime, LifetimeFlavors, FlavorName);

TYPED_TEST(QueueLifetime, ConsumerDestroysQueueRightAfterLastItem) {
    for (int round = 0; round < kRounds; ++round) {
        auto q = TypeParam::make_roomy();
        auto* raw = q.get();
        std::thread producer([raw, round] { raw->put(TypeParam::item(round)); });
        (void)q->get();  // blocks until the producer has published
        q.reset();       // the producer may still be inside put()
        producer.join();
    }
}

// The same with two items in flight, so that the last put() may also find the
// consumer parked (the wake-up path) or not (the fast path).
TYPED_TEST(QueueLifetime, ConsumerDestroysQueueAfterBurst) {
    for (int round = 0; round < kRounds / 4; ++round) {
        auto q = TypeParam::make_roomy();
        auto* raw = q.get();
        std::thread producer([raw] {
            for (int i = 0; i < 3; ++i) raw->put(TypeParam::item(i));
        });
        for (int i = 0; i < 3; ++i) (void)q->get();
        q.reset();
        producer.join();
    }
}

template <class Flavor>
class JoinableQueueLifetime : public ::testing::Test {};
using JoinableFlavors =
    ::testing::Types<RingFlavor, TinyRingFlavor, LockedFlavor, LifoFlavor, PriorityFlavor>;
TYPED_TEST_SUITE(JoinableQueueLifetime, JoinableFlavors, FlavorName);

TYPED_TEST(JoinableQueueLifetime, JoinerDestroysQueueRightAfterLastTaskDone) {
    for (int round = 0; round < kRounds; ++round) {
        auto q = TypeParam::make_roomy();
        auto* raw = q.get();
        std::thread worker([raw] {
            (void)raw->get();
            raw->task_done();  // releases join(): the queue may go at once
        });
        q->put(TypeParam::item(round));
        q->join();
        q.reset();
        worker.join();
    }
}

// A putter blocked on a full ring is released by the getter's hand-back; the
// putter then owns the queue and destroys it while the getter returns.
TEST(QueueLifetime, PutterDestroysQueueRightAfterHandBack) {
    for (int round = 0; round < kRounds; ++round) {
        auto q = std::make_unique<queue::Queue<int>>(2);
        q->put(1);
        q->put(2);
        auto* raw = q.get();
        std::thread getter([raw] { (void)raw->get(); });
        q->put(3);  // blocks until the getter hands a cell back
        q.reset();
        getter.join();
    }
}

}  // namespace
}  // namespace concur_queue_test
