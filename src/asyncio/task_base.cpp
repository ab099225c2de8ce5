// asyncio's tasks: stepping a coroutine, parking and waking, cancellation.
#include <concur/asyncio/detail/task_base.hpp>
#include <concur/asyncio/event_loop.hpp>

#include <atomic>
#include <utility>

namespace concur::asyncio::detail {

namespace {
// Python's task names count up process-wide: Task-1, Task-2, ...
std::atomic<std::uint64_t> task_counter{0};
}  // namespace

TaskBase::TaskBase(EventLoop& loop, std::string name) : FutureBase(loop) {
    // As Python, only unnamed tasks take a number.
    if (name.empty()) {
        number_ = task_counter.fetch_add(1, std::memory_order_relaxed) + 1;
    } else {
        set_name(std::move(name));
    }
}

TaskBase::~TaskBase() {
    report_unretrieved("Task");
}

void TaskBase::start() {
    add_ref();
    held_by_loop_ = true;
    LoopAccess::register_task(loop(), *this);
    wake();
}

std::string TaskBase::get_name() const {
    if (named_) return extras_if_any()->task_name;
    return "Task-" + std::to_string(number_);
}

std::string TaskBase::repr() const {
    std::string text = "<Task " + std::string(status_name()) + " name='" + get_name() + "'";
    if (status() == Status::finished) {
        // Like Python's "exception=..." / "result=..." without the values.
        text += exception_ptr_set() ? " exception" : " result";
    }
    return text + ">";
}

bool TaskBase::cancel(std::string message) {
    if (done()) return false;
    ++cancel_requests_;
    if (waiting_on_ != nullptr && waiting_on_->cancel_wait(message)) {
        // The awaited object ends the wait (Python: _fut_waiter.cancel()).
        return true;
    }
    must_cancel_ = true;
    if (!message.empty() || extras_if_any() != nullptr)
        extras().task_cancel_message = std::move(message);
    return true;
}

int TaskBase::uncancel() noexcept {
    if (cancel_requests_ > 0) {
        --cancel_requests_;
        if (cancel_requests_ == 0) must_cancel_ = false;
    }
    return cancel_requests_;
}

void TaskBase::wake() {
    if (scheduled_ || done() || LoopAccess::closing(loop())) return;
    scheduled_ = true;
    LoopAccess::schedule(loop(), *this);
}

std::string TaskBase::take_cancel_message() noexcept {
    if (extras_if_any() == nullptr) return {};
    return std::exchange(extras().task_cancel_message, {});
}

void TaskBase::throw_if_must_cancel() {
    if (!must_cancel_) return;
    must_cancel_ = false;
    std::string message = take_cancel_message();
    if (message.empty()) throw CancelledError();
    throw CancelledError(message);
}

void TaskBase::run_scheduled() {
    scheduled_ = false;
    if (done()) return;
    if (!started_) {
        started_ = true;
        if (must_cancel_) {
            // Cancelled before its first step: the coroutine never runs.
            must_cancel_ = false;
            drop_root();
            finish_cancelled(take_cancel_message());
            release();
            return;
        }
        resume_point_ = root();
    }
    if (!resume_point_) return;
    waiting_on_ = nullptr;
    EventLoop& loop = this->loop();
    TaskBase* previous = LoopAccess::current_task(loop);
    LoopAccess::set_current_task(loop, this);
    std::exchange(resume_point_, {}).resume();
    LoopAccess::set_current_task(loop, previous);
    if (root().done()) {
        complete_from_root();
        release();  // may free this task
    }
}

void TaskBase::finish_from_exception(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const CancelledError& cancelled) {
        // A coroutine that lets CancelledError out is cancelled (Python's
        // Task.__step: super().cancel(msg=exc_details)).
        const std::string what = cancelled.what();
        finish_cancelled(what == CancelledError().what() ? std::string() : what);
    } catch (...) {
        finish_with_exception(std::current_exception());
    }
}

void TaskBase::release() noexcept {
    LoopAccess::unregister_task(loop(), *this);
    held_by_loop_ = false;
    drop_ref();  // may be the last reference: this task ends here
}

void TaskBase::destroy_pending() noexcept {
    held_by_loop_ = false;  // its reference is dropped at the end
    LoopAccess::unregister_task(loop(), *this);
    try {
        loop().call_exception_handler(
            {"Task was destroyed but it is pending!", nullptr, {{"task", repr()}}});
    } catch (...) {
    }
    waiting_on_ = nullptr;
    resume_point_ = {};
    drop_root();  // frees the coroutine frames (their awaiters unlink themselves)
    drop_callbacks();
    drop_ref();  // may be the last reference: this task ends here
}

}  // namespace concur::asyncio::detail
