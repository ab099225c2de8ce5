// concur/queue/simple_queue.hpp
// -----------------------------------------------------------------------------
// `concur::queue::SimpleQueue<T>` mirrors Python's `queue.SimpleQueue`: an
// unbounded FIFO queue without task tracking or shutdown. put() never blocks
// (put's `block`/`timeout` arguments are accepted and ignored, as in Python);
// get() blocks while empty and raises Empty on `block` false or timeout.
// Thread-safe.
//
// Example:
//
//   concur::queue::SimpleQueue<std::string> messages;
//   messages.put("hello");
//   std::string m = messages.get();
#pragma once

#include <chrono>
#include <cstddef>
#include <utility>

#include <concur/queue/detail/queue_api.hpp>

namespace concur::queue {

template <class T>
class SimpleQueue {
public:
    SimpleQueue() = default;
    SimpleQueue(const SimpleQueue&) = delete;
    SimpleQueue& operator=(const SimpleQueue&) = delete;

    // Never blocks: the queue is unbounded.
    void put(T item, bool /*block*/ = true) { impl_.put(std::move(item)); }
    template <class Rep, class Period>
    void put(T item, bool /*block*/, std::chrono::duration<Rep, Period> /*timeout*/) {
        impl_.put(std::move(item));
    }
    void put_nowait(T item) { impl_.put(std::move(item)); }

    T get(bool block = true) { return impl_.get(block); }
    template <class Rep, class Period>
    T get(bool block, std::chrono::duration<Rep, Period> timeout) {
        return impl_.get(block, timeout);
    }
    template <class Rep, class Period>
    T get(std::chrono::duration<Rep, Period> timeout) {
        return impl_.get(true, timeout);
    }
    T get_nowait() { return impl_.get_nowait(); }

    bool empty() const { return impl_.empty(); }
    std::size_t qsize() const { return impl_.qsize(); }

private:
    concur::detail::ContainerQueue<T, concur::detail::FifoContainer<T>> impl_;
};

}  // namespace concur::queue
