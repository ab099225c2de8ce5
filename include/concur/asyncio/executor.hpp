// concur/asyncio/executor.hpp
// -----------------------------------------------------------------------------
// The bridges between asyncio and threads, mirroring Python's:
//
//   Python                                   concur
//   ---------------------------------------  ------------------------------------------
//   await asyncio.to_thread(fn, *args)       co_await asyncio::to_thread(fn, args...)
//   await loop.run_in_executor(ex, fn, *a)   co_await asyncio::run_in_executor(ex, fn, a...)
//                                            (ex: a futures::Executor*, nullptr: the loop's
//                                            default ThreadPoolExecutor)
//   asyncio.wrap_future(cf)                  asyncio::wrap_future(cf) -> asyncio::Future<T>
//   asyncio.run_coroutine_threadsafe(c, l)   asyncio::run_coroutine_threadsafe(c, loop)
//                                            -> futures::Future<T>, from any thread
//
// Results and exceptions cross with their types. Cancelling the asyncio side
// cancels the concurrent.futures side (a call not yet started never runs);
// cancelling the futures::Future of run_coroutine_threadsafe cancels the
// task. The loop is woken from the other thread with call_soon_threadsafe.
// Everything but run_coroutine_threadsafe runs on the loop's thread.
//
// Example:
//
//   int n = co_await asyncio::to_thread([] { return count_lines("big.txt"); });
//   // from another thread:
//   futures::Future<int> f = asyncio::run_coroutine_threadsafe(answer(), loop);
//   int v = f.result(std::chrono::seconds(1));
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/futures/executor.hpp>
#include <concur/futures/future.hpp>
#include <concur/futures/thread_pool_executor.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace concur::asyncio {

// An asyncio::Future on `loop` (default: get_event_loop()) that completes as
// `source` does.
template <class T>
Future<T> wrap_future(futures::Future<T> source, EventLoop* loop = nullptr) {
    EventLoop& target = loop != nullptr ? *loop : *get_event_loop();
    Future<T> destination(target);
    destination.add_done_callback([source](Future<T>& done) mutable {
        if (done.cancelled()) source.cancel();
    });
    // The outcome travels by value; the loop-local future is touched only on
    // the loop's thread (the callback below gives its reference away).
    struct Outcome {
        std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value{};
        std::exception_ptr error;
        bool cancelled = false;
    };
    auto pending = std::make_shared<std::optional<Future<T>>>(destination);
    std::weak_ptr<EventLoop> weak_loop = target.weak_from_this();
    source.add_done_callback([pending, weak_loop](futures::Future<T>& done) mutable {
        auto outcome = std::make_shared<Outcome>();
        if (done.cancelled()) {
            outcome->cancelled = true;
        } else if (std::exception_ptr error = done.exception()) {
            outcome->error = error;
        } else if constexpr (!std::is_void_v<T>) {
            outcome->value.emplace(done.result());
        }
        std::shared_ptr<std::optional<Future<T>>> slot = std::move(pending);
        std::shared_ptr<EventLoop> loop = weak_loop.lock();
        if (!loop) return;
        try {
            loop->call_soon_threadsafe([slot, outcome] {
                Future<T>& future = **slot;
                if (!future.done()) {
                    if (outcome->cancelled) {
                        future.cancel();
                    } else if (outcome->error) {
                        future.set_exception(outcome->error);
                    } else if constexpr (std::is_void_v<T>) {
                        future.set_result();
                    } else {
                        future.set_result(std::move(*outcome->value));
                    }
                }
                slot->reset();
            });
        } catch (const RuntimeError&) {
            // The loop closed meanwhile: nobody waits any more.
        }
    });
    return destination;
}

// Python's loop.run_in_executor(executor, fn, *args): schedules fn(args...)
// on `executor` (nullptr: the running loop's default executor).
template <class F, class... Args>
auto run_in_executor(futures::Executor* executor, F&& fn, Args&&... args) {
    EventLoop& loop = detail::require_running_loop();
    futures::Executor& target = executor != nullptr ? *executor : loop.default_executor();
    return wrap_future(target.submit(std::forward<F>(fn), std::forward<Args>(args)...), &loop);
}

// Python's asyncio.to_thread(fn, *args): runs fn(args...) in the default
// executor when awaited.
template <class F, class... Args>
auto to_thread(F fn, Args... args) -> Coroutine<std::invoke_result_t<F&, Args&...>> {
    co_return co_await run_in_executor(nullptr, std::move(fn), std::move(args)...);
}

// Python's asyncio.run_coroutine_threadsafe(coro, loop): submits `coro` to
// `loop` from any thread. Thread-safe.
template <class T>
futures::Future<T> run_coroutine_threadsafe(Coroutine<T> coro,
                                            const std::shared_ptr<EventLoop>& loop) {
    futures::Future<T> result;
    struct Bridge {
        Coroutine<T> coro;
        std::optional<Task<T>> task;  // touched on the loop's thread only
    };
    auto bridge = std::make_shared<Bridge>(Bridge{std::move(coro), std::nullopt});
    std::weak_ptr<EventLoop> weak_loop = loop;
    loop->call_soon_threadsafe([bridge, result, weak_loop]() mutable {
        if (result.cancelled()) return;
        auto running = weak_loop.lock();
        Task<T> task = running->create_task(std::move(bridge->coro));
        bridge->task = task;
        task.add_done_callback([bridge, result](Task<T>& done) mutable {
            bridge->task.reset();
            try {
                if (done.cancelled()) {
                    result.cancel();
                } else if constexpr (std::is_void_v<T>) {
                    done.result();
                    result.set_result();
                } else {
                    result.set_result(done.result());
                }
            } catch (const InvalidStateError&) {
                // cancelled from the other side meanwhile
            } catch (...) {
                try {
                    result.set_exception(std::current_exception());
                } catch (const InvalidStateError&) {
                }
            }
        });
        result.add_done_callback([bridge, weak_loop](futures::Future<T>& done) {
            if (!done.cancelled()) return;
            if (auto target = weak_loop.lock()) {
                try {
                    target->call_soon_threadsafe([bridge] {
                        if (bridge->task) bridge->task->cancel();
                    });
                } catch (const RuntimeError&) {
                }
            }
        });
    });
    return result;
}

}  // namespace concur::asyncio
