// concur/asyncio/detail/future_base.hpp -- private: the loop-local future
// state that asyncio::Future<T> and asyncio::Task<T> share.
//
// Python's asyncio.Future, without the result's type: status, exception,
// done callbacks (scheduled on the loop with call_soon when the future
// completes) and parked awaiters (woken directly: a task awaiting a future is
// scheduled in the same hop as Python's Task.__wakeup). Loop-thread only, as
// Python's futures are not thread-safe either -- except the reference count
// (`FutureRef`), since a handle may be copied or dropped on another thread
// once the loop is done with it.
//
// Size matters here: a million sleeping tasks are a million of these. What
// most futures never need (an exception, callbacks, names, messages) lives in
// `Extras`, allocated on first use, and the count is intrusive (no
// shared_ptr control block, an 8-byte handle).
#pragma once

#include <concur/asyncio/detail/loop_core.hpp>
#include <concur/asyncio/exceptions.hpp>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace concur::asyncio::detail {

class FutureBase {
  public:
    enum class Status : std::uint8_t { pending, cancelled, finished };

    // Something parked until the future is done (an awaiting task).
    class Link {
      public:
        virtual void on_done() noexcept = 0;

      protected:
        ~Link() = default;

      private:
        friend class FutureBase;
        Link* prev_ = nullptr;  // linked: prev_ set, or the list's head
        Link* next_ = nullptr;
    };

    explicit FutureBase(EventLoop& loop) noexcept;
    FutureBase(const FutureBase&) = delete;
    FutureBase& operator=(const FutureBase&) = delete;
    // Reports an exception nobody retrieved ("... exception was never
    // retrieved"), as Python does when the future is collected.
    virtual ~FutureBase();

    EventLoop& loop() const noexcept { return *loop_; }
    Status status() const noexcept { return status_; }
    bool done() const noexcept { return status_ != Status::pending; }
    bool cancelled() const noexcept { return status_ == Status::cancelled; }

    // Python's Future.cancel(msg): false when already done.
    virtual bool cancel(std::string message);

    // Python's exception(): null on success; CancelledError when cancelled;
    // InvalidStateError when pending.
    std::exception_ptr exception();
    // What result() raises before returning the value: CancelledError,
    // InvalidStateError("Result is not set.") or the future's exception.
    void rethrow_if_not_success();

    void add_done_callback(std::function<void()> callback);
    void add_link(Link& link) noexcept;
    void remove_link(Link& link) noexcept;
    bool linked(const Link& link) const noexcept;

    // Python's repr, e.g. "<Future pending>", "<Task finished name='Task-1'>".
    virtual std::string repr() const;

    CancelledError make_cancelled_error() const;
    bool exception_ptr_set() const noexcept { return extras_ && extras_->exception; }

    // The intrusive reference count (see FutureRef). Memory ordering: as
    // shared_ptr's -- taking a reference needs no ordering (the taker holds
    // one already); dropping one is acq_rel, so that every thread's uses
    // before its drop happen before the last drop's delete. (An acq_rel RMW
    // rather than release + acquire fence: ThreadSanitizer models no fences.)
    void add_ref() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void drop_ref() const noexcept {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

  protected:
    // InvalidStateError unless pending.
    void require_pending(const char* what) const;
    void finish_with_exception(std::exception_ptr error);
    void finish_with_value() { complete(Status::finished); }
    void finish_cancelled(std::string message);
    const char* status_name() const noexcept;
    // Forgets the done callbacks (a pending task destroyed by close(): its
    // callbacks may hold handles to it).
    void drop_callbacks() noexcept {
        if (extras_) extras_->callbacks.clear();
    }
    // "<kind> exception was never retrieved", once, if so.
    void report_unretrieved(const char* kind) noexcept;

    // What most futures never need, allocated on first use so that a
    // million sleeping tasks stay small.
    struct Extras {
        std::exception_ptr exception;
        std::weak_ptr<EventLoop> loop_alive;  // for the unretrieved report
        std::string cancel_message;
        std::vector<std::function<void()>> callbacks;
        std::string task_name;            // a task's name when set by the user
        std::string task_cancel_message;  // a task's pending cancel(msg)
    };
    Extras& extras();
    const Extras* extras_if_any() const noexcept { return extras_.get(); }

  private:
    void complete(Status status);

    EventLoop* loop_;
    Status status_ = Status::pending;
    bool exception_retrieved_ = true;
    mutable std::atomic<std::uint32_t> refs_{0};
    Link* links_ = nullptr;
    std::unique_ptr<Extras> extras_;
};

// An owning handle to a future or task: Python's object reference, 8 bytes.
// Copies share the object; the last one deletes it.
template <class T>
class FutureRef {
  public:
    FutureRef() noexcept = default;
    FutureRef(std::nullptr_t) noexcept {}
    // Takes a reference to `object` (a new one, or one already shared).
    explicit FutureRef(T* object) noexcept : object_(object) {
        if (object_ != nullptr) object_->add_ref();
    }
    FutureRef(const FutureRef& other) noexcept : FutureRef(other.object_) {}
    FutureRef(FutureRef&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
    template <class U>
    requires std::is_convertible_v<U*, T*> FutureRef(FutureRef<U> other)
    noexcept : object_(other.release()) {}
    FutureRef& operator=(FutureRef other) noexcept {
        std::swap(object_, other.object_);
        return *this;
    }
    ~FutureRef() {
        if (object_ != nullptr) object_->drop_ref();
    }

    T* get() const noexcept { return object_; }
    T& operator*() const noexcept { return *object_; }
    T* operator->() const noexcept { return object_; }
    explicit operator bool() const noexcept { return object_ != nullptr; }
    friend bool operator==(const FutureRef& a, const FutureRef& b) noexcept {
        return a.object_ == b.object_;
    }
    // Gives up the reference without dropping it (for the converting move).
    T* release() noexcept { return std::exchange(object_, nullptr); }

  private:
    T* object_ = nullptr;
};

// A new T(args...), owned by the returned handle.
template <class T, class... Args>
FutureRef<T> make_future_ref(Args&&... args) {
    return FutureRef<T>(new T(std::forward<Args>(args)...));
}

// The value half of a Future<T>/Task<T>.
template <class T>
struct ResultSlot {
    std::optional<T> value;
    T take_or_copy() {
        if constexpr (std::is_copy_constructible_v<T>) {
            return *value;
        } else {
            return std::move(*value);
        }
    }
};
template <>
struct ResultSlot<void> {
    void take_or_copy() noexcept {}
};

}  // namespace concur::asyncio::detail
