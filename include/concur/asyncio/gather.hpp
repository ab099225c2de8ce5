// concur/asyncio/gather.hpp
// -----------------------------------------------------------------------------
// `asyncio::gather(aws...)` mirrors Python's asyncio.gather: runs the
// awaitables concurrently (each coroutine becomes a task at the call, as
// Python's ensure_future does) and gives their results in argument order.
//
//   Python                              concur
//   ----------------------------------  ------------------------------------------
//   a, b = await asyncio.gather(x, y)   auto [a, b] = co_await asyncio::gather(x(), y());
//   rs = await asyncio.gather(*coros)   std::vector<T> rs =
//                                           co_await asyncio::gather(std::move(coros));
//   rs = await asyncio.gather(          auto [a, b] = co_await
//       x, y, return_exceptions=True)       asyncio::gather_settled(x(), y());
//                                       (each an asyncio::Settled<T>: a value or the
//                                       exception_ptr the awaitable raised)
//
// Results: a std::tuple (std::monostate for a void awaitable), or a
// std::vector for a vector of awaitables of one type. The first exception
// (in the order the children fail) is raised at once; the other children go
// on running, as in Python. A child that was cancelled counts as failed with
// CancelledError. Cancelling the awaiting task cancels every child, waits for
// them all, then raises CancelledError.
//
// gather_settled(...) is Python's return_exceptions=True: it waits for every
// child and raises nothing for them -- each result is a Settled<T> holding
// the value or the exception (a cancelled child's CancelledError included).
// Cancelling the awaiting task still cancels the children and raises
// CancelledError, as in Python.
//
// Outside a running loop, gather() creates its tasks on get_event_loop().
// Loop-thread only.
//
// Example:
//
//   auto [a, b] = co_await asyncio::gather(answer(), answer());   // 42, 42
//   auto [ok, bad] = co_await asyncio::gather_settled(answer(), fails());
//   if (!bad) std::rethrow_exception(bad.error());                 // ok.value() == 42
#pragma once

#include <concur/asyncio/detail/wait_set.hpp>
#include <concur/asyncio/task.hpp>

#include <exception>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace concur::asyncio {

// What gather gives for an awaitable of result T.
template <class T>
using gather_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// One result of gather_settled(): the awaitable's value, or the exception
// it raised (Python's return_exceptions=True puts the exception object in
// the result list; C++ keeps it as a std::exception_ptr). Like
// std::expected<T, std::exception_ptr>, whose C++23 header GCC 12 lacks in
// C++20 mode. value() rethrows the exception when there is one.
template <class T>
class Settled {
  public:
    static Settled success(T value) { return Settled(std::in_place_index<0>, std::move(value)); }
    static Settled failure(std::exception_ptr error) {
        return Settled(std::in_place_index<1>, std::move(error));
    }

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    // The value; the awaitable's exception rethrown when it failed.
    T& value() & {
        rethrow_if_failed();
        return std::get<0>(state_);
    }
    const T& value() const& {
        rethrow_if_failed();
        return std::get<0>(state_);
    }
    T&& value() && {
        rethrow_if_failed();
        return std::get<0>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    // The exception, or null when the awaitable succeeded.
    std::exception_ptr error() const noexcept {
        return has_value() ? nullptr : std::get<1>(state_);
    }

  private:
    template <std::size_t I, class V>
    Settled(std::in_place_index_t<I> tag, V&& v) : state_(tag, std::forward<V>(v)) {}
    void rethrow_if_failed() const {
        if (!has_value()) std::rethrow_exception(std::get<1>(state_));
    }
    std::variant<T, std::exception_ptr> state_;
};

namespace detail {

// A finished child's result as gather_settled gives it.
template <class T>
Settled<gather_value_t<T>> settle(const Task<T>& task) {
    using V = gather_value_t<T>;
    try {
        if constexpr (std::is_void_v<T>) {
            task.result();
            return Settled<V>::success(V{});
        } else {
            return Settled<V>::success(task.result());
        }
    } catch (...) {
        return Settled<V>::failure(std::current_exception());
    }
}

template <class T>
gather_value_t<T> gathered_value(const Task<T>& task) {
    if constexpr (std::is_void_v<T>) {
        return {};
    } else {
        return task.result();
    }
}

// Rethrows the first failure (completion order) of a gather.
void rethrow_first_failure(WaitSet& set);

// gather (kSettled false) or gather_settled (true): the wait's mode and what
// each child gives.
template <bool kSettled, class T>
using gathered_t = std::conditional_t<kSettled, Settled<gather_value_t<T>>, gather_value_t<T>>;

template <bool kSettled, class T>
gathered_t<kSettled, T> collect(const Task<T>& task) {
    if constexpr (kSettled) {
        return settle(task);
    } else {
        return gathered_value(task);
    }
}

constexpr WaitSet::Mode gather_mode(bool settled) noexcept {
    return settled ? WaitSet::Mode::all_completed : WaitSet::Mode::gather;
}

template <bool kSettled, class... Ts>
class GatherAwaitable {
  public:
    explicit GatherAwaitable(Task<Ts>... tasks)
        : tasks_(tasks...), set_({tasks.base()...}, gather_mode(kSettled), -1, true) {}

