// concur/asyncio/barrier.hpp
// -----------------------------------------------------------------------------
// `asyncio::Barrier` mirrors Python's asyncio.Barrier (3.11): `parties`
// tasks wait for each other.
//
//   co_await barrier.wait()   -> this task's arrival index, 0 .. parties-1;
//                                the last to arrive releases them all
//   barrier.abort()           every waiter, and every later wait(), raises
//                             BrokenBarrierError until reset()
//   co_await barrier.reset()  waiters raise BrokenBarrierError; the barrier
//                             is usable again
//   parties(), n_waiting(), broken()
//
// A task cancelled while it waits leaves the barrier (it no longer counts
// among the arrivals) and raises CancelledError. Barrier(0) or a negative
// count is ValueError. Loop-thread only.
//
// Example:
//
//   asyncio::Barrier barrier(3);
//   asyncio::Coroutine<void> worker() { int i = co_await barrier.wait(); ... }
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/threading/exceptions.hpp>

#include <cstdint>
#include <memory>

namespace concur::asyncio {

using concur::BrokenBarrierError;

class Barrier {
  public:
    explicit Barrier(std::int64_t parties);
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;

    Coroutine<std::int64_t> wait();
    // Python's reset() is a coroutine; this one completes at once.
    Coroutine<void> reset();
    void abort();

    std::int64_t parties() const noexcept { return parties_; }
    std::int64_t n_waiting() const noexcept { return count_; }
    bool broken() const noexcept { return broken_; }

  private:
    // One filling of the barrier: how it ended, for the tasks woken from it.
    struct Round {
        bool broken = false;
    };
    void break_round();

    std::int64_t parties_;
    std::int64_t count_ = 0;
    bool broken_ = false;
    std::shared_ptr<Round> round_ = std::make_shared<Round>();
    detail::WaitQueue waiters_;
};

}  // namespace concur::asyncio
