// Python 3.13's Queue.shutdown(immediate) on every queue class with
// shutdown (both Queue implementations, LifoQueue, PriorityQueue): ports of
// CPython's BaseQueueTestMixin.test_shutdown_* plus blocked-thread cases.
//
//  * shutdown(): puts raise ShutDown (blocked putters wake with it); getters
//    drain what is left, then raise ShutDown (blocked ones wake with it).
//  * shutdown(immediate=true): also discards what is left (counting it as
//    done for join()), so getters raise ShutDown at once.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <latch>
#include <memory>
#include <mutex>
#include <vector>

#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

template <class F>
class QueueShutdown : public ::testing::Test {};
using ShutdownFlavors = ::testing::Types<RingFlavor, LockedFlavor, LifoFlavor, PriorityFlavor>;
TYPED_TEST_SUITE(QueueShutdown, ShutdownFlavors, FlavorName);

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_empty
TYPED_TEST(QueueShutdown, EmptyQueueRejectsPutAndGet) {
    using F = TypeParam;
    auto q = F::make_roomy();
    q->shutdown();
    EXPECT_THROW(q->put(F::item(1)), queue::ShutDown);
    Stopwatch watch;
    EXPECT_THROW(q->get_nowait(), queue::ShutDown);
    EXPECT_THROW(q->get(true, 10s), queue::ShutDown);
    EXPECT_THROW(q->get(), queue::ShutDown);
    EXPECT_LT(watch.elapsed(), kSlow) << "get on a shut-down empty queue waited";
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_nonempty
TYPED_TEST(QueueShutdown, NonImmediateLetsGettersDrain) {
    using F = TypeParam;
    auto q = F::make(5);
    for (int v : {1, 2, 3}) q->put(F::item(v));
    q->shutdown();
    EXPECT_EQ(q->qsize(), 3u);
    EXPECT_THROW(q->put(F::item(4)), queue::ShutDown);
    const std::vector<int> expected = F::order({1, 2, 3});
    EXPECT_EQ(F::value(q->get()), expected[0]);
    EXPECT_EQ(F::value(q->get_nowait()), expected[1]);
    EXPECT_EQ(F::value(q->get(true, 1s)), expected[2]);
    EXPECT_THROW(q->get(), queue::ShutDown);
    EXPECT_THROW(q->get_nowait(), queue::ShutDown);
    EXPECT_TRUE(q->empty());
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate
TYPED_TEST(QueueShutdown, ImmediateDiscardsRemainingItems) {
    using F = TypeParam;
    auto q = F::make(5);
    for (int v : {1, 2, 3}) q->put(F::item(v));
    q->shutdown(true);
    EXPECT_EQ(q->qsize(), 0u);
    EXPECT_TRUE(q->empty());
    EXPECT_FALSE(q->full());
    EXPECT_THROW(q->get(), queue::ShutDown);
    EXPECT_THROW(q->get_nowait(), queue::ShutDown);
    EXPECT_THROW(q->get(true, 1s), queue::ShutDown);
    EXPECT_THROW(q->put(F::item(4)), queue::ShutDown);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_allowed_transitions
TYPED_TEST(QueueShutdown, IsShutdownTransitions) {
    using F = TypeParam;
    auto q = F::make_roomy();
    EXPECT_FALSE(q->is_shutdown());
    q->shutdown();
    EXPECT_TRUE(q->is_shutdown());
    q->shutdown(true);
    EXPECT_TRUE(q->is_shutdown());
    q->shutdown(false);
    EXPECT_TRUE(q->is_shutdown());
    auto q2 = F::make(3);
    q2->shutdown(true);
    EXPECT_TRUE(q2->is_shutdown());
    q2->shutdown(true);
    EXPECT_TRUE(q2->is_shutdown());
}

TYPED_TEST(QueueShutdown, PutRaisesShutDownEvenWithRoom) {
    using F = TypeParam;
    auto q = F::make(5);
    q->put(F::item(1));
    q->shutdown();
    EXPECT_THROW(q->put(F::item(2)), queue::ShutDown);
    EXPECT_THROW(q->put(F::item(2), false), queue::ShutDown);
    EXPECT_THROW(q->put(F::item(2), true, 1s), queue::ShutDown);
    EXPECT_THROW(q->put(F::item(2), 1s), queue::ShutDown);
    EXPECT_THROW(q->put_nowait(F::item(2)), queue::ShutDown);
    EXPECT_EQ(q->qsize(), 1u);
    EXPECT_EQ(F::value(q->get()), 1);
}

// CPython: test_queue.BaseQueueTestMixin._shutdown_all_methods_in_one_thread
template <class F>
void all_methods_in_one_thread(bool immediate) {
    auto q = F::make(2);
    q->put(F::item(1));
    q->put_nowait(F::item(2));
    q->shutdown(immediate);
    EXPECT_THROW(q->put(F::item(3)), queue::ShutDown);
    EXPECT_THROW(q->put_nowait(F::item(4)), queue::ShutDown);
    if (immediate) {
        EXPECT_THROW(q->get(), queue::ShutDown);
        EXPECT_THROW(q->get_nowait(), queue::ShutDown);
        EXPECT_THROW(q->task_done(), concur::ValueError);
        EXPECT_TRUE(joins(*q));
    } else {
        const int a = F::value(q->get());
        q->task_done();
        const int b = F::value(q->get());
        q->task_done();
        EXPECT_EQ((std::vector<int>{a, b}), F::order({1, 2}));
        EXPECT_TRUE(joins(*q));
        // Shut down and empty: every kind of get raises ShutDown.
        EXPECT_THROW(q->get(), queue::ShutDown);
        EXPECT_THROW(q->get_nowait(), queue::ShutDown);
        EXPECT_THROW(q->get(true, 1s), queue::ShutDown);
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_all_methods_in_one_thread
TYPED_TEST(QueueShutdown, AllMethodsInOneThread) {
    all_methods_in_one_thread<TypeParam>(false);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate_all_methods_in_one_thread
TYPED_TEST(QueueShutdown, ImmediateAllMethodsInOneThread) {
    all_methods_in_one_thread<TypeParam>(true);
}

// CPython: test_queue.BaseQueueTestMixin._shutdown_put (with the putters
// certainly blocked before the shutdown)
template <class F>
void wakes_blocked_putters(bool immediate) {
    auto q = F::make(2);
    q->put(F::item(1));
    q->put(F::item(2));
    Background plain([&] { q->put(F::item(3)); });
    Background timed([&] { q->put(F::item(4), true, 20s); });
    ASSERT_TRUE(plain.parked());
    ASSERT_TRUE(timed.parked());
    Stopwatch watch;
    q->shutdown(immediate);
    ASSERT_TRUE(settles(plain, *q));
    ASSERT_TRUE(settles(timed, *q));
    EXPECT_LT(watch.elapsed(), kSlow) << "the timed putter waited for its timeout";
    EXPECT_TRUE(plain.raised<queue::ShutDown>()) << plain.failure();
    EXPECT_TRUE(timed.raised<queue::ShutDown>()) << timed.failure();
    if (immediate) {
        EXPECT_EQ(q->qsize(), 0u);
        EXPECT_THROW(q->get_nowait(), queue::ShutDown);
    } else {
        EXPECT_EQ(drain_values<F>(*q), F::order({1, 2}));
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_put
TYPED_TEST(QueueShutdown, NonImmediateWakesBlockedPutters) {
    wakes_blocked_putters<TypeParam>(false);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate_put
TYPED_TEST(QueueShutdown, ImmediateWakesBlockedPutters) {
    wakes_blocked_putters<TypeParam>(true);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_pending_get (and the
// immediate variant): getters blocked on an empty queue wake with ShutDown.
template <class F>
void wakes_blocked_getters(bool immediate) {
    auto q = F::make_roomy();
    Background plain([&] { q->get(); });
    Background timed([&] { q->get(true, 20s); });
    ASSERT_TRUE(plain.parked());
    ASSERT_TRUE(timed.parked());
    Stopwatch watch;
    q->shutdown(immediate);
    ASSERT_TRUE(settles(plain, *q));
    ASSERT_TRUE(settles(timed, *q));
    EXPECT_LT(watch.elapsed(), kSlow) << "the timed getter waited for its timeout";
    EXPECT_TRUE(plain.raised<queue::ShutDown>()) << plain.failure();
    EXPECT_TRUE(timed.raised<queue::ShutDown>()) << timed.failure();
}

TYPED_TEST(QueueShutdown, NonImmediateWakesBlockedGetters) {
    wakes_blocked_getters<TypeParam>(false);
}

TYPED_TEST(QueueShutdown, ImmediateWakesBlockedGetters) {
    wakes_blocked_getters<TypeParam>(true);
}

// CPython: test_queue.BaseQueueTestMixin._shutdown_get
template <class F>
void getters_after_shutdown(bool immediate) {
    auto q = F::make(2);
    q->put(F::item(1));
    q->put(F::item(2));
    const int n_getters = immediate ? 2 : 3;
    std::latch go(1);
    std::mutex mutex;
    std::vector<int> got;
    int shut_down = 0;
    std::vector<std::unique_ptr<Background>> getters;
    for (int i = 0; i < n_getters; ++i) {
        getters.push_back(std::make_unique<Background>([&] {
            go.wait();
            try {
                const int v = F::value(q->get());
                std::lock_guard lock(mutex);
                got.push_back(v);
            } catch (const queue::ShutDown&) {
                std::lock_guard lock(mutex);
                ++shut_down;
            }
        }));
    }
    q->shutdown(immediate);
    go.count_down();
    for (auto& g : getters) {
        ASSERT_TRUE(settles(*g, *q));
        EXPECT_EQ(g->failure(), "");
    }
    std::sort(got.begin(), got.end());
    if (immediate) {
        EXPECT_TRUE(got.empty());
        EXPECT_EQ(shut_down, 2);
    } else {
        // Two getters drain the items, the third raises ShutDown.
        EXPECT_EQ(got, (std::vector<int>{1, 2}));
        EXPECT_EQ(shut_down, 1);
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_get
TYPED_TEST(QueueShutdown, NonImmediateGettersDrainThenShutDown) {
    getters_after_shutdown<TypeParam>(false);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate_get
TYPED_TEST(QueueShutdown, ImmediateGettersRaiseShutDown) {
    getters_after_shutdown<TypeParam>(true);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_join: a plain
// shutdown does not release join(); task_done() still does.
TYPED_TEST(QueueShutdown, NonImmediateJoinStillWaitsForTaskDone) {
    using F = TypeParam;
    auto q = F::make_roomy();
    q->put(F::item(1));
    Background j1([&] { q->join(); });
    Background j2([&] { q->join(); });
    ASSERT_TRUE(j1.parked());
    ASSERT_TRUE(j2.parked());
    q->shutdown();
    EXPECT_TRUE(j1.parked()) << "shutdown() released join() with a task unfinished";
    EXPECT_TRUE(j2.parked());
    EXPECT_EQ(F::value(q->get()), 1);
    q->task_done();
    ASSERT_TRUE(j1.finishes());
    ASSERT_TRUE(j2.finishes());
    EXPECT_EQ(j1.failure(), "");
    EXPECT_EQ(j2.failure(), "");
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate_join
TYPED_TEST(QueueShutdown, ImmediateReleasesJoin) {
    using F = TypeParam;
    auto q = F::make_roomy();
    q->put(F::item(1));
    q->put(F::item(2));
    Background j1([&] { q->join(); });
    Background j2([&] { q->join(); });
    ASSERT_TRUE(j1.parked());
    ASSERT_TRUE(j2.parked());
    q->shutdown(true);
    const bool released = j1.finishes() && j2.finishes();
    if (!released) {
        q->task_done();  // unstick them so that the test can end
        q->task_done();
    }
    EXPECT_TRUE(released) << "shutdown(immediate=true) did not release join()";
    EXPECT_EQ(j1.failure(), "");
    EXPECT_EQ(j2.failure(), "");
    EXPECT_THROW(q->task_done(), concur::ValueError);
}

// Items discarded by an immediate shutdown count as done, the ones already
// gotten still need their task_done().
TYPED_TEST(QueueShutdown, ImmediateCountsOnlyDiscardedItemsAsDone) {
    using F = TypeParam;
    auto q = F::make(5);
    for (int v : {1, 2, 3}) q->put(F::item(v));
    q->get();
    q->shutdown(true);
    Background joiner([&] { q->join(); });
    EXPECT_TRUE(joiner.parked()) << "join() returned with a gotten item not task_done()";
    q->task_done();
    ASSERT_TRUE(joiner.finishes());
    EXPECT_EQ(joiner.failure(), "");
    EXPECT_THROW(q->task_done(), concur::ValueError);
}

// CPython: test_queue.BaseQueueTestMixin._shutdown_put_join
template <class F>
void put_join(bool immediate) {
    auto q = F::make(2);
    q->put(F::item(1));  // not full
    std::latch go(1);
    Background putter([&] {
        go.wait();
        q->put(F::item(2));
    });
    Background joiner([&] { q->join(); });
    q->shutdown(immediate);
    go.count_down();
    if (immediate) {
        EXPECT_THROW(q->get_nowait(), queue::ShutDown);
    } else {
        EXPECT_EQ(F::value(q->get()), 1);
        q->task_done();
    }
    ASSERT_TRUE(settles(putter, *q));
    EXPECT_TRUE(putter.raised<queue::ShutDown>()) << putter.failure();
    ASSERT_TRUE(joiner.finishes()) << "join() not released";
    EXPECT_EQ(joiner.failure(), "");
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_put_join
TYPED_TEST(QueueShutdown, PutJoin) {
    put_join<TypeParam>(false);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate_put_join
TYPED_TEST(QueueShutdown, ImmediatePutJoin) {
    put_join<TypeParam>(true);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_get_task_done_join
TYPED_TEST(QueueShutdown, GetTaskDoneJoin) {
    using F = TypeParam;
    auto q = F::make(2);
    q->put(F::item(1));
    q->put(F::item(2));
    std::latch go(1);
    std::atomic<int> got_sum{0};
    auto get_task_done = [&] {
        go.wait();
        got_sum += F::value(q->get());
        q->task_done();
    };
    Background g1(get_task_done);
    Background g2(get_task_done);
    Background j1([&] { q->join(); });
    Background j2([&] { q->join(); });
    go.count_down();
    q->shutdown(false);
    for (Background* t : {&g1, &g2}) {
        ASSERT_TRUE(settles(*t, *q));
        EXPECT_EQ(t->failure(), "");
    }
    ASSERT_TRUE(j1.finishes());
    ASSERT_TRUE(j2.finishes());
    EXPECT_EQ(j1.failure(), "");
    EXPECT_EQ(j2.failure(), "");
    EXPECT_EQ(got_sum.load(), 3);
}

// CPython: test_queue.BaseQueueTestMixin._shutdown_all_methods_in_many_threads:
// writers, readers (get_nowait + task_done until ShutDown), joiners, and a
// shutdown triggered by a writer halfway through.
template <class F>
void all_methods_in_many_threads(bool immediate) {
    auto q = F::make_roomy();
    const int write_threads = 4;
    const int read_threads = 6;
    const int join_threads = 2;
    const int nb_msgs = scaled(16384);
    const int nb_msgs_w = nb_msgs / write_threads;
    const int when_exec_shutdown = nb_msgs_w / 2;
    // All writers put their first items and every reader gets one before
    // anybody goes on (joiners join that barrier when immediate).
    std::barrier barrier(write_threads + read_threads + (immediate ? join_threads : 0));
    std::latch ev_exec_shutdown(1);
    std::atomic<bool> shutdown_triggered{false};
    std::atomic<int> puts_interrupted{0};
    std::atomic<int> gets_shut_down{0};
    std::atomic<int> empty_after_shutdown{-1};

    std::vector<std::unique_ptr<Background>> threads;
    for (int w = 0; w < write_threads; ++w) {
        threads.push_back(std::make_unique<Background>([&] {
            for (int i = 0; i < when_exec_shutdown / 2; ++i) q->put(F::item(i));
            barrier.arrive_and_wait();
            for (int i = when_exec_shutdown / 2; i < nb_msgs_w; ++i) {
                try {
                    q->put(F::item(i));
                } catch (const queue::ShutDown&) {
                    ++puts_interrupted;
                    break;
                }
                if (i == when_exec_shutdown && !shutdown_triggered.exchange(true))
                    ev_exec_shutdown.count_down();
            }
        }));
    }
    for (int r = 0; r < read_threads; ++r) {
        threads.push_back(std::make_unique<Background>([&] {
            q->get(true);
            q->task_done();
            barrier.arrive_and_wait();
            for (;;) {
                try {
                    q->get(false);
                    q->task_done();
                } catch (const queue::ShutDown&) {
                    ++gets_shut_down;
                    break;
                } catch (const queue::Empty&) {
                    std::this_thread::yield();
                }
            }
        }));
    }
    threads.push_back(std::make_unique<Background>([&] {
        ev_exec_shutdown.wait();
        q->shutdown(immediate);
        empty_after_shutdown = q->qsize() == 0 ? 1 : 0;
    }));
    if (immediate) {
        for (int j = 0; j < join_threads; ++j) {
            threads.push_back(std::make_unique<Background>([&] {
                barrier.arrive_and_wait();
                q->join();
            }));
        }
    }
    for (auto& t : threads) {
        ASSERT_TRUE(t->finishes(std::chrono::seconds(60))) << "a thread never finished";
        EXPECT_EQ(t->failure(), "");
    }
    EXPECT_TRUE(shutdown_triggered.load());
    EXPECT_EQ(gets_shut_down.load(), read_threads);
    if (immediate) {
        EXPECT_EQ(empty_after_shutdown.load(), 1) << "items left right after shutdown(immediate)";
        EXPECT_TRUE(q->empty());
    }
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_all_methods_in_many_threads
TYPED_TEST(QueueShutdown, AllMethodsInManyThreads) {
    all_methods_in_many_threads<TypeParam>(false);
}

// CPython: test_queue.BaseQueueTestMixin.test_shutdown_immediate_all_methods_in_many_threads
TYPED_TEST(QueueShutdown, ImmediateAllMethodsInManyThreads) {
    all_methods_in_many_threads<TypeParam>(true);
}

// ---------------------------------------------------------------------------
// The ring: a put caught by shutdown between claiming its slot and
// publishing its element.
// ---------------------------------------------------------------------------

// Nothrow-movable, so a bounded Queue<Gated> is the ring. Its move
// constructor waits while the gate is closed; its copy does not, so
// `q.put(item)` copies into put's parameter and then waits inside the ring,
// holding a claimed slot.
struct Gated {
    static std::atomic<bool>& closed() {
        static std::atomic<bool> flag{false};
        return flag;
    }
    static std::atomic<int>& waiting() {
        static std::atomic<int> count{0};
        return count;
    }
    int value;
    explicit Gated(int v) noexcept : value(v) {}
    Gated(const Gated& other) noexcept : value(other.value) {}
    Gated(Gated&& other) noexcept : value(other.value) {
        if (closed().load()) {
            ++waiting();
            while (closed().load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
            --waiting();
        }
    }
};

struct GateGuard {
    GateGuard() { Gated::closed() = true; }
    GateGuard(const GateGuard&) = delete;
    GateGuard& operator=(const GateGuard&) = delete;
    ~GateGuard() { Gated::closed() = false; }
};

// Python's put is atomic: it either completes before shutdown(immediate)
// (and the item is discarded) or raises ShutDown. A ring put that claimed its
// slot before the shutdown must therefore not leave its item behind.
TEST(QueueShutdown, ImmediateDiscardsAPutInProgress) {
    queue::Queue<Gated> q(4);
    q.put(Gated(1));
    GateGuard gate;
    Background putter([&] {
        Gated item(7);
        q.put(item);
    });
    ASSERT_TRUE(eventually([] { return Gated::waiting() == 1; }));
    Background opener([&] {
        std::this_thread::sleep_for(50ms);
        Gated::closed() = false;
    });
    q.shutdown(true);
    ASSERT_TRUE(putter.finishes());
    EXPECT_EQ(putter.failure(), "") << "the put had claimed its slot before the shutdown";
    EXPECT_EQ(q.qsize(), 0u) << "shutdown(immediate=true) left an item behind";
    EXPECT_THROW(q.get_nowait(), queue::ShutDown);
    EXPECT_TRUE(joins(q)) << "join() not released: the discarded items must count as done";
}

// Getters on a shut-down queue whose only item is still being put wait for
// it rather than raising ShutDown; once it is published one of them gets it
// and the other one must wake up with ShutDown.
TEST(QueueShutdown, NonImmediateGettersWaitForAPutInProgress) {
    queue::Queue<Gated> q(4);
    GateGuard gate;
    Background putter([&] {
        Gated item(7);
        q.put(item);
    });
    ASSERT_TRUE(eventually([] { return Gated::waiting() == 1; }));
    q.shutdown();
    std::atomic<int> got{0};
    auto get = [&] { got += q.get().value; };
    Background g1(get);
    Background g2(get);
    EXPECT_TRUE(g1.parked()) << "a getter did not wait for the put in progress";
    EXPECT_TRUE(g2.parked()) << "a getter did not wait for the put in progress";
    Gated::closed() = false;
    ASSERT_TRUE(putter.finishes());
    EXPECT_EQ(putter.failure(), "");
    const bool both = g1.finishes(5s) && g2.finishes(5s);
    if (!both) q.shutdown();  // shutting down again wakes every sleeper
    EXPECT_TRUE(both) << "a getter slept on forever in a shut-down, empty queue";
    EXPECT_EQ(got.load(), 7);
    EXPECT_EQ(g1.raised<queue::ShutDown>() + g2.raised<queue::ShutDown>(), 1);
    EXPECT_THROW(q.get_nowait(), queue::ShutDown);
}

// The same with an immediate shutdown: the item is either discarded or got
// by one of the getters; all of them end, nothing is left, join() returns.
TEST(QueueShutdown, ImmediateShutdownWithGettersAndAPutInProgress) {
    queue::Queue<Gated> q(4);
    GateGuard gate;
    Background putter([&] {
        Gated item(7);
        q.put(item);
    });
    ASSERT_TRUE(eventually([] { return Gated::waiting() == 1; }));
    std::atomic<int> got{0};
    auto get = [&] {
        got += q.get().value;
        q.task_done();
    };
    Background g1(get);
    Background g2(get);
    EXPECT_TRUE(g1.parked());
    EXPECT_TRUE(g2.parked());
    Background opener([&] {
        std::this_thread::sleep_for(50ms);
        Gated::closed() = false;
    });
    q.shutdown(true);
    EXPECT_EQ(q.qsize(), 0u) << "shutdown(immediate=true) left an item behind";
    ASSERT_TRUE(putter.finishes());
    EXPECT_EQ(putter.failure(), "");
    const bool both = g1.finishes(5s) && g2.finishes(5s);
    if (!both) q.shutdown(true);  // shutting down again wakes every sleeper
    EXPECT_TRUE(both) << "a getter slept on forever in a shut-down, empty queue";
    if (both) {
        EXPECT_TRUE(got.load() == 0 || got.load() == 7) << got.load();
        EXPECT_EQ(g1.raised<queue::ShutDown>() + g2.raised<queue::ShutDown>(),
                  got.load() == 7 ? 1 : 2);
    }
    EXPECT_EQ(q.qsize(), 0u);
    EXPECT_TRUE(joins(q));
}

}  // namespace
}  // namespace concur_queue_test
