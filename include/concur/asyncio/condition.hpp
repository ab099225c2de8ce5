// concur/asyncio/condition.hpp
// -----------------------------------------------------------------------------
// `asyncio::Condition` mirrors Python's asyncio.Condition: tasks wait, with
// a Lock held, until another task notifies them.
//
//   co_await cond.acquire(); cond.release(); cond.locked()   (the lock's)
//   co_await cond.wait()              -> true; releases the lock while waiting,
//                                        holds it again when it returns
//   co_await cond.wait_for(predicate) -> the predicate's value once true
//   cond.notify(n = 1), cond.notify_all()
//
// `Condition(lock)` shares an existing Lock (it must outlive the Condition).
// wait() re-acquires the lock even when the task is cancelled (then raises
// CancelledError holding it, as Python does); a task cancelled after it was
// notified passes the notification on to the next waiter.
//
// Errors: wait() or notify() without the lock held raise RuntimeError
// ("cannot wait on un-acquired lock", "cannot notify on un-acquired lock").
// Loop-thread only.
//
// Example:
//
//   asyncio::Condition cond;
//   asyncio::Coroutine<void> consumer(std::deque<int>& items) {
//       auto held = co_await cond.hold();
//       co_await cond.wait_for([&] { return !items.empty(); });
//       items.pop_front();
//   }
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/lock.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <utility>

namespace concur::asyncio {

class Condition {
  public:
    Condition() : owned_(std::make_unique<Lock>()), lock_(owned_.get()) {}
    explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;

    auto acquire() noexcept { return lock_->acquire(); }
    auto hold() noexcept { return lock_->hold(); }
    void release() { lock_->release(); }
    bool locked() const noexcept { return lock_->locked(); }

    // Releases the lock, waits for a notification, re-acquires the lock.
    Coroutine<bool> wait();
    // Waits until `predicate()` is true (checked with the lock held).
    template <class Predicate>
    Coroutine<decltype(std::declval<Predicate&>()())> wait_for(Predicate predicate) {
        auto result = predicate();
        while (!result) {
            co_await wait();
            result = predicate();
        }
        co_return result;
    }
    // Wakes up to `n` waiting tasks. RuntimeError without the lock.
    void notify(std::size_t n = 1);
    void notify_all();

  private:
    std::unique_ptr<Lock> owned_;
    Lock* lock_;
    detail::WaitQueue waiters_;
};

}  // namespace concur::asyncio
