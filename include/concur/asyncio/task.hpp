// concur/asyncio/task.hpp
// -----------------------------------------------------------------------------
// `asyncio::Task<T>` mirrors Python's asyncio.Task: a coroutine scheduled to
// run on a loop by create_task(), and a future of its result.
// `asyncio::Future<T>` mirrors asyncio.Future: a result set by hand.
// Both are copyable handles to one shared object, as a Python object
// reference is, and can be awaited any number of times.
//
//   Python                          concur
//   ------------------------------  --------------------------------------------
//   t = asyncio.create_task(c)      Task<T> t = asyncio::create_task(c)
//   loop.create_task(c, name=n)     loop->create_task(c, n)
//   await t                         co_await t          (T, or rethrows)
//   t.cancel(msg)                   t.cancel(msg) -> bool
//   t.cancelled(), t.done()         the same
//   t.result(), t.exception()       the same (result() is a const T&)
//   t.add_done_callback(fn)         t.add_done_callback(fn)  fn(Task<T>) or fn()
//   t.get_name(), t.set_name(n)     the same
//   t.cancelling(), t.uncancel()    the same
//   asyncio.current_task()          asyncio::current_task() -> std::optional<Task<>>
//   asyncio.all_tasks()             asyncio::all_tasks()    -> std::vector<Task<>>
//   loop.run_until_complete(aw)     loop->run_until_complete(aw) -> T
//   fut = loop.create_future()      asyncio::Future<T> fut = loop->... / Future<T>(loop)
//   fut.set_result(v)               fut.set_result(v)
//
// `Task<>` (Task<void>'s type-erased sibling `AnyTask`) is what current_task()
// and all_tasks() return: name, done, cancel, repr, without the result.
//
// Awaitables: create_task(), run_until_complete() and the combinators take
// any awaitable -- a Coroutine, a Task, a Future, sleep(), gather(), ... --
// as Python's take any coroutine or future.
//
// Differences from Python: result() and exception() of a pending task raise
// InvalidStateError as in Python; a task is kept alive by its loop until it
// is done (Python keeps weak references).
//
// Thread-safety: loop-thread only, like Python's.
//
// Example:
//
//   asyncio::Coroutine<int> answer() { co_return 42; }
//   asyncio::Coroutine<int> main_() {
//       asyncio::Task<int> t = asyncio::create_task(answer());
//       co_return co_await t;               // 42
//   }
#pragma once

#include <concur/asyncio/coroutine.hpp>
#include <concur/asyncio/detail/task_base.hpp>
#include <concur/asyncio/event_loop.hpp>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace concur::asyncio {

template <class T = void>
class Task;
template <class T = void>
class Future;

namespace detail {

// The awaiter `co_await a` uses.
template <class A>
decltype(auto) awaiter_of(A&& awaitable) {
    if constexpr (requires { std::forward<A>(awaitable).operator co_await(); }) {
        return std::forward<A>(awaitable).operator co_await();
    } else {
        return std::forward<A>(awaitable);
    }
}

template <class A>
concept Awaitable = requires(A&& a) {
    awaiter_of(std::forward<A>(a)).await_ready();
    awaiter_of(std::forward<A>(a)).await_resume();
};

template <class A>
using await_result_t = decltype(awaiter_of(std::declval<A>()).await_resume());

template <class T>
struct IsCoroutine : std::false_type {};
template <class T>
struct IsCoroutine<Coroutine<T>> : std::true_type {};

template <class A>
Coroutine<await_result_t<A>> await_in_coroutine(A awaitable) {
    co_return co_await std::move(awaitable);
}

// Any awaitable as a Coroutine (a Coroutine is taken as it is).
template <class A>
auto as_coroutine(A&& awaitable) {
    using Plain = std::remove_cvref_t<A>;
    if constexpr (IsCoroutine<Plain>::value) {
        static_assert(!std::is_lvalue_reference_v<A>,
                      "a Coroutine runs once: pass it by value (std::move it)");
        return Plain(std::move(awaitable));
    } else {
        return await_in_coroutine<Plain>(std::forward<A>(awaitable));
    }
}

template <class T>
class FutureState final : public FutureBase, public ResultSlot<T> {
  public:
    using FutureBase::FutureBase;
    template <class... V>
    void set_result(V&&... v) {
        require_pending("set_result");
        if constexpr (!std::is_void_v<T>) this->value.emplace(std::forward<V>(v)...);
        finish_with_value();
    }
    void set_exception(std::exception_ptr error) {
        if (!error) throw TypeError("set_exception() needs an exception, not a null exception_ptr");
        require_pending("set_exception");
        finish_with_exception(std::move(error));
    }
};

template <class T>
class TaskState final : public TaskBase, public ResultSlot<T> {
  public:
    TaskState(EventLoop& loop, Coroutine<T> coro, std::string name)
        : TaskBase(loop, std::move(name)), root_(coro.release()) {}
    ~TaskState() override { drop_root(); }

