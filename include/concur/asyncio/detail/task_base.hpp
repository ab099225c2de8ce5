// concur/asyncio/detail/task_base.hpp -- private: a task without its result
// type (Python's asyncio.Task minus the value), and the awaiter of a future.
//
// A task drives a root coroutine. A step resumes the innermost suspended
// coroutine (awaiting a Coroutine transfers control into it without
// suspending the task), and ends when some awaitable of this module parks
// the task (`park`, naming the Waiter) or the root coroutine finishes.
// Waking (`wake`) puts the task on the ready queue once.
//
// Cancellation (Python 3.11+): cancel() counts a request; when the task is
// parked on a Waiter that accepts `cancel_wait`, that wait ends in
// CancelledError; otherwise `must_cancel` makes the next resumption raise it
// (every awaiter's await_resume calls `throw_if_must_cancel`), and a task
// cancelled before its first step finishes cancelled without running.
#pragma once

#include <concur/asyncio/detail/future_base.hpp>
#include <concur/asyncio/detail/loop_core.hpp>

#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>

namespace concur::asyncio::detail {

class TaskBase : public FutureBase, public Schedulable {
  public:
    explicit TaskBase(EventLoop& loop, std::string name);
    ~TaskBase() override;

    // Registers the task with its loop (which holds a reference until the
    // task is done) and schedules its first step.
    void start();

    bool cancel(std::string message) override;
    int cancelling() const noexcept { return cancel_requests_; }
    int uncancel() noexcept;

    std::string get_name() const;
    void set_name(std::string name) {
        extras().task_name = std::move(name);
        named_ = true;
    }
    std::string repr() const override;

    // For awaiters: parks the task at `resume_point` until wake(); `waiter`
    // (may be null) receives cancel_wait() if the task is cancelled meanwhile.
    void park(std::coroutine_handle<> resume_point, Waiter* waiter) noexcept {
        resume_point_ = resume_point;
        waiting_on_ = waiter;
    }
    // Schedules the next step (once; nothing when done or the loop closes).
    void wake();
    // In await_resume: raises CancelledError when a cancel() is pending.
    void throw_if_must_cancel();

    // A step (from the ready queue, or directly by a timer that fired).
    void run_scheduled() override;

    // A reference to this pending task (null once it is done).
    FutureRef<TaskBase> shared_from_this_task() noexcept {
        return held_by_loop_ ? FutureRef<TaskBase>(this) : FutureRef<TaskBase>();
    }

    // Loop close: reports the pending task and frees its coroutine frames.
    void destroy_pending() noexcept;

    // The loop's list of live tasks.
    TaskBase* prev_live = nullptr;
    TaskBase* next_live = nullptr;

  protected:
    virtual std::coroutine_handle<> root() const noexcept = 0;
    // Moves the finished root's outcome into the task and frees its frame.
    virtual void complete_from_root() = 0;
    virtual void drop_root() noexcept = 0;
    // The root's exception: CancelledError makes the task cancelled.
    void finish_from_exception(std::exception_ptr error);

  private:
    void release() noexcept;
    std::string take_cancel_message() noexcept;

    std::coroutine_handle<> resume_point_;
    Waiter* waiting_on_ = nullptr;
    std::uint64_t number_ = 0;  // "Task-<number>" until set_name()
    int cancel_requests_ = 0;
    // Flags as bit-fields: with them the state of a task fits 104 bytes
    // (malloc's 112-byte class) instead of 112 (its 128-byte class).
    bool named_ : 1 = false;
    bool must_cancel_ : 1 = false;
    bool started_ : 1 = false;
    bool scheduled_ : 1 = false;
    bool held_by_loop_ : 1 = false;  // the loop's reference, from start() until done
};

// `co_await` on a future or task: parks the awaiting task until the future
// is done; cancelling the awaiting task cancels the future (as Python's
// Task.cancel cancels `_fut_waiter`).
template <class T>
class FutureAwaiter final : public Waiter, public FutureBase::Link {
  public:
    FutureAwaiter(FutureRef<FutureBase> future, ResultSlot<T>& slot) noexcept
        : future_(std::move(future)), slot_(&slot) {}
    FutureAwaiter(const FutureAwaiter&) = delete;
    FutureAwaiter& operator=(const FutureAwaiter&) = delete;
    ~FutureAwaiter() {
        if (future_) future_->remove_link(*this);
    }

    bool await_ready() const noexcept { return future_->done(); }
    void await_suspend(std::coroutine_handle<> awaiting) {
        task_ = &require_current_task("await a future or task");
        if (static_cast<const FutureBase*>(task_) == future_.get())
            throw RuntimeError("Task cannot await on itself: " + task_->repr());
        future_->add_link(*this);
        task_->park(awaiting, this);
    }
    T await_resume() {
        future_->remove_link(*this);
        if (task_ != nullptr) task_->throw_if_must_cancel();
        future_->rethrow_if_not_success();
        return slot_->take_or_copy();
    }

    void on_done() noexcept override {
        if (task_ != nullptr) task_->wake();
    }
    bool cancel_wait(const std::string& message) override { return future_->cancel(message); }

  private:
    FutureRef<FutureBase> future_;
    ResultSlot<T>* slot_;
    TaskBase* task_ = nullptr;
};

}  // namespace concur::asyncio::detail
