// concur/asyncio/lock.hpp
// -----------------------------------------------------------------------------
// asyncio's locks, mirroring Python's asyncio.Lock, Semaphore and
// BoundedSemaphore: they suspend the awaiting task, never the thread.
//
//   Python                        concur
//   ----------------------------  ----------------------------------------------
//   await lock.acquire()          co_await lock.acquire()       (-> true)
//   lock.release()                lock.release()
//   lock.locked()                 lock.locked()
//   async with lock: ...          co_await lock.acquire(); ...; lock.release();
//                                 (or: auto held = co_await lock.hold(); -- released
//                                 when `held` goes out of scope)
//   asyncio.Semaphore(n)          asyncio::Semaphore sem(n)  (acquire, release, locked)
//   asyncio.BoundedSemaphore(n)   asyncio::BoundedSemaphore sem(n)
//
// Waiters are served first come, first served: release() hands the lock (or
// the unit) straight to the first waiting task. A task cancelled while it
// waits raises CancelledError and takes nothing; one cancelled after it was
// handed the lock, before it ran, passes it on to the next waiter: no
// wake-up is lost (CPython's test_acquire_cancel_after_wakeup cases).
// Difference: during that hand-over `locked()` is already true (in Python it
// is briefly false).
//
// Errors: release() of an unlocked Lock raises RuntimeError("Lock is not
// acquired."); Semaphore(-1) ValueError; BoundedSemaphore released above its
// initial value ValueError("BoundedSemaphore released too many times").
//
// Loop-thread only, as in Python (they are not thread-safe).
//
// Example:
//
//   asyncio::Lock lock;
//   asyncio::Coroutine<void> worker() {
//       auto held = co_await lock.hold();
//       co_await asyncio::sleep(0.1);       // no other worker holds it meanwhile
//   }
#pragma once

#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/exceptions.hpp>

#include <coroutine>
#include <cstdint>
#include <utility>

namespace concur::asyncio {

namespace detail {
// What acquire() returns for a Lock or a Semaphore: takes it at once when
// free, otherwise waits to be handed it.
template <class Primitive>
class AcquireAwaiter {
  public:
    explicit AcquireAwaiter(Primitive& primitive) noexcept : primitive_(&primitive) {}
    bool await_ready() noexcept { return primitive_->try_take(); }
    void await_suspend(std::coroutine_handle<> awaiting) {
        primitive_->waiters_.wait(node_, awaiting, "acquire");
    }
    bool await_resume() {
        try {
            node_.finish();
        } catch (...) {
            if (node_.woken()) primitive_->release();  // pass the hand-over on
            throw;
        }
        return true;
    }

  private:
    Primitive* primitive_;
    WaitQueue::Node node_;
};

// Releases what it holds when it goes out of scope (`co_await x.hold()`).
template <class Primitive>
class [[nodiscard]] Held {
  public:
    explicit Held(Primitive& primitive) noexcept : primitive_(&primitive) {}
    Held(Held&& other) noexcept : primitive_(std::exchange(other.primitive_, nullptr)) {}
    Held& operator=(Held&&) = delete;
    ~Held() {
        if (primitive_ != nullptr) primitive_->release();
    }

  private:
    Primitive* primitive_;
};

template <class Primitive>
struct HoldAwaiter {
    AcquireAwaiter<Primitive> acquire;
    Primitive* primitive;
    bool await_ready() noexcept { return acquire.await_ready(); }
    void await_suspend(std::coroutine_handle<> awaiting) { acquire.await_suspend(awaiting); }
    Held<Primitive> await_resume() {
        acquire.await_resume();
        return Held<Primitive>(*primitive);
    }
};
}  // namespace detail

class Lock {
  public:
    Lock() = default;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

    // Suspends until the lock is this task's; true. CancelledError if the
    // task is cancelled while it waits.
    detail::AcquireAwaiter<Lock> acquire() noexcept { return detail::AcquireAwaiter<Lock>(*this); }
    // acquire(), then an object that releases the lock when destroyed.
    detail::HoldAwaiter<Lock> hold() noexcept {
        return {detail::AcquireAwaiter<Lock>(*this), this};
    }
    // Hands the lock to the first waiter, or unlocks it. RuntimeError when
    // not locked.
    void release();
    bool locked() const noexcept { return locked_; }

  private:
    friend class detail::AcquireAwaiter<Lock>;
    bool try_take() noexcept {
        if (locked_) return false;
        locked_ = true;
        return true;
    }
    bool locked_ = false;
    detail::WaitQueue waiters_;
};

class Semaphore {
  public:
    // ValueError when `value` < 0.
    explicit Semaphore(std::int64_t value = 1);
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;
    virtual ~Semaphore() = default;

    detail::AcquireAwaiter<Semaphore> acquire() noexcept {
        return detail::AcquireAwaiter<Semaphore>(*this);
    }
    detail::HoldAwaiter<Semaphore> hold() noexcept {
        return {detail::AcquireAwaiter<Semaphore>(*this), this};
    }
    // Hands a unit to the first waiter, or adds one.
    virtual void release();
    // True when acquire() would wait.
    bool locked() const noexcept { return value_ == 0; }
    std::int64_t value() const noexcept { return value_; }

  protected:
    std::int64_t value_;
    detail::WaitQueue waiters_;

  private:
    friend class detail::AcquireAwaiter<Semaphore>;
    bool try_take() noexcept {
        if (value_ == 0) return false;
        --value_;
        return true;
    }
};

class BoundedSemaphore : public Semaphore {
  public:
    explicit BoundedSemaphore(std::int64_t value = 1) : Semaphore(value), bound_(value) {}
    // ValueError("BoundedSemaphore released too many times") above the
    // initial value.
    void release() override;

  private:
    std::int64_t bound_;
};

}  // namespace concur::asyncio
