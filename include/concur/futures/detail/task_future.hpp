// concur/futures/detail/task_future.hpp -- private: a submitted call and its
// future in one allocation. The object is both the future's shared state and
// the scheduler's task node; it starts with two references, the Future
// handle's and the scheduler's (dropped after run() or abandon()).
#pragma once

#include <exception>
#include <utility>

#include <concur/detail/scheduler.hpp>
#include <concur/futures/detail/future_state.hpp>

namespace concur::detail {

template <class T, class Fn>
class TaskFuture final : public FutureState<T>, public SchedulerTask {
public:
    explicit TaskFuture(Fn fn) : fn_(std::move(fn)) { this->add_ref(); }

    void run() noexcept override {
        bool run_it = false;
        try {
            run_it = this->set_running_or_notify_cancel();
        } catch (...) {
        }
        if (run_it) this->complete_with(fn_);
        this->release();
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
};

}  // namespace concur::detail
