// concur/asyncio/shield.hpp
// -----------------------------------------------------------------------------
// `asyncio::shield(aw)` mirrors Python's asyncio.shield: awaits `aw` (made a
// task) but a cancellation of the awaiting task does not reach it. The
// awaiting task still raises CancelledError; the shielded task runs on.
//
// Example:
//
//   auto t = asyncio::create_task(save());
//   co_await asyncio::shield(t);   // cancelling us leaves save() running
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/wait_set.hpp>
#include <concur/asyncio/task.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace concur::asyncio {

namespace detail {
template <class T>
Coroutine<T> shield_impl(Task<T> inner) {
    std::vector<FutureRef<FutureBase>> one{inner.base()};
    co_await WaitSet(one, WaitSet::Mode::all_completed, -1, false);  // cancel ends only our wait
    co_return co_await inner;
}
}  // namespace detail

template <class A>
auto shield(A&& awaitable) {
    static_assert(detail::Awaitable<A>, "shield() takes an awaitable");
    auto inner = ensure_future(std::forward<A>(awaitable));
    using T = typename decltype(inner)::value_type;
    return detail::shield_impl<T>(std::move(inner));
}

}  // namespace concur::asyncio
