// concur/queue/detail/queue_api.hpp -- private: Python's put/get overload set,
// written once for every queue class on top of the class's
// put_impl(T&, block, deadline), get_impl(block, deadline), qsize(), maxsize().
#pragma once

#include <chrono>
#include <cstddef>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/queue/detail/locked_queue.hpp>

namespace concur::detail {

template <class Derived, class T>
class QueueApi {
public:
    // put(item, block=True, timeout=None). Negative timeout: ValueError.
    void put(T item, bool block = true) { self().put_impl(item, block, nullptr); }
    template <class Rep, class Period>
    void put(T item, bool block, std::chrono::duration<Rep, Period> timeout) {
        require_non_negative(timeout, "'timeout'");
        const auto deadline = deadline_after(timeout);
        self().put_impl(item, block, &deadline);
    }
    template <class Rep, class Period>
    void put(T item, std::chrono::duration<Rep, Period> timeout) {
        put(std::move(item), true, timeout);
    }
    void put_nowait(T item) { self().put_impl(item, false, nullptr); }

    // get(block=True, timeout=None). Negative timeout: ValueError.
    T get(bool block = true) { return self().get_impl(block, nullptr); }
    template <class Rep, class Period>
    T get(bool block, std::chrono::duration<Rep, Period> timeout) {
        require_non_negative(timeout, "'timeout'");
        const auto deadline = deadline_after(timeout);
        return self().get_impl(block, &deadline);
    }
    template <class Rep, class Period>
    T get(std::chrono::duration<Rep, Period> timeout) {
        return get(true, timeout);
    }
    T get_nowait() { return self().get_impl(false, nullptr); }

    bool empty() const { return self().qsize() == 0; }
    bool full() const {
        const auto maxsize = self().maxsize();
        return maxsize > 0 && self().qsize() >= static_cast<std::size_t>(maxsize);
    }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
    const Derived& self() const { return static_cast<const Derived&>(*this); }
};

// LifoQueue / PriorityQueue: Python's algorithm over a given container.
template <class T, class Container>
class ContainerQueue : public QueueApi<ContainerQueue<T, Container>, T> {
public:
    explicit ContainerQueue(std::ptrdiff_t maxsize = 0, Container container = Container{})
        : maxsize_(maxsize), impl_(maxsize, std::move(container)) {}
    ContainerQueue(const ContainerQueue&) = delete;
    ContainerQueue& operator=(const ContainerQueue&) = delete;

    void task_done() { impl_.task_done(); }
    void join() { impl_.join(); }
    void shutdown(bool immediate = false) { impl_.shutdown(immediate); }
    bool is_shutdown() const { return impl_.is_shutdown(); }
    std::size_t qsize() const { return impl_.qsize(); }
    std::ptrdiff_t maxsize() const noexcept { return maxsize_; }

private:
    friend class QueueApi<ContainerQueue, T>;
    void put_impl(T& item, bool block, const Deadline* deadline) {
        impl_.put(std::move(item), block, deadline);
    }
    T get_impl(bool block, const Deadline* deadline) { return impl_.get(block, deadline); }

    const std::ptrdiff_t maxsize_;
    mutable LockedQueue<T, Container> impl_;
};

}  // namespace concur::detail
