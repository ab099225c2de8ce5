// concur/futures/detail/task_future.hpp -- private: a submitted call and its
// future in one allocation. The object is both the future's shared state and
// the scheduler's task node; it starts with two references, the Future
// handle's and the scheduler's (dropped after run() or abandon()).
//
// A worker of the same scheduler waiting for the future may run the call
// itself (run_inline_if_pending(), from wait_for_future); the node stays
// queued and run() later finds the future no longer pending. Whoever claims
// the future (one CAS from PENDING) is the only one to call fn_; the claim
// also marks it RUNNING, and one exchange publishes the result. The node
// lives in a recycled task block (concur/detail/task_block.hpp).
#pragma once

#include <exception>
#include <utility>

#include <concur/detail/future_state.hpp>
#include <concur/detail/scheduler.hpp>
#include <concur/detail/task_block.hpp>

namespace concur::futures::detail {

using concur::detail::AbandonReason;
using concur::detail::FutureState;
using concur::detail::Scheduler;
using concur::detail::SchedulerTask;

// What a task needs to know of the executor that made it.
struct TaskContext {
    // The scheduler whose workers may run the task inline while waiting for
    // it (null: none).
    const Scheduler* inline_runner = nullptr;
    // The executor's "broken" exception (BrokenThreadPool, ...), for tasks
    // abandoned because the pool broke.
    std::exception_ptr (*broken_error)() = nullptr;
};

template <class T, class Fn>
class TaskFuture final : public FutureState<T>,
                         public SchedulerTask,
                         public concur::detail::TaskBlockAllocated {
  public:
    TaskFuture(Fn fn, TaskContext context) : fn_(std::move(fn)), context_(context) {
        this->add_ref();
    }

    void run() noexcept override {
        if (this->claim_to_run()) this->complete_claimed(fn_);
        this->release();
    }

    bool run_inline_if_pending() noexcept override {
        const Scheduler* runner = context_.inline_runner;
        if (runner == nullptr || Scheduler::current() != runner || runner->broken()) return false;
        if (!this->claim_to_run()) return false;
        this->complete_claimed(fn_);
        return true;
    }

    void abandon(AbandonReason reason) noexcept override {
        try {
            if (reason == AbandonReason::broken && context_.broken_error != nullptr)
                this->set_exception(context_.broken_error());
            else
                this->cancel();
        } catch (...) {
            // Already done or cancelled by its owner: nothing to report.
        }
        this->release();
    }

  private:
    Fn fn_;
    const TaskContext context_;
};

}  // namespace concur::futures::detail
