// Tests for concur::futures::as_completed (Python's
// concurrent.futures.as_completed), ported from CPython's
// Lib/test/test_concurrent_futures/test_as_completed.py.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <concur/futures.hpp>
#include <concur/threading.hpp>

#include "futures_test_support.hpp"
#include "many_futures.hpp"

using namespace futures_test;
using futures::ThreadPoolExecutor;
using F = futures::Future<int>;

namespace {

std::set<const void*> ids(const std::vector<F>& fs) {
    std::set<const void*> out;
    for (const auto& f : fs) out.insert(concur::detail::FutureAccess::state(f));
    return out;
}

}  // namespace

// CPython: test_as_completed.AsCompletedTests.test_no_timeout
TEST(AsCompleted, NoTimeout) {
    ThreadPoolExecutor ex(2);
    auto future1 = ex.submit(mul, 2, 21);
    auto future2 = ex.submit(mul, 7, 6);
    std::vector<F> all{cancelled_and_notified_future(), exception_future(), successful_future(),
                       future1, future2};
    std::vector<F> completed;
    for (auto& f : futures::as_completed(all)) completed.push_back(f);
    EXPECT_EQ(completed.size(), all.size());
    EXPECT_EQ(ids(completed), ids(all));
}

// CPython: test_as_completed.AsCompletedTests.test_future_times_out
TEST(AsCompleted, FutureTimesOut) {
    ThreadPoolExecutor ex(2);
    std::vector<F> already_completed{cancelled_and_notified_future(), exception_future(),
                                     successful_future()};
    for (auto timeout : {0ms, 100ms}) {
        SCOPED_TRACE(timeout.count());
        threading::Event event;
        auto future = ex.submit([&event] {
            event.wait(kPatience);
            return 0;
        });
        std::vector<F> input = already_completed;
        input.push_back(future);
        std::vector<F> completed;
        Stopwatch watch;
        try {
            for (auto& f : futures::as_completed(input, timeout)) completed.push_back(f);
            ADD_FAILURE() << "no TimeoutError";
        } catch (const futures::TimeoutError& e) {
            EXPECT_STREQ(e.what(), "1 (of 4) futures unfinished");
        }
        EXPECT_GE(watch.elapsed(), timeout - kClockSlack);
        EXPECT_LT(watch.elapsed(), kSlow);
        // `future` was not completed.
        EXPECT_EQ(ids(completed), ids(already_completed));
        event.set();
        future.result();
    }
}

// CPython: test_as_completed.AsCompletedTests.test_duplicate_futures
TEST(AsCompleted, DuplicateFutures) {
    ThreadPoolExecutor ex(2);
    auto future1 = ex.submit([] {
        std::this_thread::sleep_for(20ms);
        return 1;
    });
    std::vector<F> completed;
    for (auto& f : futures::as_completed(std::vector<F>{future1, future1, future1}))
        completed.push_back(f);
    ASSERT_EQ(completed.size(), 1u);
    EXPECT_TRUE(completed[0] == future1);
}

// CPython: test_as_completed.AsCompletedTests.test_correct_timeout_exception_msg
TEST(AsCompleted, CorrectTimeoutExceptionMessage) {
    std::vector<F> futures_list{cancelled_and_notified_future(), pending_future(), running_future(),
                                successful_future()};
    try {
        for (auto& f : futures::as_completed(futures_list, 0s)) (void)f;
        FAIL() << "no TimeoutError";
    } catch (const futures::TimeoutError& e) {
        EXPECT_STREQ(e.what(), "2 (of 4) futures unfinished");
    }
}

// CPython: test_as_completed.AsCompletedTests.test_free_reference_yielded_future
// (without the weakref part: C++ handles are not garbage collected)
TEST(AsCompleted, FuturesCompletedWhileIterating) {
    std::vector<F> futures_list(8);
    futures_list.push_back(cancelled_and_notified_future());
    futures_list.push_back(successful_future());

    std::vector<F> yielded;
    try {
        for (auto& f : futures::as_completed(futures_list, 0s)) yielded.push_back(f);
        FAIL() << "no TimeoutError";
    } catch (const futures::TimeoutError& e) {
        EXPECT_STREQ(e.what(), "8 (of 10) futures unfinished");
    }
    EXPECT_EQ(ids(yielded), ids({futures_list[8], futures_list[9]}));

    futures_list.resize(8);
    futures_list[0].set_result(0);
    std::size_t next = 1;
    std::vector<F> order;
    // Each loop body completes the next future: as_completed must pick it up.
    for (auto& f : futures::as_completed(futures_list)) {
        order.push_back(f);
        if (next < futures_list.size()) futures_list[next++].set_result(0);
    }
    ASSERT_EQ(order.size(), 8u);
    for (std::size_t i = 0; i < 8; ++i) EXPECT_TRUE(order[i] == futures_list[i]) << i;
}

