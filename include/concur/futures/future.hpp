// concur/futures/future.hpp
// -----------------------------------------------------------------------------
// `concur::futures::Future<T>` mirrors Python's `concurrent.futures.Future`:
// the eventual result of a call. A Future is a cheap, copyable handle to
// shared state, as a Python future is an object reference; copies refer to
// the same future. A default-constructed Future is a fresh pending future, as
// `Future()` is in Python (executors create theirs in submit()).
//
//  * result() / result(timeout): blocks until done; returns the value (a
//    reference into the shared state), rethrows the call's exception with its
//    original type, CancelledError if cancelled, TimeoutError on timeout.
//  * exception() / exception(timeout): the exception as std::exception_ptr
//    (null on success); CancelledError / TimeoutError as result().
//  * done(), running(), cancelled(), cancel() (true only while pending, or if
//    already cancelled).
//  * add_done_callback(fn): fn(future) runs when the future is done, in the
//    thread that completes it, or at once if already done. A throwing callback
//    is reported through threading::excepthook; the others still run.
//  * For executor writers: set_running_or_notify_cancel(), set_result(...),
//    set_exception(...) (InvalidStateError when already done or cancelled).
//
// Beyond Python: result() without a timeout, called from a worker of a concur
// executor for a task of that executor that has not started yet, runs the
// task itself, so nested submit-and-wait cannot deadlock the pool. (It runs
// nothing else meanwhile: an unrelated task started on top of the waiting one
// could wait for it, a deadlock Python does not have.)
//
// Difference: wait() and as_completed() count a cancelled future as done as
// soon as it is cancelled (Python's docs say so; CPython only notices when
// an executor would have run it).
//
// Thread-safety: every member is safe to call concurrently.
//
// Example:
//
//   futures::Future<int> f;                    // made by hand, as in tests
//   f.add_done_callback([](futures::Future<int> done) { use(done.result()); });
//   f.set_result(42);                          // runs the callback
//   int v = f.result(std::chrono::milliseconds(50));
#pragma once

#include <chrono>
#include <concepts>
#include <exception>
#include <functional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/detail/future_state.hpp>

namespace concur::detail {
// Blocks until `state` is done or the deadline passes; without a deadline, a
// worker of a concur scheduler first runs `state` itself if it is a task of
// that scheduler that has not started. Returns state->done().
bool wait_for_future(FutureStateBase* state, const Deadline* deadline);
}  // namespace concur::detail

namespace concur::futures {

template <class T>
class Future {
public:
    using value_type = T;

    // A fresh pending future.
    Future() : state_(new concur::detail::FutureState<T>()) {}
    // Adopts one reference to `state` (for executors).
    explicit Future(concur::detail::FutureState<T>* state) noexcept : state_(state) {}

    Future(const Future& other) noexcept : state_(other.state_) { state_->add_ref(); }
    Future(Future&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    Future& operator=(Future other) noexcept {
        std::swap(state_, other.state_);
        return *this;
    }
    ~Future() {
        if (state_) state_->release();
    }

    // Blocks until done. Returns the value (T& into the shared state; nothing
    // for Future<void>); rethrows the exception; CancelledError if cancelled.
    std::add_lvalue_reference_t<T> result() {
        wait_done(nullptr);
        return state_->value();
    }
    // As result(), waiting at most `timeout`; TimeoutError after that.
    template <class Rep, class Period>
    std::add_lvalue_reference_t<T> result(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        if (!wait_done(&deadline)) throw TimeoutError("TimeoutError: the future is not done");
        return state_->value();
    }

    // The exception the call raised (null if it returned). CancelledError if
    // cancelled.
    std::exception_ptr exception() {
        wait_done(nullptr);
        return exception_now();
    }
    template <class Rep, class Period>
    std::exception_ptr exception(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        if (!wait_done(&deadline)) throw TimeoutError("TimeoutError: the future is not done");
        return exception_now();
    }

    bool done() const noexcept { return state_->done(); }
    bool running() const noexcept { return state_->running(); }
    bool cancelled() const noexcept { return state_->cancelled(); }
    bool cancel() { return state_->cancel(); }

    // fn(Future<T>) or fn() when done.
    template <class F>
        requires std::invocable<F&, Future<T>> || std::invocable<F&>
    void add_done_callback(F fn) {
        // The stored callback holds no reference to the state it is stored
        // in (that cycle would keep a future that never completes alive
        // forever, where Python's collector frees it): whoever runs it (the
        // completer, or this call if already done) holds one meanwhile.
        state_->add_callback([fn = std::move(fn), state = state_]() mutable {
            if constexpr (std::invocable<F&, Future<T>>) {
                state->add_ref();
                fn(Future<T>(state));
            } else {
                fn();
            }
        });
    }

    bool set_running_or_notify_cancel() { return state_->set_running_or_notify_cancel(); }
    template <class... Args>
    void set_result(Args&&... args) {
        state_->set_result(std::forward<Args>(args)...);
    }
    void set_exception(std::exception_ptr error) { state_->set_exception(std::move(error)); }

    // <Future at 0x... state=pending>
    std::string repr() const { return state_->repr(); }
    friend std::ostream& operator<<(std::ostream& os, const Future& f) { return os << f.repr(); }
    friend bool operator==(const Future& a, const Future& b) noexcept {
        return a.state_ == b.state_;
    }

    // For wait() and as_completed().
    concur::detail::FutureStateBase* state() const noexcept { return state_; }

private:
    bool wait_done(const concur::detail::Deadline* deadline) {
        if (state_->done()) return true;
        return concur::detail::wait_for_future(state_, deadline);
    }
    std::exception_ptr exception_now() {
        if (state_->cancelled()) throw CancelledError();
        return state_->stored_exception();
    }

    concur::detail::FutureState<T>* state_;
};

}  // namespace concur::futures

template <class T>
struct std::hash<concur::futures::Future<T>> {
    std::size_t operator()(const concur::futures::Future<T>& f) const noexcept {
        return std::hash<const void*>()(f.state());
    }
};
