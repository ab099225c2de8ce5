// task_done() / join() on every queue class with task tracking (both Queue
// implementations, LifoQueue, PriorityQueue): Python counts an unfinished
// task per put; task_done() finishes one (ValueError if none is left) and
// join() waits until none is left.
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

template <class F>
class QueueTaskDone : public ::testing::Test {};
using TaskFlavors = ::testing::Types<RingFlavor, LockedFlavor, LifoFlavor, PriorityFlavor>;
TYPED_TEST_SUITE(QueueTaskDone, TaskFlavors, FlavorName);

// CPython: test_queue.BaseQueueTestMixin.test_queue_task_done
TYPED_TEST(QueueTaskDone, TooManyRaisesValueError) {
    using F = TypeParam;
    auto q = F::make_roomy();
    EXPECT_THROW(q->task_done(), concur::ValueError) << "Did not detect task count going negative";
    q->put(F::item(1));
    q->get();
    q->task_done();
    EXPECT_THROW(q->task_done(), concur::ValueError);
}

TYPED_TEST(QueueTaskDone, JoinOnAnEmptyQueueReturnsAtOnce) {
    using F = TypeParam;
    auto q = F::make_roomy();
    Stopwatch watch;
    q->join();
    q->join();
    q->put(F::item(1));
    q->get();
    q->task_done();
    q->join();
    EXPECT_LT(watch.elapsed(), kSlow);
}

// Python counts puts, not gets: task_done() needs no get before it.
TYPED_TEST(QueueTaskDone, CountsPutsNotGets) {
    using F = TypeParam;
    auto q = F::make(5);
    q->put(F::item(1));
    q->put(F::item(2));
    q->task_done();
    q->task_done();
    EXPECT_TRUE(joins(*q)) << "join() waited although every put was task_done()";
    EXPECT_EQ(q->qsize(), 2u);
    EXPECT_THROW(q->task_done(), concur::ValueError);
}

TYPED_TEST(QueueTaskDone, JoinBlocksUntilTheLastTaskDone) {
    using F = TypeParam;
    auto q = F::make(5);
    for (int v : {1, 2, 3}) q->put(F::item(v));
    for (int i = 0; i < 3; ++i) q->get();
    q->task_done();
    q->task_done();
    Background joiner([&] { q->join(); });
    ASSERT_TRUE(joiner.parked()) << "join() returned with a task unfinished";
    q->task_done();
    ASSERT_TRUE(joiner.finishes()) << "the last task_done() did not release join()";
    EXPECT_EQ(joiner.failure(), "");
}

// A rejected task_done() changes nothing.
TYPED_TEST(QueueTaskDone, ValueErrorLeavesTheCountAlone) {
    using F = TypeParam;
    auto q = F::make(5);
    q->put(F::item(1));
    q->task_done();
    EXPECT_THROW(q->task_done(), concur::ValueError);
    EXPECT_THROW(q->task_done(), concur::ValueError);
    q->put(F::item(2));
    Background joiner([&] { q->join(); });
    ASSERT_TRUE(joiner.parked()) << "the failed task_done() calls were counted";
    q->task_done();
    ASSERT_TRUE(joiner.finishes());
    EXPECT_EQ(joiner.failure(), "");
}

TYPED_TEST(QueueTaskDone, EveryJoinerIsReleased) {
    using F = TypeParam;
    auto q = F::make(5);
    q->put(F::item(1));
    std::vector<std::unique_ptr<Background>> joiners;
    for (int i = 0; i < 4; ++i) joiners.push_back(std::make_unique<Background>([&] { q->join(); }));
    for (auto& j : joiners) ASSERT_TRUE(j->parked());
    q->get();
    q->task_done();
    for (auto& j : joiners) {
        ASSERT_TRUE(j->finishes());
        EXPECT_EQ(j->failure(), "");
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_queue_join (queue_join_test
// twice on one queue, then task_done raises ValueError)
TYPED_TEST(QueueTaskDone, JoinWaitsUntilAllTasksAreDone) {
    using F = TypeParam;
    auto q = F::make_roomy();
    std::mutex cumlock;
    long long cum = 0;
    auto worker = [&] {
        for (;;) {
            const int x = F::value(q->get());
            if (x < 0) {
                q->task_done();
                return;
            }
            {
                std::lock_guard lock(cumlock);
                cum += x;
            }
            q->task_done();
        }
    };
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        {
            std::lock_guard lock(cumlock);
            cum = 0;
        }
        Background w1(worker);
        Background w2(worker);
        for (int i = 0; i < 100; ++i) q->put(F::item(i));
        q->join();
        {
            std::lock_guard lock(cumlock);
            EXPECT_EQ(cum, 4950) << "q.join() did not block until all tasks were done";
        }
        q->put(F::item(-1));  // instruct the threads to close
        q->put(F::item(-1));
        q->join();  // verify that you can join twice
        ASSERT_TRUE(w1.finishes());
        ASSERT_TRUE(w2.finishes());
        EXPECT_EQ(w1.failure(), "");
        EXPECT_EQ(w2.failure(), "");
    }
    EXPECT_THROW(q->task_done(), concur::ValueError) << "Did not detect task count going negative";
}

}  // namespace
}  // namespace concur_queue_test