// CPython: test_as_completed.AsCompletedTests.test_free_reference_yielded_future
// (the weakref part: a yielded future is released at the next step; the
// range holds it while the loop body runs, since the loop variable refers
// into it)
TEST(AsCompleted, YieldedFuturesAreNotKeptAlive) {
    using G = futures::Future<std::shared_ptr<int>>;
    {
        // Timeout 0: the two done futures are yielded, then TimeoutError.
        std::vector<G> fs(8);
        auto token = std::make_shared<int>(42);
        std::weak_ptr<int> watch = token;
        G finished;
        finished.set_result(std::move(token));
        fs.push_back(std::move(finished));
        fs.push_back(cancelled_and_notified_future<std::shared_ptr<int>>());
        auto completed = futures::as_completed(fs, 0s);
        fs.resize(8);  // the test keeps no handle to the done ones
        int yielded = 0;
        try {
            for (auto& f : completed) {
                if (yielded == 0) {
                    EXPECT_FALSE(watch.expired()) << "freed while yielded";
                } else {
                    EXPECT_TRUE(watch.expired()) << "kept after being yielded";
                }
                EXPECT_TRUE(f.done());
                ++yielded;
            }
            ADD_FAILURE() << "no TimeoutError";
        } catch (const futures::TimeoutError& e) {
            EXPECT_STREQ(e.what(), "8 (of 10) futures unfinished");
        }
        EXPECT_EQ(yielded, 2);
    }
    {
        // Each loop body completes the next future and drops its own handle.
        std::vector<G> fs(8);
        auto completed = futures::as_completed(fs);
        std::vector<std::weak_ptr<int>> watches;
        auto complete = [&](std::size_t k) {
            auto token = std::make_shared<int>(static_cast<int>(k));
            watches.push_back(token);
            fs[k].set_result(std::move(token));
            G drop = std::move(fs[k]);
        };
        complete(0);
        std::size_t step = 0;
        for (auto& f : completed) {
            ASSERT_LT(step, watches.size());
            EXPECT_EQ(*f.result(), static_cast<int>(step));
            EXPECT_FALSE(watches[step].expired());
            if (step > 0) {
                EXPECT_TRUE(watches[step - 1].expired()) << "kept future " << step - 1;
            }
            ++step;
            if (step < fs.size()) complete(step);
        }
        EXPECT_EQ(step, 8u);
        EXPECT_TRUE(watches.back().expired()) << "the last one is released at the end";
    }
}

TEST(AsCompleted, CompletionOrderWithStaggeredSleeps) {
    // Three tasks submitted slowest first; each finishes a little after the
    // one it waits for, so the completion order is forced, not just likely.
    ThreadPoolExecutor ex(3);
    threading::Event go;
    auto fast = ex.submit([&go] {
        go.wait(kPatience);
        std::this_thread::sleep_for(20ms);
        return 1;
    });
    auto medium = ex.submit([fast]() mutable {
        const int v = fast.result(kPatience);
        std::this_thread::sleep_for(20ms);
        return v + 1;
    });
    auto slow = ex.submit([medium]() mutable {
        const int v = medium.result(kPatience);
        std::this_thread::sleep_for(20ms);
        return v + 1;
    });
    auto completed = futures::as_completed(std::vector<F>{slow, medium, fast});
    go.set();
    std::vector<int> values;
    for (auto& f : completed) values.push_back(f.result());
    EXPECT_EQ(values, (std::vector<int>{1, 2, 3}));
}

TEST(AsCompleted, CompletionOrderDrivenByTheCaller) {
    // The loop body completes the next future in a chosen order: each
    // iteration must yield exactly the one just completed.
    std::vector<F> fs(4);
    const std::vector<std::size_t> order{3, 1, 0, 2};
    fs[order[0]].set_result(static_cast<int>(order[0]));
    std::size_t step = 0;
    for (auto& f : futures::as_completed(fs)) {
        ASSERT_LT(step, order.size());
        EXPECT_TRUE(f == fs[order[step]]) << "step " << step;
        ++step;
        if (step < order.size()) fs[order[step]].set_result(static_cast<int>(order[step]));
    }
    EXPECT_EQ(step, order.size());
}

