// asyncio's Lock, Semaphore, BoundedSemaphore and Condition.
#include <concur/asyncio/condition.hpp>
#include <concur/asyncio/lock.hpp>

#include <string>

namespace concur::asyncio {

void Lock::release() {
    if (!locked_) throw RuntimeError("Lock is not acquired.");
    if (!waiters_.wake_one()) locked_ = false;  // else handed to the first waiter
}

Semaphore::Semaphore(std::int64_t value) : value_(value) {
    if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
}

void Semaphore::release() {
    if (!waiters_.wake_one()) ++value_;
}

void BoundedSemaphore::release() {
    if (value_ >= bound_) throw ValueError("BoundedSemaphore released too many times");
    Semaphore::release();
}

Coroutine<bool> Condition::wait() {
    if (!lock_->locked()) throw RuntimeError("cannot wait on un-acquired lock");
    lock_->release();
    const detail::WaitQueue::Outcome outcome = co_await waiters_.park_settled("wait on a Condition");
    std::exception_ptr error = outcome.error;
    const bool notified = outcome.woken;
    // Take the lock back even when cancelled (Python: "Must re-acquire lock
    // even if wait is cancelled"); a cancellation meanwhile is kept.
    for (;;) {
        bool again = false;
        try {
            co_await lock_->acquire();
        } catch (const CancelledError&) {
            if (!error) error = std::current_exception();
            again = true;
        }
        if (!again) break;
    }
    if (error) {
        if (notified) notify(1);  // pass the notification on
        std::rethrow_exception(error);
    }
    co_return true;
}

void Condition::notify(std::size_t n) {
    if (!lock_->locked()) throw RuntimeError("cannot notify on un-acquired lock");
    for (std::size_t i = 0; i < n && waiters_.wake_one(); ++i) {
    }
}

void Condition::notify_all() {
    if (!lock_->locked()) throw RuntimeError("cannot notify on un-acquired lock");
    waiters_.wake_all();
}

}  // namespace concur::asyncio
