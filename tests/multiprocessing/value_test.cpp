// multiprocessing::Value: reads and writes, its lock, lock_free, exact totals
// from processes that increment under the lock, serialisation.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include <concur/multiprocessing/exceptions.hpp>
#include <concur/multiprocessing/value.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;

namespace {

struct Point {
    double x;
    double y;
    int tag;
};

// Ports _TestValue.test_value (the types are C++ types here).
TEST(Value, HoldsAndReplacesItsValue) {
    mp::Value<int> zero;
    EXPECT_EQ(zero.value(), 0);
    mp::Value<double> d(1.25);
    EXPECT_EQ(d.value(), 1.25);
    d.value(-2.5);
    EXPECT_EQ(d.value(), -2.5);
    mp::Value<Point> p(Point{1.0, 2.0, 3});
    p.value(Point{4.0, 5.0, 6});
    EXPECT_EQ(p.value().y, 5.0);
    EXPECT_EQ(p.value().tag, 6);
}

// Ports _TestValue.test_getobj_getlock.
TEST(Value, GetLockIsAReentrantLockAndLockFreeHasNone) {
    mp::Value<long> v(0);
    {
        std::lock_guard outer(v.get_lock());
        std::lock_guard inner(v.get_lock());
        EXPECT_TRUE(v.get_lock().locked());
    }
    EXPECT_FALSE(v.get_lock().locked());
    mp::Value<long> raw(7, mp::lock_free);
    EXPECT_EQ(raw.value(), 7);
    EXPECT_THROW(raw.get_lock(), mp::RuntimeError);
}

TEST(Value, ChildWritesAreSeenByTheParent) {
    mp::Value<int> v(1);
    const pid_t pid = concur_test::fork_child([v]() mutable { v.value(v.value() * 10); });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(v.value(), 10);
}

// The classic shared counter (Python docs, "Sharing state between processes").
TEST(Value, ProcessesIncrementingUnderTheLockGiveAnExactTotal) {
    constexpr int kChildren = 4;
    constexpr int kIncrements = 1000;
    mp::Value<long> counter(0);
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c)
        children.push_back(concur_test::fork_child([&] {
            for (int i = 0; i < kIncrements; ++i) {
                std::lock_guard guard(counter.get_lock());
                counter.value(counter.value() + 1);
            }
        }));
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_EQ(counter.value(), kChildren * kIncrements);
}

TEST(Value, SerialisedHandleRefersToTheSameValueAndLock) {
    mp::Value<int> v(5);
    mp::Value<int> received = concur_test::round_trip(v, mp::Value<int>());
    EXPECT_EQ(received.value(), 5);
    received.value(6);
    EXPECT_EQ(v.value(), 6);
    std::lock_guard guard(v.get_lock());
    EXPECT_TRUE(received.get_lock().locked());
}

}  // namespace
