// concur/queue/lifo_queue.hpp
// -----------------------------------------------------------------------------
// `concur::queue::LifoQueue<T>` mirrors Python's `queue.LifoQueue`: the most
// recently put item is got first (a stack). Everything else (maxsize,
// blocking, timeouts, task_done/join, shutdown, exceptions) is as Queue<T>.
// Thread-safe.
//
// Example:
//
//   concur::queue::LifoQueue<int> stack;
//   stack.put(1); stack.put(2);
//   int top = stack.get();          // 2
#pragma once

#include <cstddef>

#include <concur/queue/detail/queue_api.hpp>

namespace concur::queue {

template <class T>
class LifoQueue : public concur::detail::ContainerQueue<T, concur::detail::LifoContainer<T>> {
public:
    explicit LifoQueue(std::ptrdiff_t maxsize = 0)
        : concur::detail::ContainerQueue<T, concur::detail::LifoContainer<T>>(maxsize) {}
};

}  // namespace concur::queue
