// concur/asyncio/gather.hpp
// -----------------------------------------------------------------------------
// `asyncio::gather(aws...)` mirrors Python's asyncio.gather: runs the
// awaitables concurrently (each coroutine becomes a task at the call, as
// Python's ensure_future does) and gives their results in argument order.
//
//   Python                              concur
//   ----------------------------------  ------------------------------------------
//   a, b = await asyncio.gather(x, y)   auto [a, b] = co_await asyncio::gather(x(), y());
//   rs = await asyncio.gather(*coros)   std::vector<T> rs = co_await
//   asyncio::gather(std::move(coros));
//
// Results: a std::tuple (std::monostate for a void awaitable), or a
// std::vector for a vector of awaitables of one type. The first exception
// (in the order the children fail) is raised at once; the other children go
// on running, as in Python. A child that was cancelled counts as failed with
// CancelledError. Cancelling the awaiting task cancels every child, waits for
// them all, then raises CancelledError.
//
// Outside a running loop, gather() creates its tasks on get_event_loop().
// Loop-thread only.
//
// Example:
//
//   auto [a, b] = co_await asyncio::gather(answer(), answer());   // 42, 42
#pragma once

#include <concur/asyncio/detail/wait_set.hpp>
#include <concur/asyncio/task.hpp>

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

namespace detail {

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

template <class... Ts>
class GatherAwaitable {
  public:
    explicit GatherAwaitable(Task<Ts>... tasks)
        : tasks_(tasks...), set_({tasks.base()...}, WaitSet::Mode::gather, -1, true) {}

    bool await_ready() const noexcept { return set_.await_ready(); }
    void await_suspend(std::coroutine_handle<> awaiting) { set_.await_suspend(awaiting); }
    std::tuple<gather_value_t<Ts>...> await_resume() {
        set_.await_resume();
        rethrow_first_failure(set_);
        return std::apply([](const auto&... task) { return std::tuple{gathered_value(task)...}; },
                          tasks_);
    }

  private:
    std::tuple<Task<Ts>...> tasks_;
    WaitSet set_;
};

template <class T>
class GatherVectorAwaitable {
  public:
    explicit GatherVectorAwaitable(std::vector<Task<T>> tasks)
        : tasks_(std::move(tasks)), set_(bases(tasks_), WaitSet::Mode::gather, -1, true) {}

    bool await_ready() const noexcept { return set_.await_ready(); }
    void await_suspend(std::coroutine_handle<> awaiting) { set_.await_suspend(awaiting); }
    std::vector<gather_value_t<T>> await_resume() {
        set_.await_resume();
        rethrow_first_failure(set_);
        std::vector<gather_value_t<T>> results;
        results.reserve(tasks_.size());
        for (const Task<T>& task : tasks_) results.push_back(gathered_value(task));
        return results;
    }

  private:
    static std::vector<std::shared_ptr<FutureBase>> bases(const std::vector<Task<T>>& tasks) {
        std::vector<std::shared_ptr<FutureBase>> out;
        out.reserve(tasks.size());
        for (const Task<T>& task : tasks) out.push_back(task.base());
        return out;
    }
    std::vector<Task<T>> tasks_;
    WaitSet set_;
};

}  // namespace detail

template <class... A>
auto gather(A&&... awaitables) {
    static_assert((detail::Awaitable<A> && ...),
                  "gather() takes awaitables (Coroutine, Task, sleep(), ...)");
    return detail::GatherAwaitable<detail::await_result_t<A>...>{
        ensure_future(std::forward<A>(awaitables))...};
}

template <class A>
auto gather(std::vector<A> awaitables) {
    static_assert(detail::Awaitable<A>, "gather() takes a vector of awaitables");
    using T = detail::await_result_t<A>;
    std::vector<Task<T>> tasks;
    tasks.reserve(awaitables.size());
    for (A& awaitable : awaitables) tasks.push_back(ensure_future(std::move(awaitable)));
    return detail::GatherVectorAwaitable<T>(std::move(tasks));
}

}  // namespace concur::asyncio
