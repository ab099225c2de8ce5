// concur/queue/queue.hpp
// -----------------------------------------------------------------------------
// `concur::queue::Queue<T>` mirrors Python's `queue.Queue`: a FIFO queue for
// passing values between threads, bounded when `maxsize > 0`, with task
// tracking (task_done / join) and Python 3.13's shutdown.
//
//  * put(item, block = true, timeout): blocks while full; Full if `block` is
//    false or the timeout expires; ShutDown once shut down.
//  * get(block = true, timeout): blocks while empty; Empty if `block` is
//    false or the timeout expires; ShutDown once shut down *and* empty (a
//    plain shutdown lets getters drain what is left).
//  * task_done(): ValueError when called more often than items were put.
//  * join(): blocks until every item put has been task_done()'d (or an
//    immediate shutdown discarded it).
//  * shutdown(immediate = false): wakes blocked putters (and, once the queue
//    is empty, getters) with ShutDown; `immediate` also discards the items
//    left and releases join().
//  * qsize(), empty(), full(): approximate under concurrency, as in Python.
//
// A negative timeout raises ValueError where Python's does (a blocking call;
// for put, on a bounded queue). Differences from Python: T is one element
// type; move-only T works; an rvalue item is moved from only if the put
// succeeds, so after Full or ShutDown the caller still has it. If T's move
// constructor may throw, a throwing move leaves the queue as it was (strong
// guarantee).
//
// A bounded queue of a nothrow-movable T (maxsize 2 to 65536) runs on a
// lock-free ring with futex-parked waiters (see detail/bounded_ring.hpp);
// other queues use Python's own algorithm on a Lock and three Conditions.
//
// Thread-safety: every member may be called concurrently from any thread.
// Lifetime: a thread that gets the last item (or is released from join()) may
// destroy the queue at once, even while the putting thread (or the one that
// called task_done()) is still returning from its call; a thread that calls
// shutdown() must return from it before the queue is destroyed.
//
// Example:
//
//   concur::queue::Queue<int> q(1024);
//   concur::threading::Thread consumer([&] {
//       try {
//           for (;;) { int item = q.get(); use(item); q.task_done(); }
//       } catch (const concur::queue::ShutDown&) {}   // drained and shut down
//   });
//   consumer.start();
//   for (int i = 0; i < 5; ++i) q.put(i);
//   q.join();        // all five processed
//   q.shutdown();    // the consumer's next get() raises ShutDown
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/queue/detail/locked_queue.hpp>
#include <concur/queue/detail/queue_api.hpp>
#include <concur/queue/detail/ring_queue.hpp>
#include <concur/queue/exceptions.hpp>

namespace concur::queue {

template <class T>
class Queue : public concur::detail::QueueApi<Queue<T>, T> {
    using Api = concur::detail::QueueApi<Queue<T>, T>;
    friend Api;
    static constexpr bool kRingable =
        std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>;
    static constexpr std::ptrdiff_t kRingMaxsize = 1 << 16;

  public:
    using value_type = T;

    // maxsize <= 0: unbounded (Python's default).
    explicit Queue(std::ptrdiff_t maxsize = 0) : maxsize_(maxsize) {
        if constexpr (kRingable) {
            // The ring's sequence scheme needs two cells at least.
            if (maxsize >= 2 && maxsize <= kRingMaxsize) {
                ring_ = std::make_unique<Ring>(static_cast<std::size_t>(maxsize));
                return;
            }
        }
        locked_ = std::make_unique<Locked>(maxsize);
    }
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;

    // put / get / put_nowait / get_nowait / empty / full: see QueueApi and
    // the summary above.
    using Api::get;
    using Api::get_nowait;
    using Api::put;
    using Api::put_nowait;

    // Marks one earlier-gotten item as processed. ValueError if called more
    // times than items were put.
    void task_done() {
        with_impl([](auto& q) { q.task_done(); });
    }
    // Blocks until all items put have been processed.
    void join() {
        with_impl([](auto& q) { q.join(); });
    }
    // Python 3.13's Queue.shutdown(immediate=False).
    void shutdown(bool immediate = false) {
        with_impl([immediate](auto& q) { q.shutdown(immediate); });
    }
    bool is_shutdown() const {
        return with_impl([](auto& q) -> bool { return q.is_shutdown(); });
    }
    std::size_t qsize() const {
        return with_impl([](auto& q) -> std::size_t { return q.qsize(); });
    }
    std::ptrdiff_t maxsize() const noexcept { return maxsize_; }

  private:
    // The ring is only named behind `if constexpr (kRingable)`, so that
    // BoundedRing<T> (which requires a nothrow-movable T) is never
    // instantiated for a T whose move may throw.
    struct NoRing {};
    using Ring = std::conditional_t<kRingable, concur::detail::RingQueue<T>, NoRing>;
    using Locked = concur::detail::LockedQueue<T, concur::detail::FifoContainer<T>>;

    // Calls f with the implementation in use: the ring or Python's algorithm.
    template <class F>
    decltype(auto) with_impl(F&& f) const {
        if constexpr (kRingable) {
            if (ring_) return f(*ring_);
        }
        return f(*locked_);
    }

    void put_impl(T& item, bool block, const concur::detail::Deadline* deadline) {
        with_impl([&](auto& q) { q.put(std::move(item), block, deadline); });
    }
    T get_impl(bool block, const concur::detail::Deadline* deadline) {
        return with_impl([&](auto& q) -> T { return q.get(block, deadline); });
    }

    const std::ptrdiff_t maxsize_;
    std::unique_ptr<Ring> ring_;
    std::unique_ptr<Locked> locked_;
};

}  // namespace concur::queue
