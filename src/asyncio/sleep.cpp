// asyncio.sleep: a timer node inside the sleeping coroutine's frame.
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/sleep.hpp>

namespace concur::asyncio::detail {

TaskBase* SleepAwaiter::task() const noexcept {
    return static_cast<TaskBase*>(node_.target);
}

SleepAwaiter::~SleepAwaiter() {
    if (node_.queued()) LoopAccess::remove_timer(task()->loop(), node_);
}

void SleepAwaiter::await_suspend(std::coroutine_handle<> awaiting) {
    TaskBase& task = require_current_task("sleep");
    node_.target = &task;
    const std::int64_t delay_ns = node_.when;
    if (delay_ns <= 0) {
        // sleep(0): yield once (Python's bare `yield`); a cancel() meanwhile
        // is delivered by throw_if_must_cancel.
        task.park(awaiting, nullptr);
        task.wake();
        return;
    }
    LoopAccess::add_timer(task.loop(), node_, clock_now() + delay_ns);
    task.park(awaiting, this);
}

void SleepAwaiter::await_resume() {
    if (node_.target != nullptr) task()->throw_if_must_cancel();
}

bool SleepAwaiter::cancel_wait(const std::string&) {
    // The sleep ends now; the task itself delivers the cancellation (and its
    // message) when it resumes here, so the frame keeps no message of its own.
    if (node_.queued()) {
        LoopAccess::remove_timer(task()->loop(), node_);
        task()->wake();
    }
    return false;
}

}  // namespace concur::asyncio::detail
