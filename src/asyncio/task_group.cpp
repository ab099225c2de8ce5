// asyncio's TaskGroup: children waited for together, failures grouped.
#include <concur/asyncio/task_group.hpp>

namespace concur::asyncio {

struct TaskGroup::State {
    EventLoop* loop = nullptr;
    std::optional<AnyTask> owner;
    std::vector<AnyTask> children;
    std::vector<std::exception_ptr> errors;
    std::size_t pending = 0;
    bool entered = false;  // a child was created
    bool joining = false;
    bool finished = false;
    bool aborting = false;
    bool owner_cancel_requested = false;
    detail::WaitQueue joiner;

    void abort() {
        aborting = true;
        for (AnyTask& child : children)
            if (!child.done()) child.cancel();
    }

    void child_done(const AnyTask& child) {
        --pending;
        if (!child.cancelled()) {
            if (std::exception_ptr error = child.exception()) {
                errors.push_back(error);
                if (!aborting) {
                    abort();
                    // Python cancels the task that runs the `async with`
                    // block while it is still inside it.
                    if (!joining && owner && !owner->done() && !owner_cancel_requested) {
                        owner_cancel_requested = true;
                        owner->cancel();
                    }
                }
            }
        }
        if (pending == 0) joiner.wake_all();
    }
};

TaskGroup::TaskGroup() : state_(std::make_shared<State>()) {
    state_->owner = current_task();
    if (EventLoop* loop = detail::running_loop()) state_->loop = loop;
}

TaskGroup::~TaskGroup() {
    if (!state_->finished) state_->abort();
}

EventLoop& TaskGroup::prepare_create() {
    if (state_->finished) throw RuntimeError("TaskGroup is finished");
    if (state_->aborting) throw RuntimeError("TaskGroup is shutting down");
    if (state_->loop == nullptr) state_->loop = &detail::require_running_loop();
    if (!state_->owner) state_->owner = current_task();
    return *state_->loop;
}

void TaskGroup::adopt(const AnyTask& task) {
    state_->entered = true;
    state_->children.push_back(task);
    ++state_->pending;
    std::weak_ptr<State> weak = state_;
    AnyTask child = task;
    task.base()->add_done_callback([weak, child] {
        if (auto state = weak.lock()) state->child_done(child);
    });
}

Coroutine<void> TaskGroup::join_after(std::exception_ptr body_error) {
    std::shared_ptr<State> state = state_;
    if (state->finished) throw RuntimeError("TaskGroup is finished");
    state->joining = true;
    std::exception_ptr propagate_cancellation;
    if (body_error) {
        try {
            std::rethrow_exception(body_error);
        } catch (const CancelledError&) {
            propagate_cancellation = body_error;
        } catch (...) {
            state->errors.insert(state->errors.begin(), body_error);
        }
        if (!state->aborting) state->abort();
    }
    while (state->pending > 0) {
        const detail::WaitQueue::Outcome outcome =
            co_await state->joiner.park_settled("join a TaskGroup");
        const bool cancelled = outcome.error != nullptr;
        if (cancelled && !propagate_cancellation) propagate_cancellation = outcome.error;
        // Cancelled while waiting: cancel the children, go on waiting.
        if (cancelled && !state->aborting) state->abort();
    }
    state->finished = true;
    state->joining = false;
    if (state->owner_cancel_requested && state->owner && state->owner->uncancel() == 0)
        propagate_cancellation = nullptr;  // the cancellation was ours
    if (propagate_cancellation && state->errors.empty())
        std::rethrow_exception(propagate_cancellation);
    if (!state->errors.empty()) {
        std::vector<std::exception_ptr> errors = std::move(state->errors);
        throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors));
    }
}

}  // namespace concur::asyncio
