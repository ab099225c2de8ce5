// src/threading/condition.cpp -- Condition: Python's waiter list (each waiter
// parks on a word on its own stack) over a Lock or RLock.
#include <concur/detail/waiter.hpp>
#include <concur/threading/condition.hpp>

namespace concur::threading {

void Condition::unlink(Waiter& waiter) noexcept {
    (waiter.prev ? waiter.prev->next : head_) = waiter.next;
    (waiter.next ? waiter.next->prev : tail_) = waiter.prev;
    waiter.prev = waiter.next = nullptr;
}

bool Condition::wait_until(const concur::detail::Deadline* deadline) {
    if (!is_owned()) throw RuntimeError("cannot wait on un-acquired lock");
    Waiter self;
    self.prev = tail_;
    (tail_ ? tail_->next : head_) = &self;
    tail_ = &self;

    RLock::Saved saved{};
    if (lock_)
        lock_->release();
    else
        saved = rlock_->release_save();

    concur::detail::wait_on(
        self.signaled, Waiter::kSleepers,
        [](std::uint32_t value) { return (value & Waiter::kSignaled) != 0; }, deadline);

    if (lock_)
        lock_->acquire();
    else
        rlock_->acquire_restore(saved);

    // Under the lock again: a notify that raced the timeout has already
    // unlinked us and counts; otherwise we unlink ourselves.
    if (self.signaled.load(std::memory_order_acquire) & Waiter::kSignaled) return true;
    unlink(self);
    return false;
}

void Condition::notify(std::size_t n) {
    if (!is_owned()) throw RuntimeError("cannot notify on un-acquired lock");
    while (n-- > 0 && head_ != nullptr) {
        Waiter* waiter = head_;
        unlink(*waiter);
        // The waiter cannot return before it re-acquires the lock we hold,
        // so its word outlives the wake-up.
        if (waiter->signaled.exchange(Waiter::kSignaled, std::memory_order_release) &
            Waiter::kSleepers)
            concur::detail::unpark(waiter->signaled, 1);
    }
}

}  // namespace concur::threading
