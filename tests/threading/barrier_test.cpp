// Tests for concur::threading::Barrier (Python's threading.Barrier).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// Runs `f(i)` in `n - 1` new threads and in the calling thread (as i = n-1),
// then joins them: CPython lock_tests' BarrierTests.run_threads.
void run_threads(int n, const std::function<void(int)>& f) {
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 0; i < n - 1; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&f, i] { f(i); }));
        threads.back()->start();
    }
    f(n - 1);
    for (auto& t : threads) t->join();
}

enum class Outcome { passed, broken, other };

// Calls barrier.wait() and classifies how it ended.
Outcome wait_outcome(threading::Barrier& barrier) {
    try {
        barrier.wait();
        return Outcome::passed;
    } catch (const threading::BrokenBarrierError&) {
        return Outcome::broken;
    } catch (...) {
        return Outcome::other;
    }
}

}  // namespace

TEST(Barrier, ZeroPartiesRaisesValueError) {
    // CPython: lock_tests.BarrierTests.test_constructor
    try {
        threading::Barrier barrier(0);
        FAIL() << "parties = 0 accepted";
    } catch (const threading::ValueError& e) {
        EXPECT_STREQ(e.what(), "parties must be >= 1");
    }
}

TEST(Barrier, NegativePartiesRaisesValueError) {
    // CPython: lock_tests.BarrierTests.test_constructor (parties=-1). The
    // count is signed, as Python's int: -1 must not wrap to a huge count.
    for (const std::ptrdiff_t parties :
         {std::ptrdiff_t{-1}, std::ptrdiff_t{-1000}, std::numeric_limits<std::ptrdiff_t>::min()}) {
        try {
            threading::Barrier barrier(parties);
            FAIL() << "parties = " << parties << " accepted (" << barrier.parties() << " parties)";
        } catch (const threading::ValueError& e) {
            EXPECT_STREQ(e.what(), "parties must be >= 1");
        }
    }
}

TEST(Barrier, Parties) {
    threading::Barrier barrier(5);
    EXPECT_EQ(barrier.parties(), 5u);
    EXPECT_EQ(barrier.n_waiting(), 0u);
    EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, SinglePartyPassesAtOnce) {
    // CPython: lock_tests.BarrierTests.test_single_thread
    int actions = 0;
    threading::Barrier barrier(1, [&] { ++actions; });
    EXPECT_EQ(barrier.wait(), 0u);
    EXPECT_EQ(barrier.wait(), 0u);
    EXPECT_EQ(actions, 2);
}