  protected:
    std::coroutine_handle<> root() const noexcept override { return root_; }
    void complete_from_root() override {
        auto& promise = root_.promise();
        if (promise.failure) {
            std::exception_ptr failure = promise.failure;
            drop_root();
            finish_from_exception(std::move(failure));
            return;
        }
        if constexpr (!std::is_void_v<T>) this->value.emplace(std::move(*promise.value));
        drop_root();
        finish_with_value();
    }
    void drop_root() noexcept override {
        if (root_) std::exchange(root_, {}).destroy();
    }

  private:
    // The root coroutine's frame (a bare handle: a task never awaits it as
    // a Coroutine, so it needs none of Coroutine's bookkeeping).
    typename Coroutine<T>::handle_type root_;
};

template <class Handle, class F>
std::function<void()> bind_done_callback(Handle handle, F fn) {
    if constexpr (std::invocable<F&, Handle&>) {
        return [handle = std::move(handle), fn = std::move(fn)]() mutable { fn(handle); };
    } else {
        static_assert(std::invocable<F&>,
                      "a done callback takes the task/future (by value or reference) or nothing");
        return [fn = std::move(fn)]() mutable { fn(); };
    }
}

}  // namespace detail

// What every Task<T> has, without the result: current_task() and
// all_tasks() return these.
class AnyTask {
  public:
    AnyTask() = default;
    bool done() const { return state().done(); }
    bool cancelled() const { return state().cancelled(); }
    bool cancel(std::string message = {}) { return state().cancel(std::move(message)); }
    int cancelling() const { return state().cancelling(); }
    int uncancel() { return state().uncancel(); }
    std::string get_name() const { return state().get_name(); }
    void set_name(std::string name) { state().set_name(std::move(name)); }
    std::exception_ptr exception() const { return state().exception(); }
    std::string repr() const { return state().repr(); }
    EventLoop& get_loop() const { return state().loop(); }
    explicit operator bool() const noexcept { return static_cast<bool>(base_); }

    friend bool operator==(const AnyTask& a, const AnyTask& b) noexcept {
        return a.base_ == b.base_;
    }

    // Internal.
    explicit AnyTask(detail::FutureRef<detail::TaskBase> base) noexcept : base_(std::move(base)) {}
    const detail::FutureRef<detail::TaskBase>& base() const noexcept { return base_; }

  protected:
    detail::TaskBase& state() const {
        if (!base_) throw InvalidStateError("Task has no state: it is empty or was moved from");
        return *base_;
    }
    detail::FutureRef<detail::TaskBase> base_;
};

template <class T>
class Task : public AnyTask {
  public:
    using value_type = T;
    Task() = default;

    // The value (a reference into the task); rethrows the coroutine's
    // exception; CancelledError when cancelled; InvalidStateError when
    // pending.
    decltype(auto) result() const {
        state().rethrow_if_not_success();
        if constexpr (!std::is_void_v<T>) return static_cast<const T&>(*typed().value);
    }

    // Runs `fn(task)` or `fn()` on the loop (call_soon) once the task is
    // done; at once (scheduled) if it is.
    template <class F>
    void add_done_callback(F fn) {
        state().add_done_callback(detail::bind_done_callback(*this, std::move(fn)));
    }

