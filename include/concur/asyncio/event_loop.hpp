// concur/asyncio/event_loop.hpp
// -----------------------------------------------------------------------------
// `asyncio::EventLoop` mirrors Python's asyncio event loop: one thread runs
// callbacks, timers and task steps, one at a time, and waits for I/O (on
// libuv) when nothing is ready. A loop is held as
// `std::shared_ptr<EventLoop>` (new_event_loop(), get_event_loop()).
//
//   Python                              concur
//   ----------------------------------  ------------------------------------------
//   asyncio.new_event_loop()            asyncio::new_event_loop()
//   asyncio.get_event_loop()            asyncio::get_event_loop()
//   asyncio.set_event_loop(loop)        asyncio::set_event_loop(loop)
//   asyncio.get_running_loop()          asyncio::get_running_loop()
//   loop.run_until_complete(aw)         loop->run_until_complete(aw)   (<concur/asyncio/task.hpp>)
//   loop.run_forever() / stop()         loop->run_forever() / stop()
//   loop.close(), is_running(), ...     the same names
//   loop.call_soon(fn, *args)           loop->call_soon([=] { fn(args...); })
//   loop.call_later(delay, fn)          loop->call_later(delay, fn)  (double s or duration)
//   loop.call_at(when, fn), time()      loop->call_at(when, fn), time()
//   loop.call_soon_threadsafe(fn)       loop->call_soon_threadsafe(fn)
//   loop.create_task(coro)              loop->create_task(coro)      (<concur/asyncio/task.hpp>)
//   loop.add_signal_handler(sig, fn)    loop->add_signal_handler(sig, fn)
//   loop.set_exception_handler(h)       loop->set_exception_handler(h)
//
// One iteration of the loop (Python's `_run_once`): wait for I/O -- not at
// all when callbacks are ready, until the earliest timer otherwise -- move the
// timers that are due to the ready queue, then run every callback that was
// ready when the iteration began. stop() ends run_forever() after the current
// iteration.
//
// Differences from Python:
//   * call_soon takes a callable; bind arguments with a lambda.
//   * A task stays alive until it is done even if nothing else refers to it
//     (Python keeps only weak references, and documents the pitfall).
//   * get_event_loop() with no loop set creates and sets one for this thread
//     in every thread, as Python < 3.12 did for the main thread.
//
// Thread-safety: a loop belongs to the thread that runs it. Only
// call_soon_threadsafe() (and stop() through it) may be called from other
// threads; everything else must be called on the loop's thread.
//
// Example:
//
//   auto loop = asyncio::new_event_loop();
//   loop->call_later(0.1, [&] { loop->stop(); });
//   loop->call_soon([] { std::puts("first"); });
//   loop->run_forever();               // "first", then stops after 0.1 s
//   loop->close();
#pragma once

#include <concur/asyncio/detail/loop_core.hpp>
#include <concur/asyncio/exceptions.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace concur::futures {
class ThreadPoolExecutor;
}

namespace concur::asyncio {

class EventLoop;

// Python's `asyncio.Handle` / `TimerHandle`: a callback scheduled by
// call_soon()/call_later()/call_at(), which cancel() keeps from running.
// Copies refer to the same callback. Loop-thread only.
class Handle {
  public:
    Handle() = default;
    // Keeps the callback from running (nothing if it ran or was cancelled).
    void cancel() noexcept;
    bool cancelled() const noexcept;
    // When the callback is due, on the loop's clock (TimerHandle.when());
    // for a call_soon handle, when it was scheduled.
    double when() const noexcept;

  private:
    friend class EventLoop;
    struct State;
    explicit Handle(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
};
using TimerHandle = Handle;

// Python's exception-handler context dict: `message`, `exception` (may be
// null) and the other entries as (key, repr) pairs, e.g. {"task", "<Task
// pending name='Task-3'>"} or {"handle", "<Handle>"}.
struct ExceptionContext {
    std::string message;
    std::exception_ptr exception;
    std::vector<std::pair<std::string, std::string>> details;
};
using ExceptionHandler = std::function<void(EventLoop&, const ExceptionContext&)>;

class EventLoop : public std::enable_shared_from_this<EventLoop> {
  public:
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;
    // Closes the loop if it was not closed (pending tasks are reported and
    // destroyed, as close() does).
    ~EventLoop();

