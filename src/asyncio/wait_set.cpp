// asyncio's gather/wait/wait_for core: a task parked on a set of futures.
#include <concur/asyncio/detail/wait_set.hpp>
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/gather.hpp>
#include <concur/asyncio/wait.hpp>

namespace concur::asyncio::detail {

namespace {
bool failed(const FutureBase& future) noexcept {
    return future.cancelled() || (future.done() && future.exception_ptr_set());
}
}  // namespace

WaitSet::WaitSet(std::vector<FutureRef<FutureBase>> children, Mode mode, std::int64_t timeout_ns,
                 bool cancel_children)
    : children_(std::move(children)),
      mode_(mode),
      timeout_ns_(timeout_ns),
      cancel_children_(cancel_children) {
    // Children that are done already count in argument order.
    for (std::size_t i = 0; i < children_.size(); ++i)
        if (children_[i]->done()) count(i);
}

WaitSet::WaitSet(WaitSet&& other) noexcept
    : children_(std::move(other.children_)),
      mode_(other.mode_),
      timeout_ns_(other.timeout_ns_),
      cancel_children_(other.cancel_children_),
      first_failure_(other.first_failure_),
      done_(other.done_),
      any_failed_(other.any_failed_),
      any_raised_(other.any_raised_) {}

void WaitSet::count(std::size_t index) noexcept {
    const FutureBase& child = *children_[index];
    ++done_;
    if (failed(child)) {
        any_failed_ = true;
        if (first_failure_ == static_cast<std::size_t>(-1)) first_failure_ = index;
    }
    if (!child.cancelled() && child.exception_ptr_set()) any_raised_ = true;
}

WaitSet::~WaitSet() {
    detach();
}

void WaitSet::detach() noexcept {
    for (std::size_t i = 0; i < links_.size(); ++i) children_[i]->remove_link(links_[i]);
    if (timer_.queued() && task_ != nullptr) LoopAccess::remove_timer(task_->loop(), timer_);
}

bool WaitSet::satisfied() const noexcept {
    if (timed_out_ || abandoned_) return true;
    const bool all = done_ == children_.size();
    switch (mode_) {
        case Mode::gather:
            return all || (any_failed_ && !cancel_requested_);
        case Mode::first_completed:
            return done_ > 0 || all;
        case Mode::first_exception:
            return any_raised_ || all;
        case Mode::all_completed:
            return all;
    }
    return all;
}

void WaitSet::await_suspend(std::coroutine_handle<> awaiting) {
    task_ = &require_current_task("wait for tasks");
    links_.resize(children_.size());
    for (std::size_t i = 0; i < children_.size(); ++i) {
        links_[i].owner = this;
        if (!children_[i]->done()) children_[i]->add_link(links_[i]);
    }
    if (timeout_ns_ >= 0) {
        timeout_target_.owner = this;
        timer_.target = &timeout_target_;
        LoopAccess::add_timer(task_->loop(), timer_, clock_now() + timeout_ns_);
    }
    task_->park(awaiting, this);
}

void WaitSet::await_resume() {
    detach();
    if (task_ != nullptr) task_->throw_if_must_cancel();
    if (abandoned_ || cancel_requested_) {
        if (cancel_message_.empty()) throw CancelledError();
        throw CancelledError(cancel_message_);
    }
}

void WaitSet::child_done(std::size_t index) noexcept {
    count(index);
    if (satisfied() && task_ != nullptr) task_->wake();
}

void WaitSet::timeout_fired() noexcept {
    timed_out_ = true;
    if (task_ != nullptr) task_->wake();
}

bool WaitSet::cancel_wait(const std::string& message) {
    if (satisfied()) return false;
    cancel_message_ = message;
    if (!cancel_children_) {
        abandoned_ = true;
        task_->wake();
        return true;
    }
    // gather/wait_for: cancel the children, end when they all are done.
    bool any = false;
    for (const auto& child : children_) any = child->cancel(message) || any;
    if (!any) return false;
    cancel_requested_ = true;
    if (timer_.queued()) LoopAccess::remove_timer(task_->loop(), timer_);
    if (satisfied()) task_->wake();
    return true;
}

void rethrow_first_failure(WaitSet& set) {
    if (set.first_failure() < set.children().size())
        set.children()[set.first_failure()]->rethrow_if_not_success();
}

WaitSet::Mode wait_mode(ReturnWhen return_when) noexcept {
    switch (return_when) {
        case FIRST_COMPLETED:
            return WaitSet::Mode::first_completed;
        case FIRST_EXCEPTION:
            return WaitSet::Mode::first_exception;
        case ALL_COMPLETED:
            return WaitSet::Mode::all_completed;
    }
    return WaitSet::Mode::all_completed;
}

}  // namespace concur::asyncio::detail
