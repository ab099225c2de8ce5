// concur/asyncio/coroutine.hpp
// -----------------------------------------------------------------------------
// `asyncio::Coroutine<T>` is what an `async def` function returns: calling a
// function that returns Coroutine<T> runs nothing; `co_await` runs it inside
// the awaiting task, to its `co_return`, and gives its value (or rethrows its
// exception). create_task() runs it as a task of its own.
//
//   Python                           concur
//   -------------------------------  --------------------------------------------
//   async def f(x) -> int: ...       asyncio::Coroutine<int> f(int x) { ... co_return v; }
//   await f(1)                       co_await f(1)
//   asyncio.create_task(f(1))        asyncio::create_task(f(1))
//
// A Coroutine is move-only and can be awaited once: awaiting it again raises
// RuntimeError("cannot reuse already awaited coroutine"), as Python does.
// Destroying one that never ran frees its frame (Python warns "coroutine was
// never awaited"; C++ has no such check).
//
// Parameters: a coroutine keeps copies of by-value parameters; a reference
// parameter must outlive the coroutine (pass by value what a task keeps).
//
// Not thread-safe: a coroutine runs on its loop's thread.
//
// Example:
//
//   asyncio::Coroutine<int> answer() { co_return 42; }
//   asyncio::Coroutine<int> twice() { co_return co_await answer() * 2; }
//   int v = asyncio::run(twice());        // 84
#pragma once

#include <concur/asyncio/exceptions.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace concur::asyncio {

template <class T = void>
class Coroutine;

namespace detail {

struct CoroutinePromiseBase {
    std::coroutine_handle<> continuation;
    std::exception_ptr failure;

    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> done) noexcept {
            std::coroutine_handle<> next = done.promise().continuation;
            return next ? next : std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { failure = std::current_exception(); }
};

template <class T>
struct CoroutinePromise : CoroutinePromiseBase {
    std::optional<T> value;
    Coroutine<T> get_return_object() noexcept;
    template <class V>
    requires std::is_convertible_v<V&&, T>
    void return_value(V&& v) { value.emplace(std::forward<V>(v)); }
    T take() {
        if (failure) std::rethrow_exception(failure);
        return std::move(*value);
    }
};

template <>
struct CoroutinePromise<void> : CoroutinePromiseBase {
    Coroutine<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() {
        if (failure) std::rethrow_exception(failure);
    }
};

}  // namespace detail

template <class T>
class [[nodiscard]] Coroutine {
  public:
    using promise_type = detail::CoroutinePromise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    Coroutine() = default;
    Coroutine(Coroutine&& other) noexcept
        : handle_(std::exchange(other.handle_, {})), awaited_(other.awaited_) {}
    Coroutine& operator=(Coroutine&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, {});
            awaited_ = other.awaited_;
        }
        return *this;
    }
    ~Coroutine() { reset(); }

    // Runs the coroutine in the awaiting task; gives its value or rethrows.
    // An rvalue (`co_await f()`) is moved into the awaiter, so a coroutine
    // returned by a function call lives as long as the await.
    auto operator co_await() && noexcept { return OwningAwaiter{std::move(*this)}; }
    auto operator co_await() & noexcept { return Awaiter{this}; }

    // Internal: the frame (null for an empty or moved-from Coroutine).
    handle_type handle() const noexcept { return handle_; }
    // Internal: hands the frame over (a task takes its root this way).
    handle_type release() noexcept { return std::exchange(handle_, {}); }
    // Internal: frees the frame, whatever state it is in.
    void reset() noexcept {
        if (handle_) std::exchange(handle_, {}).destroy();
    }

  private:
    friend struct detail::CoroutinePromise<T>;
    explicit Coroutine(handle_type handle) noexcept : handle_(handle) {}

    struct Awaiter {
        Coroutine* self;
        bool await_ready() const {
            if (!self->handle_) throw RuntimeError("cannot await an empty (moved-from) coroutine");
            if (self->awaited_) throw RuntimeError("cannot reuse already awaited coroutine");
            self->awaited_ = true;
            return false;
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
            self->handle_.promise().continuation = awaiting;
            return self->handle_;
        }
        T await_resume() { return self->handle_.promise().take(); }
    };

    struct OwningAwaiter {
        Coroutine coro;
        bool await_ready() { return Awaiter{&coro}.await_ready(); }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
            return Awaiter{&coro}.await_suspend(awaiting);
        }
        T await_resume() { return Awaiter{&coro}.await_resume(); }
    };

    handle_type handle_{};
    bool awaited_ = false;
};

namespace detail {
template <class T>
Coroutine<T> CoroutinePromise<T>::get_return_object() noexcept {
    return Coroutine<T>(std::coroutine_handle<CoroutinePromise<T>>::from_promise(*this));
}
inline Coroutine<void> CoroutinePromise<void>::get_return_object() noexcept {
    return Coroutine<void>(std::coroutine_handle<CoroutinePromise<void>>::from_promise(*this));
}
}  // namespace detail

}  // namespace concur::asyncio
