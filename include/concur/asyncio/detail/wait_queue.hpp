// concur/asyncio/detail/wait_queue.hpp -- private: the FIFO of parked tasks
// behind asyncio's Lock, Event, Condition, Semaphore, Barrier and queues
// (Python's deque of `_waiters` futures).
//
// A Node lives in the awaiting coroutine's frame (no allocation per wait).
// Its state says how the wait ended: `woken` by the primitive, or
// `cancelled` (Task.cancel() while waiting: the node leaves the queue at
// once). A node woken and then cancelled before its task ran raises
// CancelledError from `finish()` -- with `woken()` true, so the primitive can
// pass the wake-up on and none is lost (what CPython's Lock, Semaphore and
// Queue do in their `except CancelledError` blocks).
#pragma once

#include <concur/asyncio/detail/loop_core.hpp>
#include <concur/asyncio/detail/task_base.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <string>

namespace concur::asyncio::detail {

class WaitQueue {
  public:
    class Node final : public Waiter {
      public:
        enum class State : unsigned char { idle, waiting, woken, cancelled };
        Node() = default;
        Node(const Node&) noexcept {}  // a copy is a fresh node
        Node& operator=(const Node&) = delete;
        ~Node() {
            if (state_ == State::waiting) queue_->unlink(*this);
        }

        State state() const noexcept { return state_; }
        bool woken() const noexcept { return state_ == State::woken; }
        // After the wait: CancelledError if cancelled while waiting, or if a
        // cancel() arrived after the wake-up; otherwise nothing.
        void finish();
        bool cancel_wait(const std::string& message) override;

      private:
        friend class WaitQueue;
        WaitQueue* queue_ = nullptr;
        TaskBase* task_ = nullptr;
        Node* prev_ = nullptr;
        Node* next_ = nullptr;
        State state_ = State::idle;
        std::string message_;
    };

    WaitQueue() = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Parks the current task on `node` at the end of the queue (in
    // await_suspend). RuntimeError outside a task.
    void wait(Node& node, std::coroutine_handle<> awaiting, const char* what);
    // Wakes the first waiting node; false when there is none.
    bool wake_one() noexcept;
    // Wakes every node waiting now; how many.
    std::size_t wake_all() noexcept;
    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }

    // `co_await queue.park("what")`: waits for a wake-up (Node::finish()
    // raises CancelledError if cancelled); `node.woken()` tells afterwards,
    // also from a catch block, whether a wake-up was consumed.
    struct Park {
        WaitQueue* queue;
        const char* what;
        Node node;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> awaiting) { queue->wait(node, awaiting, what); }
        void await_resume() { node.finish(); }
    };
    // (A function, not a braced temporary: GCC 12 miscompiles braced
    // initialisers in a co_await operand.)
    Park park(const char* what) noexcept { return Park{this, what, {}}; }

    // How a settled park ended: the CancelledError it would have raised (or
    // null), and whether a wake-up was consumed.
    struct Outcome {
        std::exception_ptr error;
        bool woken = false;
    };
    // `co_await queue.park_settled("what")`: as park(), but the cancellation
    // comes back in the Outcome instead of being thrown, for the primitives
    // that must clean up first (pass the wake-up on, take a lock back).
    struct SettledPark {
        WaitQueue* queue;
        const char* what;
        Node node;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> awaiting) { queue->wait(node, awaiting, what); }
        Outcome await_resume() noexcept {
            Outcome outcome{nullptr, node.woken()};
            try {
                node.finish();
            } catch (...) {
                outcome.error = std::current_exception();
            }
            return outcome;
        }
    };
    SettledPark park_settled(const char* what) noexcept { return SettledPark{this, what, {}}; }

  private:
    void unlink(Node& node) noexcept;
    Node* head_ = nullptr;
    Node* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace concur::asyncio::detail