TEST(Barrier, PassedInLockstep) {
    // CPython: lock_tests.BarrierTests.test_barrier_10
    constexpr int kParties = 5, kPasses = 10;
    threading::Barrier barrier(kParties);
    std::atomic<int> phase0{0}, phase1{0};
    std::atomic<int> errors{0};
    run_threads(kParties, [&](int) {
        for (int i = 0; i < kPasses; ++i) {
            ++phase0;
            if (phase1.load() != i * kParties) ++errors;
            barrier.wait();
            ++phase1;
            if (phase0.load() != (i + 1) * kParties) ++errors;
            barrier.wait();
        }
    });
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(barrier.n_waiting(), 0u);
    EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, IndicesAreZeroToNMinusOne) {
    // CPython: lock_tests.BarrierTests.test_wait_return
    constexpr int kParties = 5, kCycles = 4;
    threading::Barrier barrier(kParties);
    std::mutex mutex;
    std::vector<std::vector<std::size_t>> indices(kCycles);
    run_threads(kParties, [&](int) {
        for (int cycle = 0; cycle < kCycles; ++cycle) {
            const std::size_t index = barrier.wait();
            std::lock_guard hold(mutex);
            indices[cycle].push_back(index);
        }
    });
    for (auto& cycle : indices) {
        std::sort(cycle.begin(), cycle.end());
        EXPECT_EQ(cycle, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
    }
}

TEST(Barrier, ActionRunsOncePerCycleBeforeRelease) {
    // CPython: lock_tests.BarrierTests.test_action
    constexpr int kParties = 4, kCycles = 5;
    std::atomic<int> actions{0};
    threading::Barrier barrier(kParties, [&] { ++actions; });
    std::atomic<int> errors{0};
    run_threads(kParties, [&](int) {
        for (int cycle = 0; cycle < kCycles; ++cycle) {
            barrier.wait();
            // This cycle's action ran before anyone was released, and the
            // next one cannot run before this thread arrives again (two waits
            // per iteration: 2 * cycle actions ran before this one).
            if (actions.load() != 2 * cycle + 1) ++errors;
            barrier.wait();
        }
    });
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(actions.load(), 2 * kCycles);
}

TEST(Barrier, ActionRunsInTheLastArrivingThread) {
    std::atomic<std::uint64_t> action_thread{0};
    threading::Barrier barrier(3, [&] { action_thread = threading::get_ident(); });
    std::mutex mutex;
    std::vector<std::pair<std::size_t, std::uint64_t>> arrivals;
    run_threads(3, [&](int) {
        const std::size_t index = barrier.wait();
        std::lock_guard hold(mutex);
        arrivals.emplace_back(index, threading::get_ident());
    });
    ASSERT_EQ(arrivals.size(), 3u);
    for (auto& [index, ident] : arrivals) {
        if (index == 2) {
            EXPECT_EQ(ident, action_thread.load());
        }
    }
}

TEST(Barrier, ActionMayQueryTheBarrier) {
    // The action runs with the barrier's lock held; as in Python, n_waiting
    // and broken do not take it (n_waiting counts the last arrival too).
    threading::Barrier* self = nullptr;
    std::atomic<std::size_t> waiting_in_action{0};
    std::atomic<bool> broken_in_action{true};
    threading::Barrier barrier(3, [&] {
        waiting_in_action = self->n_waiting();
        broken_in_action = self->broken();
    });
    self = &barrier;
    run_threads(3, [&](int) { barrier.wait(); });
    EXPECT_EQ(waiting_in_action.load(), 3u);
    EXPECT_FALSE(broken_in_action.load());
    EXPECT_EQ(barrier.n_waiting(), 0u);
}

TEST(Barrier, NWaitingCountsWaiters) {
    threading::Barrier barrier(4);
    std::vector<std::unique_ptr<threading::Thread>> threads;
    for (int i = 1; i <= 3; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] { barrier.wait(); }));
        threads.back()->start();
        ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == static_cast<std::size_t>(i); }));
    }
    EXPECT_EQ(barrier.wait(), 3u);
    for (auto& t : threads) t->join();
    EXPECT_EQ(barrier.n_waiting(), 0u);
}

TEST(Barrier, AbortBreaksWaiters) {
    // CPython: lock_tests.BarrierTests.test_abort
    constexpr int kParties = 4;
    threading::Barrier barrier(kParties);
    std::vector<std::unique_ptr<threading::Thread>> threads;
    std::atomic<int> broken{0};
    for (int i = 0; i < kParties - 1; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] {
            if (wait_outcome(barrier) == Outcome::broken) ++broken;
        }));
        threads.back()->start();
    }
    ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == kParties - 1; }));
    barrier.abort();
    for (auto& t : threads) t->join();
    EXPECT_EQ(broken.load(), kParties - 1);
    EXPECT_TRUE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0u);
    // Every later wait fails at once too.
    EXPECT_THROW(barrier.wait(), threading::BrokenBarrierError);
    EXPECT_THROW(barrier.wait(std::chrono::seconds(30)), threading::BrokenBarrierError);
}

TEST(Barrier, AbortFromAParticipant) {
    // CPython: lock_tests.BarrierTests.test_abort
    constexpr int kParties = 5;
    threading::Barrier barrier(kParties, {}, std::chrono::seconds(30));
    std::atomic<int> passed{0}, broken{0};
    run_threads(kParties, [&](int) {
        try {
            const std::size_t i = barrier.wait();
            if (i == kParties / 2) throw std::logic_error("oops");
            barrier.wait();
            ++passed;
        } catch (const threading::BrokenBarrierError&) {
            ++broken;
        } catch (const std::logic_error&) {
            barrier.abort();
        }
    });
    EXPECT_EQ(passed.load(), 0);
    EXPECT_EQ(broken.load(), kParties - 1);
    EXPECT_TRUE(barrier.broken());
}

TEST(Barrier, BrokenBarrierErrorIsARuntimeError) {
    threading::Barrier barrier(2);
    barrier.abort();
    try {
        barrier.wait();
        FAIL() << "wait() on a broken barrier did not throw";
    } catch (const threading::RuntimeError& e) {
        EXPECT_STREQ(e.what(), "barrier is broken");
    }
}