TEST(AsCompleted, YieldsInTheOrderFuturesFinish) {
    std::vector<F> fs(4);
    const std::vector<std::size_t> finish_order{2, 0, 3, 1};
    threading::Thread setter([fs, finish_order]() mutable {
        for (std::size_t i : finish_order) {
            std::this_thread::sleep_for(10ms);
            fs[i].set_result(static_cast<int>(i));
        }
    });
    // Several futures finishing between two looks are yielded in finishing
    // order too.
    auto completed = futures::as_completed(fs, kPatience);  // before any finishes
    setter.start();
    std::vector<int> order;
    for (auto& f : completed) order.push_back(f.result());
    setter.join();
    EXPECT_EQ(order, (std::vector<int>{2, 0, 3, 1}));
}

TEST(AsCompleted, AlreadyDoneFuturesFirst) {
    futures::Future<int> pending;
    auto done1 = successful_future(1);
    auto done2 = exception_future();
    auto done3 = cancelled_future();
    std::vector<F> input{pending, done1, done2, done3};
    std::vector<F> order;
    threading::Event yielded_three;
    threading::Thread setter([&] {
        ASSERT_TRUE(yielded_three.wait(kPatience));
        pending.set_result(0);
    });
    setter.start();
    for (auto& f : futures::as_completed(input)) {
        order.push_back(f);
        if (order.size() == 3) yielded_three.set();
    }
    setter.join();
    ASSERT_EQ(order.size(), 4u);
    // The done ones in input order, then the one that finished later.
    EXPECT_TRUE(order[0] == done1);
    EXPECT_TRUE(order[1] == done2);
    EXPECT_TRUE(order[2] == done3);
    EXPECT_TRUE(order[3] == pending);
}

TEST(AsCompleted, EachFutureYieldedOnce) {
    ThreadPoolExecutor ex(4);
    std::vector<F> fs;
    for (int i = 0; i < 200; ++i)
        fs.push_back(ex.submit([i] {
            if (i % 17 == 0) std::this_thread::sleep_for(1ms);
            return i;
        }));
    std::vector<F> input = fs;
    input.insert(input.end(), fs.begin(), fs.begin() + 50);  // duplicates too
    std::multiset<int> values;
    for (auto& f : futures::as_completed(input)) values.insert(f.result());
    ASSERT_EQ(values.size(), 200u);
    for (int i = 0; i < 200; ++i) EXPECT_EQ(values.count(i), 1u) << i;
}

TEST(AsCompleted, ManualFuturesSetByAnotherThread) {
    std::vector<F> fs(5);
    threading::Thread setter([fs]() mutable {
        for (std::size_t i = 0; i < fs.size(); ++i) {
            std::this_thread::sleep_for(2ms);
            if (i == 1)
                fs[i].set_exception(std::make_exception_ptr(concur::ValueError("one")));
            else if (i == 3)
                fs[i].cancel();
            else
                fs[i].set_result(static_cast<int>(i) * 10);
        }
    });
    setter.start();
    int results = 0, errors = 0, cancelled = 0;
    for (auto& f : futures::as_completed(fs, kPatience)) {
        ASSERT_TRUE(f.done());
        if (f.cancelled())
            ++cancelled;
        else if (f.exception())
            ++errors;
        else
            ++results;
    }
    setter.join();
    EXPECT_EQ(results, 3);
    EXPECT_EQ(errors, 1);
    EXPECT_EQ(cancelled, 1);  // cancelled futures count as completed
}

TEST(AsCompleted, TimeoutAfterYieldingTheFinishedOnes) {
    std::vector<F> fs(5);
    fs[0].set_result(0);
    fs[2].set_result(2);
    std::vector<F> yielded;
    Stopwatch watch;
    try {
        for (auto& f : futures::as_completed(fs, 100ms)) {
            yielded.push_back(f);
            if (yielded.size() == 2) fs[4].set_result(4);  // finishes in time
        }
        FAIL() << "no TimeoutError";
    } catch (const futures::TimeoutError& e) {
        EXPECT_STREQ(e.what(), "2 (of 5) futures unfinished");
    }
    EXPECT_GE(watch.elapsed(), 100ms - kClockSlack);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_EQ(ids(yielded), ids({fs[0], fs[2], fs[4]}));
}

