// src/detail/future_state.cpp -- the shared state of every future: state transitions,
// cancellation, waiting, done callbacks and wait()/as_completed() listeners, repr().
#include <concur/detail/demangle.hpp>
#include <concur/detail/future_state.hpp>
#include <concur/detail/waiter.hpp>
#include <concur/threading/excepthook.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace concur::detail {

const char* future_status_name(FutureStatus status) noexcept {
    switch (status) {
        case FutureStatus::pending:
            return "PENDING";
        case FutureStatus::running:
            return "RUNNING";
        case FutureStatus::cancelled:
            return "CANCELLED";
        case FutureStatus::cancelled_and_notified:
            return "CANCELLED_AND_NOTIFIED";
        case FutureStatus::finished:
            return "FINISHED";
        case FutureStatus::completing:
            return "RUNNING";
    }
    return "?";
}

std::optional<std::uint32_t> FutureStateBase::transition(FutureStatus from,
                                                         FutureStatus to) noexcept {
    std::uint32_t word = word_.load(std::memory_order_relaxed);
    for (;;) {
        if (static_cast<FutureStatus>(word & kStateMask) != from) return std::nullopt;
        const std::uint32_t next = (word & ~kStateMask) | static_cast<std::uint32_t>(to);
        if (word_.compare_exchange_weak(word, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed))
            return word;
    }
}

bool FutureStateBase::begin_completion() noexcept {
    return transition(FutureStatus::running, FutureStatus::completing) ||
           transition(FutureStatus::pending, FutureStatus::completing);
}

bool FutureStateBase::claim_to_run() noexcept {
    if (transition(FutureStatus::pending, FutureStatus::completing)) return true;
    transition(FutureStatus::cancelled, FutureStatus::cancelled_and_notified);
    return false;
}

void FutureStateBase::end_completion() noexcept {
    // Only the completer changes the state now; flags may still be added.
    const std::uint32_t previous = word_.exchange(
        static_cast<std::uint32_t>(FutureStatus::finished), std::memory_order_acq_rel);
    if (previous & kSleepers) unpark(word_);
    if (previous & kListeners) run_listeners();
}

bool FutureStateBase::cancel() {
    for (;;) {
        const FutureStatus s = status();
        if (s == FutureStatus::running || s == FutureStatus::completing ||
            s == FutureStatus::finished)
            return false;
        if (is_cancelled(s)) return true;
        if (auto previous = transition(FutureStatus::pending, FutureStatus::cancelled)) {
            // Clear the flags we are about to serve.
            const std::uint32_t flags =
                word_.fetch_and(kStateMask, std::memory_order_acq_rel) & ~kStateMask;
            if (flags & kSleepers) unpark(word_);
            if (flags & kListeners) run_listeners();
            return true;
        }
    }
}

bool FutureStateBase::set_running_or_notify_cancel() {
    if (transition(FutureStatus::cancelled, FutureStatus::cancelled_and_notified)) return false;
    if (transition(FutureStatus::pending, FutureStatus::running)) return true;
    if (status() == FutureStatus::cancelled_and_notified) return false;
    throw RuntimeError(std::string("Future in unexpected state: ") + future_status_name(status()));
}

void FutureStateBase::set_exception(std::exception_ptr error) {
    if (!error) throw ValueError("set_exception() needs an exception, not a null exception_ptr");
    if (!begin_completion())
        throw InvalidStateError(std::string("invalid state to set an exception: ") +
                                future_status_name(status()));
    exception_ = std::move(error);
    end_completion();
}

bool FutureStateBase::wait_until(const Deadline* deadline) {
    return wait_on(
        word_, kSleepers,
        [](std::uint32_t word) { return is_done(static_cast<FutureStatus>(word & kStateMask)); },
        deadline);
}

void FutureStateBase::check_result() const {
    const FutureStatus s = status();
    if (is_cancelled(s)) throw CancelledError();
    if (exception_) std::rethrow_exception(exception_);
}

