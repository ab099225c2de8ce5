// concur/asyncio/task_group.hpp
// -----------------------------------------------------------------------------
// `asyncio::TaskGroup` mirrors Python's asyncio.TaskGroup (3.11): structured
// concurrency. Tasks created through the group are waited for together; when
// one fails, the others (and the task that owns the group) are cancelled and
// the failures are raised together as concur::ExceptionGroup.
//
//   Python                                concur
//   ------------------------------------  ------------------------------------------
//   async with asyncio.TaskGroup() as tg: asyncio::TaskGroup tg;
//       t = tg.create_task(coro())            auto t = tg.create_task(coro());
//       ...                                   ...
//   # the block's end waits for children   co_await tg;
//
//   or, with Python's handling of an exception raised in the block itself:
//                                         co_await asyncio::TaskGroup::run(
//                                             [&](asyncio::TaskGroup& tg) ->
//                                             asyncio::Coroutine<void> {
//                                                 tg.create_task(coro()); ... co_return; });
//
// `co_await tg` is the end of Python's `async with` block: it waits for every
// child; if any failed it raises ExceptionGroup("unhandled errors in a
// TaskGroup", [every failure]); children cancelled by the group do not count.
// A child's failure while the owner is still before `co_await tg` cancels
// the owner (its current await raises CancelledError) -- with
// TaskGroup::run() that CancelledError is then turned into the
// ExceptionGroup, as Python's `async with` does; with the plain form, an
// uncaught CancelledError skips `co_await tg` (C++ cannot await in a
// destructor), the owner ends cancelled and the group's destructor cancels
// the children. Prefer run() when the block awaits other things.
//
// Errors: create_task() after the group finished or while it shuts down
// raises RuntimeError. A TaskGroup destroyed without being awaited cancels its
// children. Loop-thread only.
//
// Example:
//
//   asyncio::TaskGroup tg;
//   auto a = tg.create_task(fetch(1));
//   auto b = tg.create_task(fetch(2));
//   co_await tg;                        // both done, or ExceptionGroup
//   use(a.result(), b.result());
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/task.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace concur::asyncio {

class TaskGroup {
  public:
    // Remembers the current task (if any) as the group's owner.
    TaskGroup();
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;
    // Cancels children still running if the group was not awaited.
    ~TaskGroup();

    template <class A>
    auto create_task(A&& awaitable, std::string name = {}) {
        EventLoop& loop = prepare_create();
        auto task = loop.create_task(std::forward<A>(awaitable), std::move(name));
        adopt(task);
        return task;
    }

    // Waits for the children (Python's __aexit__ without an exception).
    Coroutine<void> join() { return join_after(nullptr); }
    auto operator co_await() { return join().operator co_await(); }

    // Runs `body(group)` and joins, as `async with TaskGroup() as tg: body`.
    template <class Body>
    static Coroutine<void> run(Body body) {
        TaskGroup group;
        std::exception_ptr body_error;
        try {
            co_await body(group);
        } catch (...) {
            body_error = std::current_exception();
        }
        co_await group.join_after(body_error);
    }

  private:
    struct State;
    EventLoop& prepare_create();
    void adopt(const AnyTask& task);
    Coroutine<void> join_after(std::exception_ptr body_error);

    std::shared_ptr<State> state_;
};

}  // namespace concur::asyncio