TEST(AsCompleted, EmptyInput) {
    int n = 0;
    for (auto& f : futures::as_completed(std::vector<F>{})) {
        (void)f;
        ++n;
    }
    EXPECT_EQ(n, 0);
    for (auto& f : futures::as_completed(std::vector<F>{}, 0s)) {
        (void)f;
        ++n;
    }
    EXPECT_EQ(n, 0);
}

TEST(AsCompleted, AbandonedIterationUnregistersItsWaiter) {
    // Leaving the loop early and completing the futures afterwards must not
    // touch the destroyed as_completed object.
    std::vector<F> fs(3);
    fs[0].set_result(0);
    for (auto& f : futures::as_completed(fs)) {
        EXPECT_TRUE(f == fs[0]);
        break;
    }
    fs[1].set_result(1);
    fs[2].cancel();
    EXPECT_TRUE(fs[1].done());
}

TEST(AsCompleted, ManyFuturesFromManyThreads) {
    const int count = kSanitized ? 100 : 1000;
    std::vector<F> fs(static_cast<std::size_t>(count));
    std::vector<std::unique_ptr<threading::Thread>> setters;
    for (int t = 0; t < 4; ++t) {
        setters.push_back(std::make_unique<threading::Thread>([fs, t, count]() mutable {
            for (int i = t; i < count; i += 4) fs[static_cast<std::size_t>(i)].set_result(i);
        }));
    }
    for (auto& s : setters) s->start();
    std::vector<bool> seen(static_cast<std::size_t>(count), false);
    int yielded = 0;
    for (auto& f : futures::as_completed(fs, kPatience)) {
        const int v = f.result();
        ASSERT_FALSE(seen[static_cast<std::size_t>(v)]) << "yielded twice: " << v;
        seen[static_cast<std::size_t>(v)] = true;
        ++yielded;
    }
    for (auto& s : setters) s->join();
    EXPECT_EQ(yielded, count);
}

TEST(AsCompleted, MovedFromFutureRaisesInvalidStateError) {
    F pending;
    F done = successful_future();
    F gone;
    F taker = std::move(gone);
    try {
        // The moved-from future comes last: the live ones before it must not
        // keep a waiter that outlives the call.
        auto completed = futures::as_completed(std::vector<F>{pending, done, gone});
        ADD_FAILURE() << "no InvalidStateError";
    } catch (const futures::InvalidStateError& e) {
        EXPECT_STREQ(e.what(), "Future has no state: it was moved from");
    }
    pending.set_result(1);
    EXPECT_TRUE(pending.done());
}

TEST(AsCompleted, HundredThousandFuturesCompletedBeforeIterating) {
    // Everything completes between the call and the first look: one batch of
    // ~90,000 completions (quadratic to order when inserted at the front).
    ManyFutures many;
    auto completed = futures::as_completed(many.input(), kPatience);
    many.start();
    many.join();
    Stopwatch watch;
    for (auto& f : completed) {
        many.yielded(f);
        if (::testing::Test::HasFatalFailure()) return;
    }
    many.check();
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(AsCompleted, HundredThousandFuturesCompletedWhileIterating) {
    ManyFutures many;
    auto completed = futures::as_completed(many.input(), kPatience);
    many.start();
    for (auto& f : completed) {
        many.yielded(f);
        if (::testing::Test::HasFatalFailure()) break;
    }
    many.join();
    if (::testing::Test::HasFatalFailure()) return;
    many.check();
}

TEST(AsCompleted, HundredThousandFuturesTimeOut) {
    // Half of them never finish: the other half is yielded, then TimeoutError
    // counts the rest.
    const std::size_t count = kSanitized ? 10'000 : 100'000;
    std::vector<F> fs(count);
    for (std::size_t i = 0; i < count; i += 2) fs[i].set_result(static_cast<int>(i));
    std::size_t yielded = 0;
    try {
        for (auto& f : futures::as_completed(fs, 0s)) {
            ASSERT_EQ(f.result(), static_cast<int>(2 * yielded));
            ++yielded;
        }
        FAIL() << "no TimeoutError";
    } catch (const futures::TimeoutError& e) {
        EXPECT_EQ(e.what(), std::to_string(count / 2) + " (of " + std::to_string(count) +
                                ") futures unfinished");
    }
    EXPECT_EQ(yielded, count / 2);
}
