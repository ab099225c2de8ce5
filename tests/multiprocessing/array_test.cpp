// multiprocessing::Array: construction, element access, its lock, exact totals
// from processes that increment under the lock, serialisation.
#include <gtest/gtest.h>

#include <mutex>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <concur/multiprocessing/array.hpp>
#include <concur/multiprocessing/exceptions.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;

namespace {

// Ports _TestArray.test_array / test_rawarray (construction and access).
TEST(Array, ConstructionFromASizeAListOrARange) {
    mp::Array<int> zeros(5);
    EXPECT_EQ(zeros.size(), 5u);
    EXPECT_EQ(std::accumulate(zeros.begin(), zeros.end(), 0), 0);
    mp::Array<int> listed{1, 2, 3};
    EXPECT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[2], 3);
    const std::vector<double> source{0.5, 1.5};
    mp::Array<double> ranged(source);
    EXPECT_EQ(std::vector<double>(ranged.begin(), ranged.end()), source);
    mp::Array<char> empty(0);
    EXPECT_EQ(empty.begin(), empty.end());
}

TEST(Array, CopiesAreHandlesToTheSameElements) {
    mp::Array<int> a(2);
    mp::Array<int> copy = a;  // not the range constructor
    const mp::Array<int>& ref = a;
    mp::Array<int> from_const = ref;
    copy[0] = 4;
    from_const[1] = 5;
    EXPECT_EQ(a[0], 4);
    EXPECT_EQ(a[1], 5);
}

TEST(Array, AtChecksBoundsAndLockFreeHasNoLock) {
    mp::Array<int> a{1, 2};
    a.at(1) = 5;
    EXPECT_EQ(a[1], 5);
    EXPECT_THROW(a.at(2), std::out_of_range);
    mp::Array<int> raw(3, mp::lock_free);
    EXPECT_THROW(raw.get_lock(), mp::RuntimeError);
}

// Ports _TestArray.test_array (a child fills it, the parent reads it).
TEST(Array, ChildFillsTheParentReads) {
    mp::Array<int> a(10);
    const pid_t pid = concur_test::fork_child([a] {
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int>(i * i);
    });
    ASSERT_EQ(concur_test::join_child(pid), 0);
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], static_cast<int>(i * i));
}

TEST(Array, ProcessesIncrementingUnderTheLockGiveExactTotals) {
    constexpr int kChildren = 3;
    constexpr int kRounds = 1000;
    mp::Array<long> a(4);
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c)
        children.push_back(concur_test::fork_child([&] {
            for (int i = 0; i < kRounds; ++i) {
                std::lock_guard guard(a.get_lock());
                for (long& x : a) x += 1;
            }
        }));
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    for (long x : a) EXPECT_EQ(x, kChildren * kRounds);
}

TEST(Array, SerialisedHandleRefersToTheSameArray) {
    mp::Array<int> a{1, 2, 3};
    mp::Array<int> received = concur_test::round_trip(a, mp::Array<int>(0));
    ASSERT_EQ(received.size(), 3u);
    received[0] = 9;
    EXPECT_EQ(a[0], 9);
}

}  // namespace
