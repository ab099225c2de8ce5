// concur/detail/injection_queue.hpp -- private: where threads that are not
// workers of a scheduler submit tasks. An intrusive multi-producer queue
// (D. Vyukov's MPSC node queue): a push is one atomic exchange, wait-free,
// with no allocation (the task is the node). Consumers (the workers) take a
// try-lock to pop; a worker that finds it taken goes stealing instead, and the
// one that holds it takes a batch into its own deque for others to steal.
//
// Memory ordering: push links the node with a release store into its
// predecessor's `next` after an acq_rel exchange of `head_` (made seq_cst so
// the scheduler's eventcount can pair with it). The consumer reads `next` with
// acquire, so a task's contents written before push are visible to the worker
// that pops it. Between a producer's exchange and its link store the queue
// looks empty from the consumer side; `maybe_nonempty()` (head_ != stub/tail)
// tells a parking worker that an item is on its way.
#pragma once

#include <atomic>
#include <cstddef>

#include <concur/detail/waiter.hpp>

namespace concur::detail {

struct InjectionNode {
    std::atomic<InjectionNode*> next{nullptr};
};

class InjectionQueue {
public:
    InjectionQueue() noexcept : head_(&stub_), tail_(&stub_) {}
    InjectionQueue(const InjectionQueue&) = delete;
    InjectionQueue& operator=(const InjectionQueue&) = delete;

    // Any thread; never blocks.
    void push(InjectionNode* node) noexcept {
        node->next.store(nullptr, std::memory_order_relaxed);
        InjectionNode* previous = head_.exchange(node, std::memory_order_seq_cst);
        previous->next.store(node, std::memory_order_release);
    }

    // One consumer at a time: returns false if another holds the lock.
    bool try_lock() noexcept {
        return !consumer_lock_.load(std::memory_order_relaxed) &&
               !consumer_lock_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { consumer_lock_.store(false, std::memory_order_release); }

    // Under the consumer lock. Null if empty (or an item is mid-push).
    InjectionNode* pop() noexcept {
        InjectionNode* tail = tail_;
        InjectionNode* next = tail->next.load(std::memory_order_acquire);
        if (tail == &stub_) {
            if (next == nullptr) return nullptr;
            tail_ = next;
            tail = next;
            next = next->next.load(std::memory_order_acquire);
        }
        if (next != nullptr) {
            tail_ = next;
            return tail;
        }
        if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // mid-push
        push(&stub_);
        next = tail->next.load(std::memory_order_acquire);
        if (next != nullptr) {
            tail_ = next;
            return tail;
        }
        return nullptr;
    }

    // Any thread: whether an item is in the queue or being pushed (seq_cst,
    // for the eventcount protocol).
    bool maybe_nonempty() const noexcept {
        const InjectionNode* head = head_.load(std::memory_order_seq_cst);
        return head != &stub_ || stub_.next.load(std::memory_order_seq_cst) != nullptr;
    }

private:
    alignas(64) std::atomic<InjectionNode*> head_;  // producers push here
    alignas(64) InjectionNode* tail_;               // consumer side, under the lock
    std::atomic<bool> consumer_lock_{false};
    InjectionNode stub_;
};

}  // namespace concur::detail
