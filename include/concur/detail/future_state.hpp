// concur/detail/future_state.hpp -- private: the shared state behind
// Future<T>, Python's Future object minus the Python.
//
// One 32-bit futex word holds the state (Python's PENDING, RUNNING,
// CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED, plus a transient COMPLETING
// while the result is being stored) and two flags: kListeners (callbacks or
// wait()/as_completed() waiters are registered under the listeners' mutex: whoever
// completes must take its mutex) and kSleepers (threads sleep on the word: whoever
// completes must futex_wake). With neither flag set, completing a future is
// one CAS and one release store, and reading a finished result one acquire
// load: no lock.
//
// Memory ordering: the completer claims the future with a CAS to COMPLETING
// (only one can), writes the value or exception, then stores FINISHED with
// release (an exchange, so it also sees the flags set meanwhile). Readers
// load the word with acquire and touch the value only after seeing FINISHED,
// so the value's construction happens-before its use. Flags are set with CAS
// loops that fail if the state moved on, so a listener registers either
// before completion (the completer sees its flag) or sees the future done.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/detail/demangle.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/exceptions.hpp>

namespace concur::detail {

enum class FutureStatus : std::uint32_t {
    pending = 0,
    running = 1,
    cancelled = 2,
    cancelled_and_notified = 3,
    finished = 4,
    completing = 5,
};

const char* future_status_name(FutureStatus status) noexcept;

class FutureStateBase;

// A wait()/as_completed() call listening on several futures (Python's _Waiter).
class CompletionWaiter {
  public:
    virtual void on_done(FutureStateBase* state) noexcept = 0;

  protected:
    ~CompletionWaiter() = default;
};

class FutureStateBase {
  public:
    FutureStateBase() noexcept = default;
    FutureStateBase(const FutureStateBase&) = delete;
    FutureStateBase& operator=(const FutureStateBase&) = delete;

    void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
    }

    FutureStatus status() const noexcept {
        return static_cast<FutureStatus>(word_.load(std::memory_order_acquire) & kStateMask);
    }
    bool done() const noexcept { return is_done(status()); }
    bool running() const noexcept {
        const FutureStatus s = status();
        return s == FutureStatus::running || s == FutureStatus::completing;
    }
    bool cancelled() const noexcept { return is_cancelled(status()); }

    // Python's Future.cancel(): true if cancelled (now or before); false once
    // running or finished.
    bool cancel();
    // Python's Future.set_running_or_notify_cancel(): false if cancelled;
    // RuntimeError unless pending.
    bool set_running_or_notify_cancel();
    // InvalidStateError if already finished or cancelled; ValueError for a
    // null exception (there would be neither a result nor an error to give).
    void set_exception(std::exception_ptr error);

    // Blocks until done or `deadline` (null: forever); returns done().
    bool wait_until(const Deadline* deadline);

    // After done(): the exception, or null (also null when cancelled).
    std::exception_ptr stored_exception() const noexcept { return exception_; }

    // Runs `callback` when done (at once, in this thread, if already done).
    // An exception from a callback is reported through threading::excepthook.
    void add_callback(std::function<void()> callback);
    // Registers a waiter; returns false (not registered) if already done.
    bool add_waiter(CompletionWaiter* waiter);
    void remove_waiter(CompletionWaiter* waiter) noexcept;

    std::string repr() const;

    // For wait_for_future(): a task of a scheduler whose worker is waiting
    // for it, not started yet, runs it here and returns true. Plain futures
    // have nothing to run.
    virtual bool run_inline_if_pending() noexcept { return false; }

  protected:
    virtual ~FutureStateBase() { delete listeners_.load(std::memory_order_acquire); }
    // For repr(): the demangled result type ("int", "void").
    virtual std::string result_type_name() const = 0;
    virtual void destroy() noexcept { delete this; }

    // Claims the right to complete: false if done or cancelled.
    bool begin_completion() noexcept;
    // For tasks: claims a pending future to run it (it then reads as
    // RUNNING until completed); a cancelled one becomes
    // CANCELLED_AND_NOTIFIED. False unless claimed.
    bool claim_to_run() noexcept;
    // Publishes the stored result; wakes sleepers, runs listeners.
    void end_completion() noexcept;
    void store_exception(std::exception_ptr error) noexcept { exception_ = std::move(error); }

    // Throws CancelledError if cancelled, the stored exception if any.
    void check_result() const;

  private:
    static constexpr std::uint32_t kStateMask = 0x7;
    static constexpr std::uint32_t kListeners = 0x8;
    static constexpr std::uint32_t kSleepers = 0x10;

    static bool is_done(FutureStatus s) noexcept {
        return s == FutureStatus::cancelled || s == FutureStatus::cancelled_and_notified ||
               s == FutureStatus::finished;
    }
    static bool is_cancelled(FutureStatus s) noexcept {
        return s == FutureStatus::cancelled || s == FutureStatus::cancelled_and_notified;
    }
    // CAS the state part of the word from `from` to `to`, keeping flags;
    // returns the previous word, or nullopt if the state was not `from`.
    std::optional<std::uint32_t> transition(FutureStatus from, FutureStatus to) noexcept;
    // Takes the listeners registered so far and runs them (outside the lock).
    void run_listeners() noexcept;

    // Callbacks and waiters, allocated on first use: most futures never have
    // any, and keeping them out makes a future small and cheap to create.
    struct Listeners {
        std::mutex mutex;
        std::vector<std::function<void()>> callbacks;
        std::vector<CompletionWaiter*> waiters;
    };
    Listeners& listeners();

    std::atomic<std::uint32_t> refs_{1};
    std::atomic<std::uint32_t> word_{0};
    std::atomic<Listeners*> listeners_{nullptr};
    std::exception_ptr exception_;
};

// Blocks until `state` is done or the deadline passes; without a deadline, a
// worker of a concur scheduler first runs `state` itself if it is a task of
// that scheduler that has not started. Returns state->done().
bool wait_for_future(FutureStateBase* state, const Deadline* deadline);

// The typed part: where the result lives.
template <class T>
class FutureState : public FutureStateBase {
  public:
    // InvalidStateError if already finished or cancelled.
    template <class... Args>
    void set_result(Args&&... args) {
        if (!begin_completion())
            throw InvalidStateError(std::string("invalid state to set a result: ") +
                                    future_status_name(status()));
        try {
            if constexpr (!std::is_void_v<T>) value_.emplace(std::forward<Args>(args)...);
        } catch (...) {
            store_exception(std::current_exception());
        }
        end_completion();
    }

    // After done(): the value, or throws (CancelledError / the exception).
    std::add_lvalue_reference_t<T> value() {
        check_result();
        if constexpr (!std::is_void_v<T>) return *value_;
    }

  protected:
    // For tasks: after claim_to_run(), run `fn` and store what it returns or
    // throws; one exchange publishes it (no second claim).
    template <class Fn>
    void complete_claimed(Fn& fn) noexcept {
        try {
            if constexpr (std::is_void_v<T>)
                fn();
            else
                value_.emplace(fn());
        } catch (...) {
            store_exception(std::current_exception());
        }
        end_completion();
    }

    std::string result_type_name() const override {
        if constexpr (std::is_void_v<T>)
            return "None";
        else
            return demangle(typeid(T).name());
    }

  private:
    struct Empty {};
    std::conditional_t<std::is_void_v<T>, Empty, std::optional<T>> value_;
};

}  // namespace concur::detail