    // Runs until stop() is called. Blocks. RuntimeError when this loop is
    // already running, another loop runs on this thread, or it is closed.
    void run_forever();
    // Ends run_forever() after the current iteration (or makes the next
    // run_forever() run one iteration, as Python's). Loop thread only.
    void stop() noexcept;
    // Destroys pending tasks (each reported as "Task was destroyed but it is
    // pending!"), drops pending callbacks and shuts the default executor down
    // (waiting for it). RuntimeError when running. Idempotent.
    void close();
    bool is_running() const noexcept;
    bool is_closed() const noexcept;

    // Schedules `callback` for the next iteration; callbacks run in the order
    // they were scheduled. RuntimeError when closed.
    Handle call_soon(std::function<void()> callback);
    // Schedules `callback` after `delay` (seconds, or any duration; negative
    // is 0). Equal deadlines run in scheduling order.
    Handle call_later(double delay, std::function<void()> callback);
    template <class Rep, class Period>
    Handle call_later(std::chrono::duration<Rep, Period> delay, std::function<void()> callback) {
        return call_at_ns(detail::clock_now() + detail::delay_to_ns(delay), std::move(callback));
    }
    // Schedules `callback` at `when`, on the clock of time().
    Handle call_at(double when, std::function<void()> callback);
    // The loop's clock in seconds (Python's time.monotonic()).
    double time() const noexcept;

    // Schedules `callback` from any thread and wakes the loop. Thread-safe.
    // RuntimeError when the loop is closed.
    void call_soon_threadsafe(std::function<void()> callback);

    // Runs `handler` on the loop (as a callback) each time signal `signum`
    // arrives; replaces an earlier handler. ValueError for an invalid signal
    // (SIGKILL, SIGSTOP, out of range); RuntimeError when closed.
    void add_signal_handler(int signum, std::function<void()> handler);
    // Removes the handler of `signum`; false when there was none.
    bool remove_signal_handler(int signum);

    // Replaces the handler of errors no one else can receive (a callback
    // that threw, a task's exception never retrieved); null restores the
    // default, which prints them to stderr.
    void set_exception_handler(ExceptionHandler handler);
    ExceptionHandler get_exception_handler() const;
    void call_exception_handler(const ExceptionContext& context);
    void default_exception_handler(const ExceptionContext& context);

    // The executor of run_in_executor(nullptr, ...) and to_thread(): a
    // ThreadPoolExecutor created on first use, shut down by close().
    futures::ThreadPoolExecutor& default_executor();

    // Defined in <concur/asyncio/task.hpp>: run_until_complete(aw),
    // create_task(aw, name).
    template <class A>
    auto run_until_complete(A&& awaitable);
    template <class A>
    auto create_task(A&& awaitable, std::string name = {});

  private:
    friend struct detail::LoopAccess;
    friend std::shared_ptr<EventLoop> new_event_loop();
    struct Impl;

    EventLoop();
    Handle call_at_ns(std::int64_t when, std::function<void()> callback);
    void run_once();
    void check_not_closed() const;

    std::unique_ptr<Impl> impl_;
};

// A new loop (not set as this thread's).
std::shared_ptr<EventLoop> new_event_loop();
// The running loop; RuntimeError("no running event loop") when none.
std::shared_ptr<EventLoop> get_running_loop();
// The running loop, else this thread's loop, else a new one set as this
// thread's.
std::shared_ptr<EventLoop> get_event_loop();
// Sets (or with null, clears) this thread's loop.
void set_event_loop(std::shared_ptr<EventLoop> loop);

}  // namespace concur::asyncio
