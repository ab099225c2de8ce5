// concur/asyncio/queue.hpp
// -----------------------------------------------------------------------------
// asyncio's queues, mirroring Python's asyncio.Queue, PriorityQueue and
// LifoQueue: producers and consumers that are tasks of one loop.
//
//   Python                          concur
//   ------------------------------  --------------------------------------------
//   q = asyncio.Queue(maxsize=0)    asyncio::Queue<T> q(maxsize)   (0: unbounded)
//   await q.put(x) / q.put_nowait   co_await q.put(x) / q.put_nowait(x)
//   x = await q.get() / get_nowait  T x = co_await q.get() / q.get_nowait()
//   q.task_done(); await q.join()   the same
//   q.qsize(), empty(), full(),     the same
//   maxsize
//   q.shutdown(immediate=False)     q.shutdown(immediate)        (Python 3.13)
//   asyncio.PriorityQueue()         asyncio::PriorityQueue<T, Compare = std::less<T>>
//                                   (smallest first, as heapq)
//   asyncio.LifoQueue()             asyncio::LifoQueue<T>
//
// Errors: put_nowait on a full queue QueueFull; get_nowait on an empty one
// QueueEmpty; put after shutdown(), and get on a shut-down queue once it is
// empty (at once with immediate=true), QueueShutDown; task_done() more often
// than items were put ValueError("task_done() called too many times").
//
// Items stay in the queue until a getter takes them, so a get() cancelled
// after it was woken loses nothing: it passes the wake-up to the next getter
// (likewise for put()). Loop-thread only.
//
// Example:
//
//   asyncio::Queue<int> q(10);
//   asyncio::Coroutine<void> producer() { for (int i = 0; i < 3; ++i) co_await q.put(i); }
//   asyncio::Coroutine<void> consumer() { for (;;) { int x = co_await q.get(); q.task_done(); } }
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/event.hpp>
#include <concur/asyncio/exceptions.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <utility>
#include <vector>

namespace concur::asyncio {

namespace detail {

template <class T>
struct FifoItems {
    std::deque<T> items;
    void push(T item) { items.push_back(std::move(item)); }
    T pop() {
        T item = std::move(items.front());
        items.pop_front();
        return item;
    }
    std::size_t size() const noexcept { return items.size(); }
};

template <class T>
struct LifoItems {
    std::vector<T> items;
    void push(T item) { items.push_back(std::move(item)); }
    T pop() {
        T item = std::move(items.back());
        items.pop_back();
        return item;
    }
    std::size_t size() const noexcept { return items.size(); }
};

template <class T, class Compare>
struct HeapItems {
    std::vector<T> items;
    Compare less;
    // std::*_heap keep the largest first; reversing the comparison keeps the
    // smallest first, as Python's heapq.
    auto greater() const {
        return [this](const T& a, const T& b) { return less(b, a); };
    }
    void push(T item) {
        items.push_back(std::move(item));
        std::push_heap(items.begin(), items.end(), greater());
    }
    T pop() {
        std::pop_heap(items.begin(), items.end(), greater());
        T item = std::move(items.back());
        items.pop_back();
        return item;
    }
    std::size_t size() const noexcept { return items.size(); }
};

}  // namespace detail

template <class T, class Items>
class BasicQueue {
  public:
    // `maxsize` <= 0: unbounded.
    explicit BasicQueue(std::int64_t maxsize = 0) : maxsize_(maxsize) { finished_.set(); }
    BasicQueue(const BasicQueue&) = delete;
    BasicQueue& operator=(const BasicQueue&) = delete;

    std::size_t qsize() const noexcept { return items_.size(); }
    std::int64_t maxsize() const noexcept { return maxsize_; }
    bool empty() const noexcept { return items_.size() == 0; }
    bool full() const noexcept {
        return maxsize_ > 0 && items_.size() >= static_cast<std::size_t>(maxsize_);
    }

    // Waits for a free slot, then puts `item`. QueueShutDown after shutdown().
    Coroutine<void> put(T item) {
        while (full()) {
            if (shutdown_) throw QueueShutDown();
            const detail::WaitQueue::Outcome outcome = co_await putters_.park_settled("put into a Queue");
            if (outcome.error) {
                if (!full()) putters_.wake_one();  // pass the wake-up on
                std::rethrow_exception(outcome.error);
            }
        }
        put_nowait(std::move(item));
    }

    // QueueFull when full, QueueShutDown after shutdown().
    void put_nowait(T item) {
        if (shutdown_) throw QueueShutDown();
        if (full()) throw QueueFull();
        items_.push(std::move(item));
        ++unfinished_;
        finished_.clear();
        getters_.wake_one();
    }

    // Waits for an item and takes it. QueueShutDown when shut down and empty.
    Coroutine<T> get() {
        while (empty()) {
            if (shutdown_) throw QueueShutDown();
            const detail::WaitQueue::Outcome outcome = co_await getters_.park_settled("get from a Queue");
            if (outcome.error) {
                if (!empty()) getters_.wake_one();  // pass the wake-up on
                std::rethrow_exception(outcome.error);
            }
        }
        co_return get_nowait();
    }

    // QueueEmpty when empty (QueueShutDown when also shut down).
    T get_nowait() {
        if (empty()) {
            if (shutdown_) throw QueueShutDown();
            throw QueueEmpty();
        }
        T item = items_.pop();
        putters_.wake_one();
        return item;
    }

    // One item put earlier has been processed. ValueError when called more
    // often than items were put.
    void task_done() {
        if (unfinished_ == 0) throw ValueError("task_done() called too many times");
        if (--unfinished_ == 0) finished_.set();
    }

    // Waits until every item put has been marked task_done().
    Coroutine<void> join() {
        if (unfinished_ > 0) co_await finished_.wait();
    }

    // Python 3.13: later puts raise QueueShutDown, and gets too once the
    // queue is empty; `immediate` empties it now (counting the items as
    // done). Every waiting task is woken to see it.
    void shutdown(bool immediate = false) {
        shutdown_ = true;
        if (immediate) {
            while (!empty()) {
                (void)items_.pop();
                if (unfinished_ > 0) --unfinished_;
            }
            if (unfinished_ == 0) finished_.set();
        }
        getters_.wake_all();
        putters_.wake_all();
    }
    bool is_shutdown() const noexcept { return shutdown_; }

  private:
    Items items_;
    std::int64_t maxsize_;
    std::size_t unfinished_ = 0;
    bool shutdown_ = false;
    Event finished_;
    detail::WaitQueue getters_;
    detail::WaitQueue putters_;
};

template <class T>
using Queue = BasicQueue<T, detail::FifoItems<T>>;
template <class T>
using LifoQueue = BasicQueue<T, detail::LifoItems<T>>;
template <class T, class Compare = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::HeapItems<T, Compare>>;

}  // namespace concur::asyncio
