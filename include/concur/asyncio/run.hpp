// concur/asyncio/run.hpp
// -----------------------------------------------------------------------------
// `asyncio::run(aw)` mirrors Python's asyncio.run: creates a new event loop,
// sets it as this thread's, runs `aw` (any awaitable; a Coroutine in
// general) to completion and returns its value (or rethrows its exception);
// then cancels the tasks still pending and runs the loop until they have
// finished, shuts the default executor down, clears this thread's loop and
// closes the loop.
//
// RuntimeError("asyncio.run() cannot be called from a running event loop")
// inside a running loop. Blocks the calling thread.
//
// Example:
//
//   asyncio::Coroutine<int> main_() { co_return 42; }
//   int main() { return asyncio::run(main_()) == 42 ? 0 : 1; }
#pragma once

#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/task.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace concur::asyncio {

namespace detail {
// asyncio.run's prologue: RuntimeError inside a running loop; a new loop set
// as this thread's.
std::shared_ptr<EventLoop> begin_run();
// asyncio.run's epilogue: cancels what is left and closes the loop.
void end_run(const std::shared_ptr<EventLoop>& loop) noexcept;
}  // namespace detail

template <class A>
auto run(A&& main) {
    static_assert(detail::Awaitable<A>, "asyncio::run() takes a Coroutine or another awaitable");
    std::shared_ptr<EventLoop> loop = detail::begin_run();
    struct End {
        const std::shared_ptr<EventLoop>& loop;
        ~End() { detail::end_run(loop); }
    } end{loop};
    return loop->run_until_complete(std::forward<A>(main));
}

}  // namespace concur::asyncio
