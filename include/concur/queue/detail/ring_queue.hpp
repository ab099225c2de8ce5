// concur/queue/detail/ring_queue.hpp -- private: queue.Queue's whole contract
// (put/get, task_done/join, shutdown) on a BoundedRing, for a bounded Queue of
// a nothrow-movable T. The same interface as LockedQueue, so Queue<T> picks
// either with one dispatch.
//
// Task accounting: Python's unfinished_tasks is ring.puts() - done, where
// `done_` counts task_done() calls (and items an immediate shutdown
// discarded); so put() pays nothing for it.
//
// Memory ordering: done_ is a 64-bit word with waiter.hpp's sleepers bit at
// the top; join() parks on its low half (wait_on), which every change of the
// count alters. task_done() reads puts() *before* its CAS, so that the CAS --
// which both counts the task and returns the sleepers bit -- is its last
// access to the queue: a joiner released by it may destroy the queue at once.
// It reads puts() after the count (acquire), so the puts of every item that
// was counted are visible: a count above puts() is a real excess (ValueError).
// It wakes the joiners only when its count reaches the puts it read; a joiner
// waits for done >= puts() read after arming, and puts() only grows, so a
// count below the value task_done() read cannot satisfy any joiner.
#pragma once

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/detail/waiter.hpp>
#include <concur/exceptions.hpp>
#include <concur/queue/detail/bounded_ring.hpp>
#include <concur/queue/exceptions.hpp>

namespace concur::detail {

template <class T>
class RingQueue {
  public:
    explicit RingQueue(std::size_t maxsize) : ring_(maxsize) {}

    // Python's Queue.put; the item is moved from only on success.
    void put(T&& item, bool block, const Deadline* deadline) {
        switch (ring_.put(item, block, deadline)) {
            case RingResult::done:
                return;
            case RingResult::closed:
                throw queue::ShutDown();
            default:
                throw queue::Full();
        }
    }

    // Python's Queue.get.
    T get(bool block, const Deadline* deadline) {
        std::optional<T> out;
        switch (ring_.get(out, block, deadline)) {
            case RingResult::done:
                return std::move(*out);
            case RingResult::closed:
                throw queue::ShutDown();
            default:
                throw queue::Empty();
        }
    }

    void task_done() {
        std::uint64_t current = done_.load(std::memory_order_acquire);
        std::uint64_t next;
        do {
            // puts() after reading the count (which includes other threads'
            // task_done() of items whose puts we then see) and before the
            // CAS: see the top of the file.
            const std::size_t puts = ring_.puts();
            next = (current & kCount) + 1;
            if (next > puts) throw ValueError("task_done() called too many times");
            // Keep the sleepers bit unless this count may release them.
            if (next < puts) next |= current & kJoinSleepers;
        } while (!done_.compare_exchange_weak(current, next, std::memory_order_acq_rel,
                                              std::memory_order_acquire));
        if ((current & kJoinSleepers) && !(next & kJoinSleepers)) unpark(done_);
    }

    void join() {
        wait_on(
            done_, kJoinSleepers,
            [this](std::uint64_t value) { return (value & kCount) >= ring_.puts(); }, nullptr);
    }

    // Python 3.13's Queue.shutdown(immediate). The caller must return from it
    // before the queue is destroyed.
    void shutdown(bool immediate) {
        ring_.close();
        if (!immediate) return;
        // Discarded items count as done, but never beyond what was put.
        const std::size_t drained = ring_.drain();
        const std::size_t puts = ring_.puts();
        std::uint64_t current = done_.load(std::memory_order_relaxed);
        std::uint64_t next;
        do {
            const std::uint64_t done = current & kCount;
            next = std::min<std::uint64_t>(done + drained, std::max<std::uint64_t>(done, puts));
        } while (!done_.compare_exchange_weak(current, next, std::memory_order_acq_rel,
                                              std::memory_order_relaxed));
        if (current & kJoinSleepers) unpark(done_);
    }

    bool is_shutdown() const noexcept { return ring_.closed(); }
    std::size_t qsize() const noexcept { return ring_.size(); }

  private:
    static constexpr std::uint64_t kJoinSleepers = std::uint64_t{1} << 63;
    static constexpr std::uint64_t kCount = kJoinSleepers - 1;

    BoundedRing<T> ring_;
    alignas(64) std::atomic<std::uint64_t> done_{0};
};

}  // namespace concur::detail
