// concur/asyncio/wait.hpp
// -----------------------------------------------------------------------------
// `asyncio::wait` and `asyncio::wait_for` mirror Python's.
//
//   Python                                        concur
//   --------------------------------------------  ------------------------------------------
//   done, pending = await asyncio.wait(tasks,     auto [done, pending] = co_await asyncio::wait(
//       timeout=t, return_when=FIRST_COMPLETED)       tasks, t, asyncio::FIRST_COMPLETED);
//   r = await asyncio.wait_for(aw, timeout)       T r = co_await asyncio::wait_for(aw, timeout);
//
// wait(tasks, timeout = none, return_when = ALL_COMPLETED): waits for a
// vector of tasks (or futures) until the condition holds or the timeout
// passes; gives `{done, pending}` (vectors, in the order given; Python gives
// sets) and never raises the tasks' exceptions or TimeoutError. An empty
// vector is ValueError, as in Python. Cancelling the waiting task does not
// cancel the tasks.
//
// wait_for(aw, timeout): awaits `aw` (made a task) for at most `timeout`
// (seconds, a duration, or std::nullopt for none); on timeout cancels it,
// waits until it has finished (its clean-up included) and raises
// TimeoutError. Cancelling the waiting task cancels `aw` too.
//
// Loop-thread only.
//
// Example:
//
//   std::vector<asyncio::Task<void>> ts{asyncio::create_task(a()), asyncio::create_task(b())};
//   auto [done, pending] = co_await asyncio::wait(ts, 1.0, asyncio::FIRST_COMPLETED);
//   int v = co_await asyncio::wait_for(slow(), 0.5);   // TimeoutError after 0.5 s
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/wait_set.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/futures/wait.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace concur::asyncio {

using futures::ALL_COMPLETED;
using futures::FIRST_COMPLETED;
using futures::FIRST_EXCEPTION;
using futures::ReturnWhen;

// What wait() gives: the tasks done and the tasks still pending.
template <class Handle>
struct WaitResult {
    std::vector<Handle> done;
    std::vector<Handle> pending;
};

namespace detail {

inline std::int64_t timeout_to_ns(std::optional<double> timeout) noexcept {
    return timeout ? delay_to_ns(*timeout) : -1;
}
template <class Rep, class Period>
std::int64_t timeout_to_ns(std::chrono::duration<Rep, Period> timeout) noexcept {
    return delay_to_ns(timeout);
}

WaitSet::Mode wait_mode(ReturnWhen return_when) noexcept;

template <class Handle>
Coroutine<WaitResult<Handle>> wait_impl(std::vector<Handle> handles, std::int64_t timeout_ns,
                                        ReturnWhen return_when) {
    if (handles.empty()) throw ValueError("Set of Tasks/Futures is empty.");
    std::vector<FutureRef<FutureBase>> bases;
    bases.reserve(handles.size());
    for (const Handle& handle : handles) bases.push_back(handle.base());
    co_await WaitSet(std::move(bases), wait_mode(return_when), timeout_ns, false);
    WaitResult<Handle> result;
    for (Handle& handle : handles)
        (handle.done() ? result.done : result.pending).push_back(std::move(handle));
    co_return result;
}

// A coroutine, as Python's wait_for: the awaitable becomes a task only when
// this is awaited (on the loop then running), not when wait_for() is called.
template <class T, class A>
Coroutine<T> wait_for_impl(A awaitable, std::int64_t timeout_ns) {
    Task<T> task = ensure_future(std::move(awaitable));
    if (timeout_ns >= 0) {
        // (Named vectors: GCC 12 miscompiles a braced list inside co_await.)
        std::vector<FutureRef<FutureBase>> inner{task.base()};
        co_await WaitSet(inner, WaitSet::Mode::first_completed, timeout_ns, true);
        if (!task.done()) {
            task.cancel();
            // Wait for its clean-up; a cancellation of ours meanwhile is
            // delivered after it (the task is cancelled already).
            co_await WaitSet(inner, WaitSet::Mode::all_completed, -1, true);
            if (task.cancelled()) throw TimeoutError("wait_for: timed out");
        }
    }
    co_return co_await task;
}

}  // namespace detail

template <class Handle, class Timeout = std::optional<double>>
Coroutine<WaitResult<Handle>> wait(std::vector<Handle> tasks, Timeout timeout = std::nullopt,
                                   ReturnWhen return_when = ALL_COMPLETED) {
    return detail::wait_impl(std::move(tasks), detail::timeout_to_ns(timeout), return_when);
}

template <class A, class Timeout>
auto wait_for(A&& awaitable, Timeout timeout) {
    static_assert(detail::Awaitable<A>, "wait_for() takes an awaitable");
    using T = typename decltype(ensure_future(std::declval<A>()))::value_type;
    return detail::wait_for_impl<T, std::decay_t<A>>(std::forward<A>(awaitable),
                                                     detail::timeout_to_ns(timeout));
}

}  // namespace concur::asyncio
