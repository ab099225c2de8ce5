// concur/queue/detail/locked_queue.hpp -- private: Python's queue.Queue
// algorithm (Lib/queue.py) over one Lock and three Conditions, generic in the
// container, for LifoQueue, PriorityQueue, SimpleQueue, unbounded Queue and
// any T whose move may throw.
//
// Exception safety: an item enters the container only after its move
// succeeded, and leaves it only after it was moved into the caller's result
// (PopOnSuccess), so a throwing copy or move leaves the queue as it was.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/queue/exceptions.hpp>
#include <concur/threading/condition.hpp>
#include <concur/threading/lock.hpp>

namespace concur::detail {

// FIFO: queue.Queue.
template <class T>
struct FifoContainer {
    std::deque<T> items;
    void push(T&& item) { items.push_back(std::move(item)); }
    T& next() { return items.front(); }
    void pop() noexcept { items.pop_front(); }
    std::size_t size() const noexcept { return items.size(); }
};

// LIFO: queue.LifoQueue. A deque, not a vector: growing never moves the
// stored elements, so a throwing move cannot damage them.
template <class T>
struct LifoContainer {
    std::deque<T> items;
    void push(T&& item) { items.push_back(std::move(item)); }
    T& next() { return items.back(); }
    void pop() noexcept { items.pop_back(); }
    std::size_t size() const noexcept { return items.size(); }
};

// Lowest first: queue.PriorityQueue (heapq). Elements whose moves may throw
// are kept behind pointers so that heap reordering cannot throw midway.
template <class T, class Compare>
struct HeapContainer {
    static constexpr bool kDirect =
        std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>;
    using Slot = std::conditional_t<kDirect, T, std::unique_ptr<T>>;

    std::vector<Slot> items;
    Compare compare;

    static T& deref(Slot& slot) {
        if constexpr (kDirect)
            return slot;
        else
            return *slot;
    }
    // std heap algorithms build a max-heap; "greater first" inverted gives
    // Python's min-heap.
    auto later() {
        return [this](Slot& a, Slot& b) { return compare(deref(b), deref(a)); };
    }
    void push(T&& item) {
        if constexpr (kDirect) {
            items.push_back(std::move(item));
        } else {
            items.push_back(std::make_unique<T>(std::move(item)));
        }
        std::push_heap(items.begin(), items.end(), later());
    }
    T& next() { return deref(items.front()); }
    void pop() {
        std::pop_heap(items.begin(), items.end(), later());
        items.pop_back();
    }
    std::size_t size() const noexcept { return items.size(); }
};

template <class T, class Container>
class LockedQueue {
public:
    explicit LockedQueue(std::ptrdiff_t maxsize, Container container = Container{})
        : maxsize_(maxsize), container_(std::move(container)) {}

    // `deadline` null with `block` = forever. Python's Queue.put.
    void put(T&& item, bool block, const Deadline* deadline) {
        std::unique_lock hold(mutex_);
        if (shutdown_) throw queue::ShutDown();
        if (maxsize_ > 0) {
            while (size() >= static_cast<std::size_t>(maxsize_)) {
                if (!block) throw queue::Full();
                if (deadline == nullptr) {
                    not_full_.wait();
                } else if (!not_full_.wait(*deadline - Clock::now()) &&
                           size() >= static_cast<std::size_t>(maxsize_)) {
                    if (shutdown_) throw queue::ShutDown();
                    throw queue::Full();
                }
                if (shutdown_) throw queue::ShutDown();
            }
        }
        container_.push(std::move(item));
        ++unfinished_tasks_;
        not_empty_.notify();
    }

    // Python's Queue.get.
    T get(bool block, const Deadline* deadline) {
        std::unique_lock hold(mutex_);
        if (shutdown_ && size() == 0) throw queue::ShutDown();
        while (size() == 0) {
            if (!block) throw queue::Empty();
            if (deadline == nullptr) {
                not_empty_.wait();
            } else if (!not_empty_.wait(*deadline - Clock::now()) && size() == 0) {
                if (shutdown_) throw queue::ShutDown();
                throw queue::Empty();
            }
            if (shutdown_ && size() == 0) throw queue::ShutDown();
        }
        PopOnSuccess pop{container_, std::uncaught_exceptions()};
        not_full_.notify();
        return T(std::move(container_.next()));
    }

    void task_done() {
        std::lock_guard hold(mutex_);
        if (unfinished_tasks_ == 0) throw ValueError("task_done() called too many times");
        if (--unfinished_tasks_ == 0) all_tasks_done_.notify_all();
    }

    void join() {
        std::unique_lock hold(mutex_);
        while (unfinished_tasks_ != 0) all_tasks_done_.wait();
    }

    void shutdown(bool immediate) {
        std::lock_guard hold(mutex_);
        shutdown_ = true;
        if (immediate) {
            while (size() != 0) {
                container_.pop();
                if (unfinished_tasks_ > 0) --unfinished_tasks_;
            }
            all_tasks_done_.notify_all();
        }
        not_empty_.notify_all();
        not_full_.notify_all();
    }

    std::size_t qsize() {
        std::lock_guard hold(mutex_);
        return size();
    }
    bool is_shutdown() {
        std::lock_guard hold(mutex_);
        return shutdown_;
    }

private:
    // Pops the container's next item when the result was built without
    // throwing (C++17 guaranteed elision builds it in the caller's object).
    struct PopOnSuccess {
        Container& container;
        int exceptions_before;
        ~PopOnSuccess() {
            if (std::uncaught_exceptions() == exceptions_before) container.pop();
        }
    };
    std::size_t size() const noexcept { return container_.size(); }

    const std::ptrdiff_t maxsize_;
    threading::Lock mutex_;
    threading::Condition not_empty_{mutex_};
    threading::Condition not_full_{mutex_};
    threading::Condition all_tasks_done_{mutex_};
    Container container_;
    std::size_t unfinished_tasks_ = 0;
    bool shutdown_ = false;
};

}  // namespace concur::detail