    // Waits for the task in the awaiting task: its value, or its exception.
    detail::FutureAwaiter<T> operator co_await() const {
        state();
        return detail::FutureAwaiter<T>(base_, typed());
    }

    // Internal.
    explicit Task(detail::FutureRef<detail::TaskState<T>> state) noexcept
        : AnyTask(std::move(state)) {}

  private:
    detail::TaskState<T>& typed() const { return static_cast<detail::TaskState<T>&>(state()); }
};

template <class T>
class Future {
  public:
    using value_type = T;
    // A pending future on get_event_loop()'s loop (Python's Future()).
    Future() : Future(*get_event_loop()) {}
    explicit Future(EventLoop& loop)
        : state_(detail::make_future_ref<detail::FutureState<T>>(loop)) {}

    bool done() const { return state_->done(); }
    bool cancelled() const { return state_->cancelled(); }
    bool cancel(std::string message = {}) { return state_->cancel(std::move(message)); }
    decltype(auto) result() const {
        state_->rethrow_if_not_success();
        if constexpr (!std::is_void_v<T>) return static_cast<const T&>(*state_->value);
    }
    std::exception_ptr exception() const { return state_->exception(); }
    // InvalidStateError when already done.
    template <class... V>
    void set_result(V&&... value) {
        state_->set_result(std::forward<V>(value)...);
    }
    void set_exception(std::exception_ptr error) { state_->set_exception(std::move(error)); }
    template <class F>
    void add_done_callback(F fn) {
        state_->add_done_callback(detail::bind_done_callback(*this, std::move(fn)));
    }
    EventLoop& get_loop() const { return state_->loop(); }
    std::string repr() const { return state_->repr(); }

    detail::FutureAwaiter<T> operator co_await() const {
        return detail::FutureAwaiter<T>(state_, *state_);
    }
    friend bool operator==(const Future& a, const Future& b) noexcept {
        return a.state_ == b.state_;
    }

  private:
    detail::FutureRef<detail::FutureState<T>> state_;
};

template <class A>
auto EventLoop::create_task(A&& awaitable, std::string name) {
    static_assert(detail::Awaitable<A>, "create_task() takes a Coroutine or another awaitable");
    check_not_closed();
    using T = detail::await_result_t<A>;
    auto state = detail::make_future_ref<detail::TaskState<T>>(
        *this, detail::as_coroutine(std::forward<A>(awaitable)), std::move(name));
    state->start();
    return Task<T>(std::move(state));
}

// Python's asyncio.create_task(coro, name=...): a task on the running loop.
// RuntimeError("no running event loop") outside one.
template <class A>
auto create_task(A&& awaitable, std::string name = {}) {
    return detail::require_running_loop().create_task(std::forward<A>(awaitable), std::move(name));
}

// Python's asyncio.ensure_future(aw): a Task as it is, anything else as a
// new task on the running loop.
template <class A>
auto ensure_future(A&& awaitable) {
    using Plain = std::remove_cvref_t<A>;
    if constexpr (std::is_base_of_v<AnyTask, Plain>) {
        return Plain(awaitable);
    } else {
        return get_event_loop()->create_task(std::forward<A>(awaitable));
    }
}

// The task running on this thread's loop, if any.
std::optional<AnyTask> current_task();
// The loop's (default: the running loop's) tasks that are not done.
std::vector<AnyTask> all_tasks();
std::vector<AnyTask> all_tasks(EventLoop& loop);

namespace detail {
// Runs the loop until `task` is done (run_until_complete's body).
void run_until_done(EventLoop& loop, AnyTask task);
}  // namespace detail

template <class A>
auto EventLoop::run_until_complete(A&& awaitable) {
    using Plain = std::remove_cvref_t<A>;
    if constexpr (std::is_base_of_v<AnyTask, Plain>) {
        detail::run_until_done(*this, awaitable);
        return awaitable.result();
    } else {
        auto task = create_task(std::forward<A>(awaitable));
        detail::run_until_done(*this, task);
        if constexpr (std::is_void_v<typename decltype(task)::value_type>) {
            task.result();
        } else {
            return typename decltype(task)::value_type(task.result());
        }
    }
}

}  // namespace concur::asyncio
