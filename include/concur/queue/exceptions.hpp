// concur/queue/exceptions.hpp
// -----------------------------------------------------------------------------
// The exceptions of Python's `queue` module.
//
//   queue::Empty     get(block=false) / get_nowait() on an empty queue, or a
//                    get whose timeout expired
//   queue::Full      put(block=false) / put_nowait() on a full queue, or a put
//                    whose timeout expired
//   queue::ShutDown  put on a shut-down queue; get on a shut-down queue that
//                    is empty (Python 3.13)
//
// task_done() called more often than items were put raises ValueError.
#pragma once

#include <stdexcept>

#include <concur/exceptions.hpp>

namespace concur::queue {

class Empty : public std::runtime_error {
public:
    Empty() : std::runtime_error("queue.Empty: the queue is empty") {}
};

class Full : public std::runtime_error {
public:
    Full() : std::runtime_error("queue.Full: the queue is full") {}
};

class ShutDown : public std::runtime_error {
public:
    ShutDown() : std::runtime_error("queue.ShutDown: the queue has been shut down") {}
};

}  // namespace concur::queue

namespace concur::queue {
using concur::ValueError;
}  // namespace concur::queue