    bool await_ready() const noexcept { return set_.await_ready(); }
    void await_suspend(std::coroutine_handle<> awaiting) { set_.await_suspend(awaiting); }
    std::tuple<gathered_t<kSettled, Ts>...> await_resume() {
        set_.await_resume();
        if constexpr (!kSettled) rethrow_first_failure(set_);
        return std::apply(
            [](const auto&... task) { return std::tuple{collect<kSettled>(task)...}; }, tasks_);
    }

  private:
    std::tuple<Task<Ts>...> tasks_;
    WaitSet set_;
};

// The children are kept once, in the WaitSet (a million-task gather costs
// a reference and a link per child).
template <bool kSettled, class T>
class GatherVectorAwaitable {
  public:
    explicit GatherVectorAwaitable(std::vector<Task<T>> tasks)
        : set_(children_of(std::move(tasks)), gather_mode(kSettled), -1, true) {}

    bool await_ready() const noexcept { return set_.await_ready(); }
    void await_suspend(std::coroutine_handle<> awaiting) { set_.await_suspend(awaiting); }
    std::vector<gathered_t<kSettled, T>> await_resume() {
        set_.await_resume();
        if constexpr (!kSettled) rethrow_first_failure(set_);
        std::vector<gathered_t<kSettled, T>> results;
        results.reserve(set_.children().size());
        for (const FutureRef<FutureBase>& child : set_.children())
            results.push_back(collect<kSettled>(
                Task<T>(FutureRef<TaskState<T>>(static_cast<TaskState<T>*>(child.get())))));
        return results;
    }

  private:
    static std::vector<FutureRef<FutureBase>> children_of(std::vector<Task<T>> tasks) {
        std::vector<FutureRef<FutureBase>> out;
        out.reserve(tasks.size());
        for (const Task<T>& task : tasks) out.push_back(task.base());
        return out;
    }
    WaitSet set_;
};

template <bool kSettled, class... A>
auto gather_all(A&&... awaitables) {
    static_assert((Awaitable<A> && ...),
                  "gather() takes awaitables (Coroutine, Task, sleep(), ...)");
    return GatherAwaitable<kSettled, await_result_t<A>...>{
        ensure_future(std::forward<A>(awaitables))...};
}

template <bool kSettled, class A>
auto gather_vector(std::vector<A> awaitables) {
    static_assert(Awaitable<A>, "gather() takes a vector of awaitables");
    using T = await_result_t<A>;
    std::vector<Task<T>> tasks;
    tasks.reserve(awaitables.size());
    for (A& awaitable : awaitables) tasks.push_back(ensure_future(std::move(awaitable)));
    return GatherVectorAwaitable<kSettled, T>(std::move(tasks));
}

}  // namespace detail

template <class... A>
auto gather(A&&... awaitables) {
    return detail::gather_all<false>(std::forward<A>(awaitables)...);
}
template <class A>
auto gather(std::vector<A> awaitables) {
    return detail::gather_vector<false>(std::move(awaitables));
}

template <class... A>
auto gather_settled(A&&... awaitables) {
    return detail::gather_all<true>(std::forward<A>(awaitables)...);
}
template <class A>
auto gather_settled(std::vector<A> awaitables) {
    return detail::gather_vector<true>(std::move(awaitables));
}

}  // namespace concur::asyncio