namespace {
// Sets kListeners unless the future is done; returns whether it was set.
bool mark_listeners(std::atomic<std::uint32_t>& word, std::uint32_t state_mask,
                    std::uint32_t listeners_flag) {
    std::uint32_t current = word.load(std::memory_order_acquire);
    for (;;) {
        const auto s = static_cast<FutureStatus>(current & state_mask);
        if (s == FutureStatus::cancelled || s == FutureStatus::cancelled_and_notified ||
            s == FutureStatus::finished)
            return false;
        if (word.compare_exchange_weak(current, current | listeners_flag, std::memory_order_acq_rel,
                                       std::memory_order_acquire))
            return true;
    }
}

void run_callback(std::function<void()>& callback) noexcept {
    try {
        callback();
    } catch (...) {
        // Python logs "exception calling callback for <Future ...>" and goes on;
        // the report names the thread that ran the callback.
        report_current_exception(threading::current_thread());
    }
}
}  // namespace

FutureStateBase::Listeners& FutureStateBase::listeners() {
    Listeners* current = listeners_.load(std::memory_order_acquire);
    if (current != nullptr) return *current;
    auto* fresh = new Listeners;
    if (listeners_.compare_exchange_strong(current, fresh, std::memory_order_acq_rel,
                                           std::memory_order_acquire))
        return *fresh;
    delete fresh;  // another thread installed one first
    return *current;
}

void FutureStateBase::add_callback(std::function<void()> callback) {
    {
        Listeners& l = listeners();
        std::lock_guard lock(l.mutex);
        if (mark_listeners(word_, kStateMask, kListeners)) {
            l.callbacks.push_back(std::move(callback));
            return;
        }
    }
    run_callback(callback);
}

bool FutureStateBase::add_waiter(CompletionWaiter* waiter) {
    Listeners& l = listeners();
    std::lock_guard lock(l.mutex);
    if (!mark_listeners(word_, kStateMask, kListeners)) return false;
    l.waiters.push_back(waiter);
    return true;
}

void FutureStateBase::remove_waiter(CompletionWaiter* waiter) noexcept {
    Listeners* l = listeners_.load(std::memory_order_acquire);
    if (l == nullptr) return;
    std::lock_guard lock(l->mutex);
    std::erase(l->waiters, waiter);
}

void FutureStateBase::run_listeners() noexcept {
    // kListeners is only ever set after the block was installed.
    Listeners& l = *listeners_.load(std::memory_order_acquire);
    std::vector<std::function<void()>> callbacks;
    {
        std::lock_guard lock(l.mutex);
        callbacks.swap(l.callbacks);
        // Waiters are told under the lock: remove_waiter() then cannot return
        // while on_done() still runs on a waiter that is about to go away.
        for (CompletionWaiter* waiter : l.waiters) waiter->on_done(this);
        l.waiters.clear();
    }
    for (auto& callback : callbacks) run_callback(callback);
}

bool wait_for_future(FutureStateBase* state, const Deadline* deadline) {
    // A worker waiting, without a timeout, for a task of its own scheduler
    // that has not started runs it here, so that tasks waiting on tasks they
    // submitted cannot take every worker. Nothing else is run meanwhile: a
    // task started on top of this one might wait for it, and this one can
    // only resume once that task returns (a deadlock Python does not have).
    if (deadline == nullptr) state->run_inline_if_pending();
    return state->wait_until(deadline);
}

std::string FutureStateBase::repr() const {
    char address[32];
    std::snprintf(address, sizeof address, "%p", static_cast<const void*>(this));
    std::string text = std::string("<Future at ") + address + " state=";
    const FutureStatus s = status();
    if (s == FutureStatus::finished) {
        if (exception_) {
            text += "finished raised ";
            try {
                std::rethrow_exception(exception_);
            } catch (...) {
                text += current_exception_type_name();
            }
        } else {
            text += "finished returned " + result_type_name();
        }
    } else if (s == FutureStatus::cancelled_and_notified) {
        text += "cancelled";
    } else {
        std::string name = future_status_name(s);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        text += name;
    }
    return text + ">";
}

}  // namespace concur::detail
