// multiprocessing::Event: the flag in one process, and set/wait across
// processes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include <concur/multiprocessing/event.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Ports _TestEvent.test_event (the single-process part).
TEST(Event, SetClearWait) {
    mp::Event event;
    EXPECT_FALSE(event.is_set());
    EXPECT_FALSE(event.wait(0s));
    const auto start = Clock::now();
    EXPECT_FALSE(event.wait(60ms));
    EXPECT_GE(Clock::now() - start, 55ms);
    event.set();
    EXPECT_TRUE(event.is_set());
    EXPECT_TRUE(event.wait());
    EXPECT_TRUE(event.wait(0s));
    event.clear();
    EXPECT_FALSE(event.is_set());
    EXPECT_FALSE(event.wait(0s));
}

// Ports _TestEvent.test_event (the child that sets it).
TEST(Event, ChildSetsParentWaits) {
    mp::Event event;
    const pid_t pid = concur_test::fork_child([event]() mutable {
        std::this_thread::sleep_for(30ms);
        event.set();
    });
    EXPECT_TRUE(event.wait(5s));
    EXPECT_EQ(concur_test::join_child(pid), 0);
}

TEST(Event, ParentSetReleasesEveryWaitingChild) {
    mp::Event go;
    std::vector<pid_t> children;
    for (int c = 0; c < 3; ++c)
        children.push_back(concur_test::fork_child([&] { return go.wait(5s); }));
    std::this_thread::sleep_for(30ms);
    go.set();
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
}

// threading.Event's rule: a waiter parked when set() is called returns true
// even if clear() follows at once.
TEST(Event, SetThenClearStillReleasesAWaitingChild) {
    mp::Event event;
    mp::Event parked;
    const pid_t pid = concur_test::fork_child([&] {
        parked.set();
        return event.wait(5s);
    });
    ASSERT_TRUE(parked.wait(5s));
    std::this_thread::sleep_for(50ms);  // let it park
    event.set();
    event.clear();
    EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_FALSE(event.is_set());
}

TEST(Event, SerialisedHandleRefersToTheSameEvent) {
    mp::Event event;
    mp::Event received = concur_test::round_trip(event, mp::Event());
    received.set();
    EXPECT_TRUE(event.is_set());
}

}  // namespace
