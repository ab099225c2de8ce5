// multiprocessing::Barrier: arguments and breaking in one process; three
// processes meeting twice, the action, abort across processes; serialisation.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <concur/multiprocessing/array.hpp>
#include <concur/multiprocessing/barrier.hpp>
#include <concur/multiprocessing/value.hpp>

#include "fork_support.hpp"

namespace mp = concur::multiprocessing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

TEST(Barrier, PartiesMustBePositive) {
    EXPECT_THROW(mp::Barrier(0), mp::ValueError);
    EXPECT_THROW(mp::Barrier(-1), mp::ValueError);
    mp::Barrier one(1);
    EXPECT_EQ(one.parties(), 1u);
    EXPECT_EQ(one.wait(), 0u);
    EXPECT_EQ(one.wait(), 0u);
}

// Ports _TestBarrier.test_timeout / test_reset (single process).
TEST(Barrier, TimeoutBreaksItAndResetRepairsIt) {
    mp::Barrier barrier(2);
    const auto start = Clock::now();
    EXPECT_THROW(barrier.wait(50ms), mp::BrokenBarrierError);
    EXPECT_GE(Clock::now() - start, 45ms);
    EXPECT_TRUE(barrier.broken());
    EXPECT_THROW(barrier.wait(0s), mp::BrokenBarrierError);
    barrier.reset();
    EXPECT_FALSE(barrier.broken());
    EXPECT_EQ(barrier.n_waiting(), 0u);
}

// Ports _TestBarrier.test_barrier (3 processes, reused twice) and
// test_action.
TEST(Barrier, ThreeProcessesMeetTwiceAndTheActionRunsOncePerCycle) {
    mp::Value<int> actions(0);
    mp::Barrier barrier(
        3, [&] { actions.value(actions.value() + 1); }, std::chrono::seconds(5));
    mp::Array<int> indices(6);  // [party * 2 + round]
    std::vector<pid_t> children;
    for (int party = 1; party <= 2; ++party)
        children.push_back(concur_test::fork_child([&, party] {
            for (int round = 0; round < 2; ++round)
                indices[static_cast<std::size_t>(party * 2 + round)] =
                    static_cast<int>(barrier.wait());
        }));
    for (int round = 0; round < 2; ++round)
        indices[static_cast<std::size_t>(round)] = static_cast<int>(barrier.wait());
    for (pid_t pid : children) EXPECT_EQ(concur_test::join_child(pid), 0);
    for (int round = 0; round < 2; ++round) {
        std::vector<int> seen;
        for (int party = 0; party < 3; ++party)
            seen.push_back(indices[static_cast<std::size_t>(party * 2 + round)]);
        std::sort(seen.begin(), seen.end());
        EXPECT_EQ(seen, (std::vector<int>{0, 1, 2})) << "round " << round;
    }
    EXPECT_EQ(actions.value(), 2);
    EXPECT_FALSE(barrier.broken());
}

// Ports _TestBarrier.test_abort.
TEST(Barrier, AbortReleasesAWaitingProcessWithBrokenBarrierError) {
    mp::Barrier barrier(2);
    const pid_t pid = concur_test::fork_child([&] {
        try {
            barrier.wait(5s);
        } catch (const mp::BrokenBarrierError&) {
            return true;
        }
        return false;
    });
    const auto deadline = Clock::now() + 5s;
    while (barrier.n_waiting() != 1 && Clock::now() < deadline) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(barrier.n_waiting(), 1u);
    barrier.abort();
    EXPECT_EQ(concur_test::join_child(pid), 0);
    EXPECT_TRUE(barrier.broken());
}

TEST(Barrier, ActionThatThrowsBreaksTheBarrier) {
    mp::Barrier barrier(1, [] { throw std::runtime_error("action failed"); });
    EXPECT_THROW(barrier.wait(), std::runtime_error);
    EXPECT_TRUE(barrier.broken());
}

TEST(Barrier, SerialisedHandleRefersToTheSameBarrier) {
    mp::Barrier barrier(2, {}, std::chrono::seconds(5));
    mp::Barrier received = concur_test::round_trip(barrier, mp::Barrier(1));
    EXPECT_EQ(received.parties(), 2u);
    std::size_t other = 99;
    std::thread thread([&] { other = received.wait(); });
    const std::size_t mine = barrier.wait();
    thread.join();
    EXPECT_EQ(mine + other, 1u);
}

}  // namespace
