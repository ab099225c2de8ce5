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
//  * add_done_callback(fn): fn(future) or fn() runs when the future is done,
//    in the thread that completes it, or at once if already done. `future` is
//    an lvalue, so fn may take `Future<T>`, `const Future<T>&`, `Future<T>&`,
//    `auto`, `auto&` or `const auto&`. A throwing callback is reported
//    through threading::excepthook; the others still run.
//  * For executor writers: set_running_or_notify_cancel(), set_result(...),
//    set_exception(...) (InvalidStateError when already done or cancelled).
//
// Beyond Python: result() without a timeout, called from a worker of a concur
// executor for a task of that executor that has not started yet, runs the
// task itself, so nested submit-and-wait cannot deadlock the pool. (It runs
// nothing else meanwhile: an unrelated task started on top of the waiting one
// could wait for it, a deadlock Python does not have.)
//
// A moved-from Future (C++ only; Python has no such object) has no state:
// every member but hashing and == raises
// InvalidStateError("Future has no state: it was moved from"), and so do
// wait() and as_completed() given one. Assigning a future to it makes it
// usable again; a copy of it is moved-from too.
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
#include <concur/detail/future_state.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/exceptions.hpp>

namespace concur::futures {
template <class T>
class Future;

namespace detail {
// What Future<T>::add_done_callback accepts: fn(Future<T>&) (so `auto&`
// binds), fn(Future<T>&&) or fn().
template <class F, class T>
concept DoneCallback =
    (std::invocable<F&, Future<T>&>) || std::invocable<F&, Future<T>&&> || std::invocable<F&>;
}  // namespace detail
}  // namespace concur::futures

namespace concur::detail {
// Raised by every member of a moved-from Future but hashing and ==.
[[noreturn, gnu::cold]] inline void throw_moved_from_future() {
    throw InvalidStateError("Future has no state: it was moved from");
}

// The one door from concur's internals (executors, wait(), as_completed())
// to a Future's shared state; not part of the public API.
struct FutureAccess {
    // A Future that adopts one reference to `state` (the caller's); null
    // gives a moved-from Future.
    template <class T>
    static ::concur::futures::Future<T> adopt(FutureState<T>* state) noexcept;
    // The future's shared state (null for a moved-from Future); no reference
    // is added.
    template <class T>
    static FutureStateBase* state(const ::concur::futures::Future<T>& f) noexcept;
};
}  // namespace concur::detail

namespace concur::futures {

template <class T>
class Future {
  public:
    using value_type = T;

    // A fresh pending future.
    Future() : state_(new concur::detail::FutureState<T>()) {}
    // A copy of a moved-from Future is moved-from too.
    Future(const Future& other) noexcept : state_(other.state_) {
        if (state_) state_->add_ref();
    }
    Future(Future&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
    // Assigning a live future to a moved-from one makes it usable again.
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
        live();
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
        live();
        const auto deadline = concur::detail::deadline_after(timeout);
        if (!wait_done(&deadline)) throw TimeoutError("TimeoutError: the future is not done");
        return exception_now();
    }

    bool done() const { return live().done(); }
    bool running() const { return live().running(); }
    bool cancelled() const { return live().cancelled(); }
    bool cancel() { return live().cancel(); }

    // fn(future) or fn() when done. `future` is an lvalue Future<T>, a handle
    // of the call's own, so fn may take it as Future<T>, const Future<T>&,
    // Future<T>&, auto, auto& or const auto& (or Future<T>&&).
    template <detail::DoneCallback<T> F>
    void add_done_callback(F fn) {
        concur::detail::FutureState<T>& state = live();
        // The stored callback holds no reference to the state it is stored
        // in (that cycle would keep a future that never completes alive
        // forever, where Python's collector frees it): whoever runs it (the
        // completer, or this call if already done) holds one meanwhile, and
        // the handle given to fn takes one more.
        state.add_callback([fn = std::move(fn), state = &state]() mutable {
            if constexpr (std::invocable<F&, Future<T>&> || std::invocable<F&, Future<T>>) {
                state->add_ref();
                Future<T> future(state);
                if constexpr (std::invocable<F&, Future<T>&>)
                    fn(future);
                else
                    fn(std::move(future));
            } else {
                fn();
            }
        });
    }

    bool set_running_or_notify_cancel() { return live().set_running_or_notify_cancel(); }
    template <class... Args>
    void set_result(Args&&... args) {
        live().set_result(std::forward<Args>(args)...);
    }
    void set_exception(std::exception_ptr error) { live().set_exception(std::move(error)); }

    // <Future at 0x... state=pending>. Hashing and == work on a moved-from
    // Future too (all moved-from Futures are equal).
    std::string repr() const { return live().repr(); }
    friend std::ostream& operator<<(std::ostream& os, const Future& f) { return os << f.repr(); }
    friend bool operator==(const Future& a, const Future& b) noexcept {
        return a.state_ == b.state_;
    }

  private:
    friend struct concur::detail::FutureAccess;

    // Adopts one reference to `state` (through FutureAccess::adopt).
    explicit Future(concur::detail::FutureState<T>* state) noexcept : state_(state) {}

    // The shared state; InvalidStateError if this Future was moved from.
    concur::detail::FutureState<T>& live() const {
        if (state_ == nullptr) [[unlikely]]
            concur::detail::throw_moved_from_future();
        return *state_;
    }
    bool wait_done(const concur::detail::Deadline* deadline) {
        if (live().done()) return true;
        return concur::detail::wait_for_future(state_, deadline);
    }
    std::exception_ptr exception_now() {
        if (state_->cancelled()) throw CancelledError();
        return state_->stored_exception();
    }

    concur::detail::FutureState<T>* state_;
};

}  // namespace concur::futures

namespace concur::detail {
template <class T>
::concur::futures::Future<T> FutureAccess::adopt(FutureState<T>* state) noexcept {
    return ::concur::futures::Future<T>(state);
}
template <class T>
FutureStateBase* FutureAccess::state(const ::concur::futures::Future<T>& f) noexcept {
    return f.state_;
}
}  // namespace concur::detail

template <class T>
struct std::hash<concur::futures::Future<T>> {
    std::size_t operator()(const concur::futures::Future<T>& f) const noexcept {
        return std::hash<const void*>()(concur::detail::FutureAccess::state(f));
    }
};
