// Tests for concur::threading::Event (Python's threading.Event).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <concur/threading.hpp>

#include "test_support.hpp"

namespace threading = concur::threading;
using namespace concur_test;

namespace {

// `n` threads that each call `body` once and count its true results.
class Bunch {
  public:
    template <class F>
    Bunch(int n, F body) {
        for (int i = 0; i < n; ++i) {
            threads_.push_back(std::make_unique<threading::Thread>([this, body] {
                ++started_;
                if (body()) ++true_results_;
                ++finished_;
            }));
            threads_.back()->start();
        }
    }
    ~Bunch() { join(); }
    void join() {
        for (auto& t : threads_)
            if (t->is_alive()) t->join();
    }
    // Waits until every thread has started and sleeps in a blocking call.
    void wait_until_all_parked() {
        ASSERT_TRUE(eventually([&] { return started_.load() == size(); }));
        for (auto& t : threads_) ASSERT_TRUE(wait_until_parked(*t->native_id()));
    }
    int size() const { return static_cast<int>(threads_.size()); }
    int finished() const { return finished_.load(); }
    int true_results() const { return true_results_.load(); }

  private:
    std::vector<std::unique_ptr<threading::Thread>> threads_;
    std::atomic<int> started_{0}, finished_{0}, true_results_{0};
};

}  // namespace

TEST(Event, IsSetSetClear) {
    // CPython: lock_tests.EventTests.test_is_set
    threading::Event event;
    EXPECT_FALSE(event.is_set());
    event.set();
    EXPECT_TRUE(event.is_set());
    event.set();
    EXPECT_TRUE(event.is_set());
    event.clear();
    EXPECT_FALSE(event.is_set());
    event.clear();
    EXPECT_FALSE(event.is_set());
}

TEST(Event, WaitReturnsAtOnceWhenSet) {
    threading::Event event;
    event.set();
    Stopwatch watch;
    EXPECT_TRUE(event.wait());
    EXPECT_TRUE(event.wait(std::chrono::seconds(0)));
    EXPECT_TRUE(event.wait(std::chrono::seconds(-1)));
    EXPECT_TRUE(event.wait(std::chrono::hours(1)));
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_TRUE(event.is_set());  // waiting does not consume the flag
}

TEST(Event, WaitTimeoutReturnsFalse) {
    // CPython: lock_tests.EventTests.test_timeout
    threading::Event event;
    Stopwatch watch;
    EXPECT_FALSE(event.wait(std::chrono::milliseconds(50)));
    EXPECT_GE(watch.elapsed(), 45ms);
    EXPECT_LT(watch.elapsed(), kSlow);
    EXPECT_FALSE(event.is_set());
}

TEST(Event, ZeroAndNegativeTimeoutsReturnAtOnce) {
    threading::Event event;
    Stopwatch watch;
    EXPECT_FALSE(event.wait(std::chrono::seconds(0)));
    EXPECT_FALSE(event.wait(std::chrono::seconds(-1)));
    EXPECT_FALSE(event.wait(std::chrono::duration<double>(-1e100)));
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(Event, TimeoutFromSeveralThreads) {
    // CPython: lock_tests.EventTests.test_timeout
    threading::Event event;
    std::atomic<int> zero_timeout_true{0};
    std::atomic<long long> min_elapsed_ms{1'000'000};
    {
        Bunch bunch(5, [&] {
            if (event.wait(std::chrono::seconds(0))) ++zero_timeout_true;
            Stopwatch watch;
            const bool result = event.wait(std::chrono::milliseconds(50));
            const long long ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(watch.elapsed()).count();
            long long seen = min_elapsed_ms.load();
            while (ms < seen && !min_elapsed_ms.compare_exchange_weak(seen, ms)) {
            }
            return result;
        });
        bunch.join();
        EXPECT_EQ(bunch.true_results(), 0);
    }
    EXPECT_EQ(zero_timeout_true.load(), 0);
    EXPECT_GE(min_elapsed_ms.load(), 45);
    // Once set, every wait succeeds.
    event.set();
    Bunch bunch(5, [&] {
        return event.wait(std::chrono::seconds(0)) && event.wait(std::chrono::milliseconds(50));
    });
    bunch.join();
    EXPECT_EQ(bunch.true_results(), 5);
}

TEST(Event, SetWakesAllWaiters) {
    // CPython: lock_tests.EventTests.test_notify
    threading::Event event;
    for (int round = 0; round < 2; ++round) {
        Bunch bunch(5, [&] { return event.wait() && event.wait(); });
        bunch.wait_until_all_parked();
        EXPECT_EQ(bunch.finished(), 0);
        event.set();
        bunch.join();
        EXPECT_EQ(bunch.true_results(), 5);
        // Another time, after an explicit clear().
        event.set();
        event.clear();
    }
}

TEST(Event, SetWakesTimedWaitersBeforeTheirTimeout) {
    threading::Event event;
    Bunch bunch(4, [&] { return event.wait(std::chrono::seconds(30)); });
    bunch.wait_until_all_parked();
    Stopwatch watch;
    event.set();
    bunch.join();
    EXPECT_EQ(bunch.true_results(), 4);
    EXPECT_LT(watch.elapsed(), kSlow);
}

TEST(Event, SetThenClearStillReleasesWaiters) {
    // CPython: lock_tests.EventTests.test_set_and_clear
    threading::Event event;
    Bunch bunch(5, [&] { return event.wait(std::chrono::seconds(30)); });
    bunch.wait_until_all_parked();
    event.set();
    event.clear();
    bunch.join();
    EXPECT_EQ(bunch.true_results(), 5);
    EXPECT_FALSE(event.is_set());
}

TEST(Event, SetThenClearReleasesUntimedWaiters) {
    threading::Event event;
    Bunch bunch(3, [&] { return event.wait(); });
    bunch.wait_until_all_parked();
    event.set();
    event.clear();
    bunch.join();
    EXPECT_EQ(bunch.true_results(), 3);
}

TEST(Event, WaitAfterClearBlocksAgain) {
    threading::Event event;
    event.set();
    event.clear();
    Stopwatch watch;
    EXPECT_FALSE(event.wait(std::chrono::milliseconds(20)));
    EXPECT_GE(watch.elapsed(), 15ms);
}

TEST(Event, RepeatedSetClearCycles) {
    // Each cycle's waiter is released by that cycle's set().
    threading::Event go, done;
    std::atomic<int> rounds{0};
    constexpr int kRounds = 50;
    threading::Thread t([&] {
        for (int i = 0; i < kRounds; ++i) {
            go.wait();
            go.clear();
            ++rounds;
            done.set();
        }
    });
    t.start();
    for (int i = 0; i < kRounds; ++i) {
        go.set();
        ASSERT_TRUE(done.wait(std::chrono::seconds(30)));
        done.clear();
    }
    t.join();
    EXPECT_EQ(rounds.load(), kRounds);
}

TEST(Event, SetPublishesPriorWrites) {
    // What the setter wrote before set() is visible to the waiter (TSan).
    threading::Event event;
    std::string message;
    std::string seen;
    threading::Thread t([&] {
        event.wait();
        seen = message;
    });
    t.start();
    message = "hello";
    event.set();
    t.join();
    EXPECT_EQ(seen, "hello");
}
