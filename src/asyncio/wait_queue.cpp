// The FIFO of parked tasks behind asyncio's locks, events and queues.
#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/event_loop.hpp>

namespace concur::asyncio::detail {

void WaitQueue::wait(Node& node, std::coroutine_handle<> awaiting, const char* what) {
    TaskBase& task = require_current_task(what);
    node.queue_ = this;
    node.task_ = &task;
    node.state_ = Node::State::waiting;
    node.message_.clear();
    node.prev_ = tail_;
    node.next_ = nullptr;
    if (tail_ != nullptr) {
        tail_->next_ = &node;
    } else {
        head_ = &node;
    }
    tail_ = &node;
    ++size_;
    task.park(awaiting, &node);
}

void WaitQueue::unlink(Node& node) noexcept {
    if (node.prev_ != nullptr) {
        node.prev_->next_ = node.next_;
    } else {
        head_ = node.next_;
    }
    if (node.next_ != nullptr) {
        node.next_->prev_ = node.prev_;
    } else {
        tail_ = node.prev_;
    }
    node.prev_ = node.next_ = nullptr;
    --size_;
}

bool WaitQueue::wake_one() noexcept {
    Node* node = head_;
    if (node == nullptr) return false;
    unlink(*node);
    node->state_ = Node::State::woken;
    node->task_->wake();
    return true;
}

std::size_t WaitQueue::wake_all() noexcept {
    std::size_t n = 0;
    while (wake_one()) ++n;
    return n;
}

void WaitQueue::Node::finish() {
    if (task_ != nullptr) task_->throw_if_must_cancel();
    if (state_ == State::cancelled) {
        if (message_.empty()) throw CancelledError();
        throw CancelledError(message_);
    }
}

bool WaitQueue::Node::cancel_wait(const std::string& message) {
    if (state_ != State::waiting) return false;
    queue_->unlink(*this);
    state_ = State::cancelled;
    message_ = message;
    task_->wake();
    return true;
}

}  // namespace concur::asyncio::detail
