// queue::LifoQueue<T>: last in, first out; otherwise Queue's behaviour (the
// shared Basics suite; task tracking and shutdown in their own files).
#include <memory>
#include <string>
#include <vector>

#include "basic_contract.hpp"
#include "queue_test_support.hpp"

namespace concur_queue_test {
namespace {

using LifoFlavors = ::testing::Types<LifoFlavor, LifoFragileFlavor>;
INSTANTIATE_TYPED_TEST_SUITE_P(LifoQueue, Basics, LifoFlavors, FlavorName);

// CPython: test_queue.LifoQueueTest (basic_queue_test's LifoQueue order)
TEST(LifoQueue, LastInFirstOut) {
    queue::LifoQueue<int> stack;
    stack.put(111);
    stack.put(333);
    stack.put(222);
    EXPECT_EQ(stack.get(), 222);
    EXPECT_EQ(stack.get(), 333);
    EXPECT_EQ(stack.get(), 111);
    EXPECT_TRUE(stack.empty());
}

TEST(LifoQueue, NewestItemComesFirstAfterInterleaving) {
    queue::LifoQueue<int> stack;
    stack.put(1);
    stack.put(2);
    EXPECT_EQ(stack.get(), 2);
    stack.put(3);
    stack.put(4);
    EXPECT_EQ(stack.get(), 4);
    EXPECT_EQ(stack.get(), 3);
    stack.put(5);
    EXPECT_EQ(stack.get(), 5);
    EXPECT_EQ(stack.get(), 1);
    EXPECT_THROW(stack.get_nowait(), queue::Empty);
}

TEST(LifoQueue, UnboundedByDefault) {
    queue::LifoQueue<int> stack;
    EXPECT_EQ(stack.maxsize(), 0);
    const int n = 50000;
    for (int i = 0; i < n; ++i) stack.put_nowait(i);
    EXPECT_FALSE(stack.full());
    EXPECT_EQ(stack.qsize(), static_cast<std::size_t>(n));
    for (int i = n - 1; i >= 0; --i) ASSERT_EQ(stack.get_nowait(), i);
    queue::LifoQueue<int> negative(-5);
    EXPECT_EQ(negative.maxsize(), -5);
    negative.put_nowait(1);
    EXPECT_FALSE(negative.full());
}

TEST(LifoQueue, MaxsizeBoundsIt) {
    queue::LifoQueue<std::string> stack(2);
    EXPECT_EQ(stack.maxsize(), 2);
    stack.put("a");
    stack.put("b");
    EXPECT_TRUE(stack.full());
    EXPECT_THROW(stack.put_nowait("c"), queue::Full);
    EXPECT_EQ(stack.get(), "b");
    stack.put("c");
    EXPECT_EQ(stack.get(), "c");
    EXPECT_EQ(stack.get(), "a");
}

TEST(LifoQueue, MoveOnlyItems) {
    queue::LifoQueue<std::unique_ptr<int>> stack(3);
    stack.put(std::make_unique<int>(1));
    stack.put_nowait(std::make_unique<int>(2));
    stack.put(std::make_unique<int>(3), 1s);
    EXPECT_THROW(stack.put_nowait(std::make_unique<int>(4)), queue::Full);
    EXPECT_EQ(*stack.get(), 3);
    EXPECT_EQ(*stack.get_nowait(), 2);
    EXPECT_EQ(*stack.get(1s), 1);
}

// With one producer and one consumer every item arrives exactly once, even
// though the order depends on the interleaving.
TEST(LifoQueue, ProducerConsumerLosesNothing) {
    queue::LifoQueue<int> stack(4);
    const int n = scaled(10000);
    Background producer([&] {
        for (int i = 0; i < n; ++i) stack.put(i);
    });
    std::vector<bool> seen(n, false);
    int count = 0;
    for (; count < n; ++count) {
        const int v = stack.get(true, kPatience);
        if (v < 0 || v >= n || seen[v]) break;
        seen[v] = true;
    }
    EXPECT_EQ(count, n) << "an item was lost or duplicated";
    ASSERT_TRUE(settles(producer, stack));
    EXPECT_EQ(producer.failure(), "");
}

}  // namespace
}  // namespace concur_queue_test
