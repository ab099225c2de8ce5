// concur/queue/detail/queue_api.hpp -- private: Python's put/get overload set,
// written once for every queue class on top of the class's
// put_impl(T&, block, deadline), get_impl(block, deadline), qsize(), maxsize().
#pragma once

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/queue/detail/locked_queue.hpp>

namespace concur::detail {

template <class Derived, class T>
class QueueApi {
public:
    // put(item, block=True, timeout=None). The item is moved from only when
    // it was put: after Full or ShutDown an rvalue argument is still intact.
    // A negative timeout with block=true on a bounded queue: ValueError.
    template <class U = T>
        requires std::is_constructible_v<T, U&&>
    void put(U&& item, bool block = true) {
        with_item(std::forward<U>(item), [&](T& ref) { self().put_impl(ref, block, nullptr); });
    }
    template <class U = T, class Rep, class Period>
        requires std::is_constructible_v<T, U&&>
    void put(U&& item, bool block, std::chrono::duration<Rep, Period> timeout) {
        if (block && self().maxsize() > 0) require_non_negative(timeout, "'timeout'");
        const auto deadline = deadline_after(timeout);
        with_item(std::forward<U>(item), [&](T& ref) {
            self().put_impl(ref, block, block ? &deadline : nullptr);
        });
    }
    template <class U = T, class Rep, class Period>
        requires std::is_constructible_v<T, U&&>
    void put(U&& item, std::chrono::duration<Rep, Period> timeout) {
        put(std::forward<U>(item), true, timeout);
    }
    template <class U = T>
        requires std::is_constructible_v<T, U&&>
    void put_nowait(U&& item) {
        with_item(std::forward<U>(item), [&](T& ref) { self().put_impl(ref, false, nullptr); });
    }

    // get(block=True, timeout=None). Negative timeout with block=true: ValueError.
    T get(bool block = true) { return self().get_impl(block, nullptr); }
    template <class Rep, class Period>
    T get(bool block, std::chrono::duration<Rep, Period> timeout) {
        if (block) require_non_negative(timeout, "'timeout'");
        const auto deadline = deadline_after(timeout);
        return self().get_impl(block, block ? &deadline : nullptr);
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
    // Passes an rvalue T through by reference (so a failed put leaves it
    // intact); anything else is first converted into a temporary T.
    template <class U, class F>
    static void with_item(U&& item, F&& f) {
        if constexpr (std::is_same_v<std::remove_cvref_t<U>, T> &&
                      !std::is_lvalue_reference_v<U> && !std::is_const_v<std::remove_reference_t<U>>) {
            f(item);
        } else {
            T converted(std::forward<U>(item));
            f(converted);
        }
    }
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