TEST(Barrier, ResetWakesWaitersWithBrokenBarrierError) {
    // CPython: lock_tests.BarrierTests.test_reset
    constexpr int kParties = 4;
    threading::Barrier barrier(kParties);
    std::vector<std::unique_ptr<threading::Thread>> threads;
    std::atomic<int> broken{0};
    for (int i = 0; i < kParties - 1; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] {
            if (wait_outcome(barrier) == Outcome::broken) ++broken;
        }));
        threads.back()->start();
    }
    ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == kParties - 1; }));
    barrier.reset();
    for (auto& t : threads) t->join();
    EXPECT_EQ(broken.load(), kParties - 1);
    // After a reset the barrier is usable again (not broken).
    EXPECT_FALSE(barrier.broken());
    std::atomic<int> passed{0};
    run_threads(kParties, [&](int) {
        if (wait_outcome(barrier) == Outcome::passed) ++passed;
    });
    EXPECT_EQ(passed.load(), kParties);
}

TEST(Barrier, ResetFromAParticipant) {
    // CPython: lock_tests.BarrierTests.test_reset
    constexpr int kParties = 5;
    threading::Barrier barrier(kParties, {}, std::chrono::seconds(30));
    std::atomic<int> passed{0}, broken{0}, passed_again{0};
    run_threads(kParties, [&](int) {
        const std::size_t i = barrier.wait();
        if (i == kParties / 2) {
            // Wait until the other threads are all in the barrier.
            while (barrier.n_waiting() < kParties - 1) std::this_thread::sleep_for(1ms);
            barrier.reset();
        } else {
            try {
                barrier.wait();
                ++passed;
            } catch (const threading::BrokenBarrierError&) {
                ++broken;
            }
        }
        // Now, pass the barrier again.
        barrier.wait();
        ++passed_again;
    });
    EXPECT_EQ(passed.load(), 0);
    EXPECT_EQ(broken.load(), kParties - 1);
    EXPECT_EQ(passed_again.load(), kParties);
}

TEST(Barrier, ResetOfAnIdleBarrierIsHarmless) {
    threading::Barrier barrier(2);
    barrier.reset();
    EXPECT_FALSE(barrier.broken());
    std::atomic<int> passed{0};
    run_threads(2, [&](int) {
        if (wait_outcome(barrier) == Outcome::passed) ++passed;
    });
    EXPECT_EQ(passed.load(), 2);
}

TEST(Barrier, AbortAndReset) {
    // CPython: lock_tests.BarrierTests.test_abort_and_reset
    constexpr int kParties = 5;
    threading::Barrier barrier(kParties, {}, std::chrono::seconds(30));
    threading::Barrier barrier2(kParties);
    std::atomic<int> passed{0}, broken{0}, passed_after_reset{0};
    run_threads(kParties, [&](int) {
        try {
            const std::size_t i = barrier.wait();
            if (i == kParties / 2) throw std::logic_error("oops");
            barrier.wait();
            ++passed;
        } catch (const threading::BrokenBarrierError&) {
            ++broken;
        } catch (const std::logic_error&) {
            barrier.abort();
        }
        // Synchronize and reset the barrier. Must synchronize first so that
        // everyone has left it when we reset, and after so that no one
        // enters it before the reset.
        if (barrier2.wait() == kParties / 2) barrier.reset();
        barrier2.wait();
        barrier.wait();
        ++passed_after_reset;
    });
    EXPECT_EQ(passed.load(), 0);
    EXPECT_EQ(broken.load(), kParties - 1);
    EXPECT_EQ(passed_after_reset.load(), kParties);
    EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, WaitTimeoutBreaksTheBarrier) {
    // CPython: lock_tests.BarrierTests.test_timeout
    threading::Barrier barrier(2);
    Stopwatch watch;
    EXPECT_THROW(barrier.wait(std::chrono::milliseconds(50)), threading::BrokenBarrierError);
    EXPECT_GE(watch.elapsed(), 45ms);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_TRUE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0u);
    EXPECT_THROW(barrier.wait(), threading::BrokenBarrierError);
    barrier.reset();
    EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, TimeoutOfOneBreaksItForTheOthers) {
    // CPython: lock_tests.BarrierTests.test_timeout
    constexpr int kParties = 3;
    threading::Barrier barrier(kParties);
    std::vector<std::unique_ptr<threading::Thread>> threads;
    std::atomic<int> broken{0};
    threads.push_back(std::make_unique<threading::Thread>([&] {
        if (wait_outcome(barrier) == Outcome::broken) ++broken;  // no timeout
    }));
    threads.back()->start();
    ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == 1; }));
    threads.push_back(std::make_unique<threading::Thread>([&] {
        try {
            barrier.wait(std::chrono::milliseconds(30));
        } catch (const threading::BrokenBarrierError&) {
            ++broken;
        }
    }));
    threads.back()->start();
    for (auto& t : threads) t->join();
    EXPECT_EQ(broken.load(), 2);
    EXPECT_TRUE(barrier.broken());
}

