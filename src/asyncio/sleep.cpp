// asyncio.sleep: a timer node inside the sleeping coroutine's frame.
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/sleep.hpp>

namespace concur::asyncio::detail {

SleepAwaiter::~SleepAwaiter() {
    if (node_.queued() && task_ != nullptr) LoopAccess::remove_timer(task_->loop(), node_);
}

void SleepAwaiter::await_suspend(std::coroutine_handle<> awaiting) {
    task_ = &require_current_task("sleep");
    if (delay_ns_ <= 0) {
        // sleep(0): yield once (Python's bare `yield`); a cancel() meanwhile
        // is delivered by throw_if_must_cancel.
        task_->park(awaiting, nullptr);
        task_->wake();
        return;
    }
    node_.target = this;
    LoopAccess::add_timer(task_->loop(), node_, clock_now() + delay_ns_);
    task_->park(awaiting, this);
}

void SleepAwaiter::await_resume() {
    if (task_ != nullptr) task_->throw_if_must_cancel();
    if (cancelled_) {
        if (cancel_message_.empty()) throw CancelledError();
        throw CancelledError(cancel_message_);
    }
}

void SleepAwaiter::run_scheduled() {
    // The timer fired: step the task now (one hop; `this` may not survive it).
    task_->run_scheduled();
}

bool SleepAwaiter::cancel_wait(const std::string& message) {
    if (!node_.queued()) return false;
    LoopAccess::remove_timer(task_->loop(), node_);
    cancelled_ = true;
    cancel_message_ = message;
    task_->wake();
    return true;
}

}  // namespace concur::asyncio::detail
