// concur/asyncio/event.hpp
// -----------------------------------------------------------------------------
// `asyncio::Event` mirrors Python's asyncio.Event: a flag that tasks wait
// for.
//
//   co_await event.wait()   -> true once the flag is set (at once if it is)
//   event.set()             sets the flag and wakes every waiting task
//   event.clear(), is_set()
//
// A task cancelled while it waits raises CancelledError. Loop-thread only.
//
// Example:
//
//   asyncio::Event ready;
//   asyncio::Coroutine<void> waiter() { co_await ready.wait(); }
//   // elsewhere, in the same loop: ready.set();
#pragma once

#include <concur/asyncio/detail/wait_queue.hpp>

#include <coroutine>

namespace concur::asyncio {

class Event {
  public:
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    struct WaitAwaiter {
        Event* event;
        detail::WaitQueue::Node node;
        bool await_ready() const noexcept { return event->value_; }
        void await_suspend(std::coroutine_handle<> awaiting) {
            event->waiters_.wait(node, awaiting, "wait for an Event");
        }
        bool await_resume() {
            node.finish();
            return true;
        }
    };

    // Suspends until the flag is set; true.
    WaitAwaiter wait() noexcept { return WaitAwaiter{this, {}}; }
    void set() noexcept {
        if (value_) return;
        value_ = true;
        waiters_.wake_all();
    }
    void clear() noexcept { value_ = false; }
    bool is_set() const noexcept { return value_; }

  private:
    bool value_ = false;
    detail::WaitQueue waiters_;
};

}  // namespace concur::asyncio
