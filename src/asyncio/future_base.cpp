// asyncio's loop-local future state: completion, callbacks, awaiter links.
#include <concur/asyncio/detail/future_base.hpp>
#include <concur/asyncio/event_loop.hpp>

#include <cstdio>

namespace concur::asyncio::detail {

FutureBase::FutureBase(EventLoop& loop) noexcept : loop_(&loop) {}

FutureBase::~FutureBase() {
    report_unretrieved("Future");
}

void FutureBase::report_unretrieved(const char* kind) noexcept {
    if (!exception_ptr_set() || exception_retrieved_) return;
    exception_retrieved_ = true;
    try {
        // Python reports this when the future is collected; a loop that has
        // closed only gets the default report.
        ExceptionContext context{std::string(kind) + " exception was never retrieved",
                                 extras_->exception,
                                 {{"future", repr()}}};
        std::shared_ptr<EventLoop> loop = extras_->loop_alive.lock();
        if (loop && !loop->is_closed()) {
            loop->call_exception_handler(context);
        } else {
            std::fprintf(stderr, "%s\nfuture: %s\n", context.message.c_str(), repr().c_str());
        }
    } catch (...) {
    }
}

FutureBase::Extras& FutureBase::extras() {
    if (!extras_) extras_ = std::make_unique<Extras>();
    return *extras_;
}

const char* FutureBase::status_name() const noexcept {
    switch (status_) {
        case Status::pending:
            return "pending";
        case Status::cancelled:
            return "cancelled";
        case Status::finished:
            return "finished";
    }
    return "?";
}

std::string FutureBase::repr() const {
    return std::string("<Future ") + status_name() + ">";
}

CancelledError FutureBase::make_cancelled_error() const {
    if (extras_ && !extras_->cancel_message.empty()) return CancelledError(extras_->cancel_message);
    return CancelledError();
}

void FutureBase::require_pending(const char* what) const {
    if (done()) throw InvalidStateError(std::string(what) + ": invalid state: " + repr());
}

bool FutureBase::cancel(std::string message) {
    if (done()) return false;
    finish_cancelled(std::move(message));
    return true;
}

std::exception_ptr FutureBase::exception() {
    if (status_ == Status::cancelled) throw make_cancelled_error();
    if (status_ == Status::pending) throw InvalidStateError("Exception is not set.");
    exception_retrieved_ = true;
    return extras_ ? extras_->exception : nullptr;
}

void FutureBase::rethrow_if_not_success() {
    if (status_ == Status::cancelled) throw make_cancelled_error();
    if (status_ == Status::pending) throw InvalidStateError("Result is not set.");
    if (exception_ptr_set()) {
        exception_retrieved_ = true;
        std::rethrow_exception(extras_->exception);
    }
}

void FutureBase::add_done_callback(std::function<void()> callback) {
    if (done()) {
        loop_->call_soon(std::move(callback));
        return;
    }
    extras().callbacks.push_back(std::move(callback));
}

bool FutureBase::linked(const Link& link) const noexcept {
    return link.prev_ != nullptr || links_ == &link;
}

void FutureBase::add_link(Link& link) noexcept {
    if (linked(link)) return;
    link.prev_ = nullptr;
    link.next_ = links_;
    if (links_ != nullptr) links_->prev_ = &link;
    links_ = &link;
}

void FutureBase::remove_link(Link& link) noexcept {
    if (!linked(link)) return;
    if (link.prev_ != nullptr) {
        link.prev_->next_ = link.next_;
    } else {
        links_ = link.next_;
    }
    if (link.next_ != nullptr) link.next_->prev_ = link.prev_;
    link.prev_ = link.next_ = nullptr;
}

void FutureBase::finish_with_exception(std::exception_ptr error) {
    Extras& more = extras();
    more.exception = std::move(error);
    // A handle may outlive its loop: the report at destruction checks.
    more.loop_alive = loop_->weak_from_this();
    exception_retrieved_ = false;
    complete(Status::finished);
}

void FutureBase::finish_cancelled(std::string message) {
    if (!message.empty()) extras().cancel_message = std::move(message);
    complete(Status::cancelled);
}

void FutureBase::complete(Status status) {
    status_ = status;
    // Awaiting tasks are woken directly; callbacks go through call_soon, as
    // Python's __schedule_callbacks does. A closing loop runs neither.
    while (links_ != nullptr) {
        Link* link = links_;
        remove_link(*link);
        link->on_done();
    }
    if (extras_ && !extras_->callbacks.empty()) {
        std::vector<std::function<void()>> callbacks;
        callbacks.swap(extras_->callbacks);
        if (!LoopAccess::closing(*loop_))
            for (auto& callback : callbacks) loop_->call_soon(std::move(callback));
    }
}

}  // namespace concur::asyncio::detail
