// queue::PriorityQueue<T, Compare>: the lowest item (by Compare) first, as
// Python's heapq-based queue; otherwise Queue's behaviour (the shared Basics
// suite; task tracking and shutdown in their own files, a throwing Compare in
// exception_safety_test.cpp).
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "basic_contract.hpp"
#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

using PriorityFlavors = ::testing::Types<PriorityFlavor, PriorityFragileFlavor>;
INSTANTIATE_TYPED_TEST_SUITE_P(PriorityQueue, Basics, PriorityFlavors, FlavorName);

// CPython: test_queue.PriorityQueueTest (basic_queue_test's PriorityQueue order)
TEST(PriorityQueue, LowestFirst) {
    queue::PriorityQueue<int> q;
    q.put(111);
    q.put(333);
    q.put(222);
    EXPECT_EQ(q.get(), 111);
    EXPECT_EQ(q.get(), 222);
    EXPECT_EQ(q.get(), 333);
}

// The opposite of std::priority_queue: the smallest comes out first.
TEST(PriorityQueue, SortsAnyInputAscending) {
    queue::PriorityQueue<int> q;
    std::vector<int> values;
    unsigned seed = 7;
    for (int i = 0; i < 5000; ++i) {
        seed = seed * 1664525u + 1013904223u;
        values.push_back(static_cast<int>(seed >> 20) - 2048);  // with duplicates
    }
    for (int v : values) q.put(v);
    std::sort(values.begin(), values.end());
    for (int v : values) ASSERT_EQ(q.get_nowait(), v);
    EXPECT_TRUE(q.empty());
}

// Python's typical (priority, data) tuples, compared lexicographically.
TEST(PriorityQueue, PairsLowestPriorityFirst) {
    queue::PriorityQueue<std::pair<int, std::string>> jobs;
    jobs.put({2, "code"});
    jobs.put({1, "eat"});
    jobs.put({3, "sleep"});
    jobs.put({1, "drink"});  // equal priority: the data breaks the tie
    auto [p1, j1] = jobs.get();
    EXPECT_EQ(p1, 1);
    EXPECT_EQ(j1, "drink");
    EXPECT_EQ(jobs.get(), std::make_pair(1, std::string("eat")));
    EXPECT_EQ(jobs.get(), std::make_pair(2, std::string("code")));
    EXPECT_EQ(jobs.get(), std::make_pair(3, std::string("sleep")));
    EXPECT_THROW(jobs.get_nowait(), queue::Empty);
}

TEST(PriorityQueue, TuplesCompareLexicographically) {
    using Job = std::tuple<int, double, std::string>;
    queue::PriorityQueue<Job> q;
    q.put(Job{1, 2.5, "b"});
    q.put(Job{1, 2.5, "a"});
    q.put(Job{0, 9.0, "z"});
    q.put(Job{1, 0.5, "z"});
    EXPECT_EQ(q.get(), (Job{0, 9.0, "z"}));
    EXPECT_EQ(q.get(), (Job{1, 0.5, "z"}));
    EXPECT_EQ(q.get(), (Job{1, 2.5, "a"}));
    EXPECT_EQ(q.get(), (Job{1, 2.5, "b"}));
}

// With std::greater the *largest* is "lowest" and comes first.
TEST(PriorityQueue, CustomComparatorReversesTheOrder) {
    queue::PriorityQueue<int, std::greater<int>> q;
    for (int v : {5, 1, 9, 3, 7}) q.put(v);
    for (int v : {9, 7, 5, 3, 1}) EXPECT_EQ(q.get(), v);
}

// A stateful comparator (a lambda with a capture) passed to the constructor.
TEST(PriorityQueue, StatefulComparatorFromTheConstructor) {
    const int pivot = 10;
    auto by_distance = [pivot](int a, int b) { return std::abs(a - pivot) < std::abs(b - pivot); };
    queue::PriorityQueue<int, decltype(by_distance)> q(3, by_distance);
    EXPECT_EQ(q.maxsize(), 3);
    q.put(0);
    q.put(13);
    q.put(9);
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(10), queue::Full);
    EXPECT_EQ(q.get(), 9);
    EXPECT_EQ(q.get(), 13);
    EXPECT_EQ(q.get(), 0);
}

// Move-only items with a comparator on what they point to.
TEST(PriorityQueue, MoveOnlyItemsWithCustomComparator) {
    struct ByPointee {
        bool operator()(const std::unique_ptr<int>& a, const std::unique_ptr<int>& b) const {
            return *a < *b;
        }
    };
    queue::PriorityQueue<std::unique_ptr<int>, ByPointee> q;
    for (int v : {4, 2, 8, 6}) q.put(std::make_unique<int>(v));
    for (int v : {2, 4, 6, 8}) {
        std::unique_ptr<int> p = q.get();
        ASSERT_TRUE(p);
        EXPECT_EQ(*p, v);
    }
}

// Priorities with items whose moves may throw (stored behind pointers).
TEST(PriorityQueue, FragileItemsKeepTheHeapOrder) {
    queue::PriorityQueue<Fragile> q;
    for (int v : {30, 10, 50, 20, 40}) q.put(Fragile(v));
    for (int v : {10, 20, 30, 40, 50}) EXPECT_EQ(q.get().value, v);
}

// Concurrent producers: every item arrives exactly once, and once producers
// are done the rest comes out sorted.
TEST(PriorityQueue, ConcurrentProducersLoseNothing) {
    queue::PriorityQueue<int> q(64);
    const int per = scaled(8000);
    Background a([&] {
        for (int i = 0; i < per; ++i) q.put(2 * i);
    });
    Background b([&] {
        for (int i = 0; i < per; ++i) q.put(2 * i + 1);
    });
    std::vector<int> got;
    while (got.size() < static_cast<std::size_t>(2 * per)) {
        try {
            got.push_back(q.get(true, kPatience));
        } catch (const queue::Empty&) {
            break;
        }
    }
    ASSERT_TRUE(settles(a, q));
    ASSERT_TRUE(settles(b, q));
    EXPECT_EQ(a.failure(), "");
    EXPECT_EQ(b.failure(), "");
    std::sort(got.begin(), got.end());
    std::vector<int> expected(2 * per);
    for (int i = 0; i < 2 * per; ++i) expected[i] = i;
    EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace concur_queue_test
