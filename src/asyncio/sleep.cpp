// asyncio.sleep: a timer node inside the sleeping coroutine's frame.
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/sleep.hpp>

namespace concur::asyncio::detail {

SleepAwaiter::~SleepAwaiter() {
    if (node_.queued() && task_ != nullptr) LoopAccess::remove_timer(task_->loop(), node_);
}

void SleepAwaiter::await_suspend(std::coroutine_handle<> awaiting) {
    task_ = &require_current_task("sleep");
    const std::int64_t delay_ns = node_.when;
    if (delay_ns <= 0) {
        // sleep(0): yield once (Python's bare `yield`); a cancel() meanwhile
        // is delivered by throw_if_must_cancel.
        task_->park(awaiting, nullptr);
        task_->wake();
        return;
    }
    node_.target = this;
    LoopAccess::add_timer(task_->loop(), node_, clock_now() + delay_ns);
    task_->park(awaiting, this);
}

void SleepAwaiter::await_resume() {
    if (task_ != nullptr) task_->throw_if_must_cancel();
}

void SleepAwaiter::run_scheduled() {
    // The timer fired: step the task now (one hop; `this` may not survive it).
    task_->run_scheduled();
}

bool SleepAwaiter::cancel_wait(const std::string&) {
    // The sleep ends now; the task itself delivers the cancellation (and its
    // message) when it resumes here, so the frame keeps no message of its own.
    if (node_.queued()) {
        LoopAccess::remove_timer(task_->loop(), node_);
        task_->wake();
    }
    return false;
}

}  // namespace concur::asyncio::detail
