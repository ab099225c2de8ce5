// concur/futures/detail/task_future.hpp -- private: a submitted call and its
// future in one allocation. The object is both the future's shared state and
// the scheduler's task node; it starts with two references, the Future
// handle's and the scheduler's (dropped after run() or abandon()).
//
// A worker of the same scheduler waiting for the future may run the call
// itself (run_inline(), from wait_for_future); the node stays queued and
// run() later finds the future no longer pending. Whoever moves the future
// out of PENDING (one CAS) is the only one to call fn_.
#pragma once

#include <exception>
#include <utility>

#include <concur/detail/scheduler.hpp>
#include <concur/futures/detail/future_state.hpp>

namespace concur::detail {

template <class T, class Fn>
class TaskFuture final : public FutureState<T>, public SchedulerTask {
public:
    TaskFuture(Fn fn, Scheduler* owner) : fn_(std::move(fn)), owner_(owner) { this->add_ref(); }

    void run() noexcept override {
        // Not pending or cancelled: a waiter ran it inline (or is running it).
        const FutureStatus s = this->status();
        if (s == FutureStatus::pending || s == FutureStatus::cancelled) {
            bool run_it = false;
            try {
                run_it = this->set_running_or_notify_cancel();
            } catch (...) {
                // Claimed by an inline run in between.
            }
            if (run_it) this->complete_with(fn_);
        }
        this->release();
    }

    bool run_inline() noexcept override {
        if (Scheduler::current() != owner_ || owner_->broken()) return false;
        if (this->status() != FutureStatus::pending) return false;
        bool run_it = false;
        try {
            run_it = this->set_running_or_notify_cancel();
        } catch (...) {
            return false;  // claimed by a worker in between
        }
        if (run_it) this->complete_with(fn_);
        return run_it;
    }

    void abandon(std::exception_ptr error) noexcept override {
        try {
            if (error)
                this->set_exception(std::move(error));
            else
                this->cancel();
        } catch (...) {
            // Already done or cancelled by its owner: nothing to report.
        }
        this->release();
    }

private:
    Fn fn_;
    Scheduler* const owner_;
};

}  // namespace concur::detail