TEST(Barrier, DefaultTimeout) {
    // CPython: lock_tests.BarrierTests.test_default_timeout
    threading::Barrier barrier(2, {}, std::chrono::milliseconds(50));
    Stopwatch watch;
    EXPECT_THROW(barrier.wait(), threading::BrokenBarrierError);
    EXPECT_GE(watch.elapsed(), 45ms);
    EXPECT_TRUE(barrier.broken());
}

TEST(Barrier, ExplicitTimeoutOverridesDefault) {
    threading::Barrier barrier(2, {}, std::chrono::hours(1));
    Stopwatch watch;
    EXPECT_THROW(barrier.wait(std::chrono::milliseconds(20)), threading::BrokenBarrierError);
    EXPECT_GE(watch.elapsed(), 15ms);
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(Barrier, NegativeTimeoutBreaksAtOnce) {
    threading::Barrier barrier(2);
    Stopwatch watch;
    EXPECT_THROW(barrier.wait(std::chrono::seconds(-1)), threading::BrokenBarrierError);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_TRUE(barrier.broken());
}

TEST(Barrier, TimeoutIsIrrelevantForTheLastArrival) {
    threading::Barrier barrier(2);
    std::atomic<bool> ok{false};
    threading::Thread t([&] { ok = wait_outcome(barrier) == Outcome::passed; });
    t.start();
    ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == 1; }));
    EXPECT_EQ(barrier.wait(std::chrono::seconds(-1)), 1u);  // completes the barrier
    t.join();
    EXPECT_TRUE(ok.load());
    EXPECT_FALSE(barrier.broken());
}

TEST(Barrier, ThrowingActionBreaksTheBarrier) {
    constexpr int kParties = 3;
    threading::Barrier barrier(kParties, [] { throw std::domain_error("action failed"); });
    std::vector<std::unique_ptr<threading::Thread>> threads;
    std::atomic<int> broken{0};
    for (int i = 0; i < kParties - 1; ++i) {
        threads.push_back(std::make_unique<threading::Thread>([&] {
            if (wait_outcome(barrier) == Outcome::broken) ++broken;
        }));
        threads.back()->start();
    }
    ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == kParties - 1; }));
    // The last thread runs the action; its exception propagates from wait().
    try {
        barrier.wait();
        FAIL() << "the action's exception was not propagated";
    } catch (const std::domain_error& e) {
        EXPECT_STREQ(e.what(), "action failed");
    }
    for (auto& t : threads) t->join();
    EXPECT_EQ(broken.load(), kParties - 1);
    EXPECT_TRUE(barrier.broken());
    EXPECT_THROW(barrier.wait(), threading::BrokenBarrierError);
}

TEST(Barrier, ResetAfterThrowingActionMakesItUsable) {
    bool fail = true;
    int actions = 0;
    threading::Barrier barrier(2, [&] {
        ++actions;
        if (fail) throw std::runtime_error("first time");
    });
    std::atomic<int> outcomes_broken{0};
    threading::Thread t([&] {
        if (wait_outcome(barrier) == Outcome::broken) ++outcomes_broken;
    });
    t.start();
    ASSERT_TRUE(eventually([&] { return barrier.n_waiting() == 1; }));
    EXPECT_THROW(barrier.wait(), std::runtime_error);
    t.join();
    EXPECT_EQ(outcomes_broken.load(), 1);
    barrier.reset();
    fail = false;
    std::atomic<int> passed{0};
    run_threads(2, [&](int) {
        if (wait_outcome(barrier) == Outcome::passed) ++passed;
    });
    EXPECT_EQ(passed.load(), 2);
    EXPECT_EQ(actions, 2);
}

TEST(Barrier, ManyCyclesWithSmallParties) {
    constexpr int kCycles = 100;
    threading::Barrier barrier(2);
    std::atomic<int> sum{0};
    run_threads(2, [&](int) {
        for (int i = 0; i < kCycles; ++i) sum += static_cast<int>(barrier.wait());
    });
    EXPECT_EQ(sum.load(), kCycles);  // indices 0 + 1 per cycle
}
