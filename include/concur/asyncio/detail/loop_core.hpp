// concur/asyncio/detail/loop_core.hpp -- private: what the loop runs.
//
// The event loop runs three kinds of work, all on its own thread:
//   * Schedulable: an entry of the ready queue (a task step, a call_soon
//     callback). Python's `Handle`.
//   * TimerNode: an entry of the timer heap, handed to the ready queue when
//     its time comes. Python's `TimerHandle`. Nodes live inside their owner
//     (a sleeping coroutine's frame, a TimerHandle's state): no allocation per
//     sleep, and a node removes itself from the heap when cancelled or
//     destroyed.
//   * Waiter: what a suspended task is parked on (a timer, a future, a queue
//     slot). `cancel_wait` is Python's `task._fut_waiter.cancel()`.
//
// Nothing here is thread-safe: the loop's thread alone touches it. Other
// threads reach a loop only through EventLoop::call_soon_threadsafe().
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace concur::asyncio {
class EventLoop;
}

namespace concur::asyncio::detail {

class TaskBase;

// An entry of the ready queue.
class Schedulable {
  public:
    virtual void run_scheduled() = 0;
    // The loop closed with this still queued: release what keeps it alive.
    virtual void discard() noexcept {}

  protected:
    ~Schedulable() = default;
};

// An entry of the loop's timers: `target` is scheduled at `when` (the loop's
// clock, nanoseconds). `seq` keeps equal deadlines in the order they were set.
// A node sits either in the binary heap (`heap_index` its slot) or in the
// sorted lane (`heap_index == in_lane`, linked by prev/next): a deadline no
// earlier than the lane's last -- the usual case, as every `sleep(d)` with
// the same d -- is appended there in O(1) instead of sifting a heap.
struct TimerNode {
    static constexpr std::size_t not_queued = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t in_lane = not_queued - 1;
    std::int64_t when = 0;
    std::uint64_t seq = 0;
    std::size_t heap_index = not_queued;
    Schedulable* target = nullptr;
    TimerNode* prev = nullptr;
    TimerNode* next = nullptr;
    bool queued() const noexcept { return heap_index != not_queued; }
};

// What a suspended task waits on.
class Waiter {
  public:
    // Python's `Future.cancel()` on the awaited object: true when the waiter
    // takes the cancellation over (it wakes the task, whose resumption raises
    // CancelledError or whatever the cancelled object delivers); false when
    // the task is to deliver it itself as a pending cancel() at its next
    // resumption -- the wait had already ended, or the waiter ended it and
    // leaves the raising to the task (sleep does: no message in its frame).
    virtual bool cancel_wait(const std::string& message) = 0;

  protected:
    ~Waiter() = default;
};

// The loop's clock: steady_clock nanoseconds (Python's time.monotonic()).
inline std::int64_t clock_now() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Converts a delay to nanoseconds, saturating; negative and NaN are 0.
std::int64_t delay_to_ns(double seconds) noexcept;
template <class Rep, class Period>
std::int64_t delay_to_ns(std::chrono::duration<Rep, Period> delay) noexcept {
    using namespace std::chrono;
    if (delay <= delay.zero()) return 0;
    if (duration_cast<duration<double>>(delay).count() > 9.0e9)
        return std::numeric_limits<std::int64_t>::max() / 2;
    return duration_cast<nanoseconds>(delay).count();
}

// A libuv handle the loop must close before it can close itself (a stream,
// a server, a process): close() calls force_close() on each one still open.
class Closable {
  public:
    virtual void force_close() noexcept = 0;

  protected:
    ~Closable() = default;
};

// The loop's internals, for the awaitables and futures of this module.
struct LoopAccess {
    // Runs `target` in the loop's next iteration (its owner keeps it alive
    // until it has run or been discarded).
    static void schedule(EventLoop& loop, Schedulable& target);
    static void add_timer(EventLoop& loop, TimerNode& node, std::int64_t when);
    static void remove_timer(EventLoop& loop, TimerNode& node) noexcept;
    static TaskBase* current_task(EventLoop& loop) noexcept;
    static void set_current_task(EventLoop& loop, TaskBase* task) noexcept;
    static void register_task(EventLoop& loop, TaskBase& task);
    static void unregister_task(EventLoop& loop, TaskBase& task) noexcept;
    static bool closing(EventLoop& loop) noexcept;
    static std::vector<TaskBase*> live_tasks(EventLoop& loop);
    // The loop's uv_loop_t (as void*: no public header includes <uv.h>).
    static void* uv_loop(EventLoop& loop) noexcept;
    static void add_closable(EventLoop& loop, Closable& handle);
    static void remove_closable(EventLoop& loop, Closable& handle) noexcept;
};

// The loop running on this thread, or null.
EventLoop* running_loop() noexcept;
// The running loop; RuntimeError("no running event loop") when none.
EventLoop& require_running_loop();
// The task running on this thread's loop; RuntimeError when none (an
// awaitable of this module was awaited outside a task).
TaskBase& require_current_task(const char* what);

}  // namespace concur::asyncio::detail
