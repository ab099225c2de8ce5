// concur/threading/thread.hpp
// -----------------------------------------------------------------------------
// `concur::threading::Thread` mirrors Python's `threading.Thread`; `ThreadRef`
// is what Python's `current_thread()` and `enumerate()` hand out.
//
// A Thread runs a callable with its arguments (Python's `target` and `args`)
// or, in a subclass, its overridden `run()`. Differences from Python:
//  * the callable and the argument types are checked at compile time: a wrong
//    number of arguments does not compile (Python raises TypeError in the new
//    thread, as the seed shows);
//  * RAII: destroying the object of a running thread joins it (a C++
//    `std::thread` would call std::terminate). At process exit, non-daemon
//    threads still running are joined first, as Python does; daemon threads
//    are left running and die with the process. A subclass whose `run()` uses
//    the subclass's own members must `join()` in its destructor, since those
//    members are gone by the time `~Thread` runs.
//  * `join(timeout)` returns whether the thread finished (Python returns None
//    and asks you to call is_alive()).
//  * Python properties become accessor pairs: `name()` reads, `name(value)`
//    writes; `ident()` and `native_id()` are empty optionals before start.
//
// Every member is thread-safe.
//
// Example:
//
//   namespace threading = concur::threading;
//   void print_epoch(std::string name, int delay);
//
//   threading::Thread t1(print_epoch, "Thread 1", 1);
//   threading::Thread t2(print_epoch, "Thread 2", 2);
//   t1.start(); t2.start();
//   t1.join(); t2.join();
//   threading::print("Done");
//
//   struct MyThread : threading::Thread {
//       explicit MyThread(std::string name) : Thread(threading::ThreadOptions{.name = name}) {}
//       void run() override { threading::print("start thread:", name()); }
//   };
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <concur/detail/deadline.hpp>
#include <concur/exceptions.hpp>

namespace concur::detail {
struct ThreadState;
struct ThreadRefAccess;  // detail/thread_state.hpp: makes ThreadRefs for the internals
struct ThreadStartAccess;  // detail/thread_state.hpp: starts without the handshake

// A move-only, type-erased `void()` (std::move_only_function is C++23).
class Task {
public:
    Task() = default;
    template <class F>
        requires(!std::is_same_v<std::decay_t<F>, Task>)
    explicit Task(F&& f) : impl_(std::make_unique<Model<std::decay_t<F>>>(std::forward<F>(f))) {}
    explicit operator bool() const noexcept { return impl_ != nullptr; }
    void operator()() { impl_->call(); }

private:
    struct Concept {
        virtual ~Concept() = default;
        virtual void call() = 0;
    };
    template <class F>
    struct Model final : Concept {
        explicit Model(F&& f) : fn(std::move(f)) {}
        explicit Model(const F& f) : fn(f) {}
        void call() override { std::invoke(fn); }
        F fn;
    };
    std::unique_ptr<Concept> impl_;
};

// Binds decayed copies of a callable and its arguments, as std::thread does,
// and invokes them once by rvalue.
template <class F, class... Args>
Task bind_task(F&& f, Args&&... args) {
    static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                  "concur::threading: the target cannot be called with these arguments "
                  "(Python would raise TypeError in the new thread)");
    return Task([fn = std::decay_t<F>(std::forward<F>(f)),
                 bound = std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)]() mutable {
        std::apply(std::move(fn), std::move(bound));
    });
}

// Python's Thread-N (target) naming: the target's name where C++ can know it.
std::string target_name_of_function(const void* address);
std::string target_name_of_type(const char* mangled_type_name);

template <class F>
std::string target_name(const F& f) {
    using D = std::decay_t<F>;
    if constexpr (std::is_pointer_v<D> && std::is_function_v<std::remove_pointer_t<D>>) {
        return target_name_of_function(reinterpret_cast<const void*>(f));
    } else if constexpr (std::is_function_v<std::remove_reference_t<F>>) {
        return target_name_of_function(reinterpret_cast<const void*>(&f));
    } else {
        return target_name_of_type(typeid(D).name());
    }
}

std::string next_thread_name(const std::string& target);
}  // namespace concur::detail

namespace concur::threading {

// Python's keyword arguments of Thread(): `name` and `daemon` (None = inherit
// the creating thread's daemon flag).
struct ThreadOptions {
    std::string name{};
    std::optional<bool> daemon = std::nullopt;
};

// A handle to a thread's identity and lifetime, as Python's `current_thread()`
// and `enumerate()` return. Copies refer to the same thread. Thread-safe.
class ThreadRef {
public:
    // The thread's name: "Thread-N (target)", "MainThread", "Dummy-N", or what
    // was set. Setting it also renames the OS thread (truncated to 15 bytes).
    std::string name() const;
    void name(std::string value);

    // Python's `ident`: get_ident() of the thread; empty before start.
    std::optional<std::uint64_t> ident() const;
    // Python's `native_id`: the kernel thread id (gettid); empty before start.
    std::optional<std::uint64_t> native_id() const;

    // Python's `daemon`. Setting it once started raises RuntimeError.
    bool daemon() const;
    void daemon(bool value);

    // True from just before run() starts until just after it ends.
    bool is_alive() const;

    // Blocks until the thread ends. Raises RuntimeError if the thread was not
    // started, is the calling thread, or is a dummy thread. Several threads
    // may join the same thread.
    void join() const;
    // Blocks at most `timeout` (negative counts as zero); returns whether the
    // thread has ended.
    template <class Rep, class Period>
    bool join(std::chrono::duration<Rep, Period> timeout) const {
        const auto deadline = concur::detail::deadline_after(timeout);
        return join_until(&deadline);
    }

    // Python's repr: <Thread(Thread-1 (worker), started 1403...)>.
    std::string repr() const;
    friend std::ostream& operator<<(std::ostream& os, const ThreadRef& thread);

    friend bool operator==(const ThreadRef& a, const ThreadRef& b) noexcept {
        return a.state_ == b.state_;
    }

protected:
    bool join_until(const concur::detail::Deadline* deadline) const;
    std::shared_ptr<concur::detail::ThreadState> state_;

private:
    // Handles come from current_thread(), main_thread(), enumerate() and
    // Thread::ref(); the shared state behind them is not public API.
    friend class Thread;
    friend struct concur::detail::ThreadRefAccess;
    explicit ThreadRef(std::shared_ptr<concur::detail::ThreadState> state) noexcept
        : state_(std::move(state)) {}
};

class Thread : public ThreadRef {
public:
    // A thread with no target: for subclasses that override run().
    Thread() : Thread(ThreadOptions{}) {}
    explicit Thread(ThreadOptions options);

    // Python: Thread(target=f, args=(...)). F(Args...) must be callable.
    template <class F, class... Args>
        requires(!std::is_same_v<std::decay_t<F>, ThreadOptions> &&
                 !std::is_base_of_v<Thread, std::decay_t<F>>)
    explicit Thread(F&& target, Args&&... args)
        : Thread(ThreadOptions{}, std::forward<F>(target), std::forward<Args>(args)...) {}

    // Python: Thread(target=f, args=(...), name=..., daemon=...).
    template <class F, class... Args>
    Thread(ThreadOptions options, F&& target, Args&&... args)
        : Thread(std::move(options), concur::detail::target_name(target),
                 concur::detail::bind_task(std::forward<F>(target), std::forward<Args>(args)...)) {}

    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;

    // Joins a running thread (see above). Never terminates the process.
    virtual ~Thread();

    // Starts the thread; returns once it runs (ident() is then set). Raises
    // RuntimeError if called twice ("threads can only be started once") or
    // if the OS cannot create a thread.
    void start();

    // The thread's activity. The default runs the target; subclasses override.
    virtual void run();

    // A handle that can outlive this object.
    ThreadRef ref() const noexcept { return ThreadRef(state_); }

protected:
    // For library subclasses (Timer) that pass their behaviour as the target
    // and never override run(): their target runs even if the object is
    // destroyed during process exit.
    struct TargetIsRun {};
    Thread(TargetIsRun, ThreadOptions options, concur::detail::Task target);

private:
    friend struct concur::detail::ThreadStartAccess;
    Thread(ThreadOptions options, std::string target_name, concur::detail::Task target);
    // start() without waiting for the new thread to run (for pools that start
    // several at once).
    void launch();
    bool target_is_run_ = false;
};

// Python's threading.current_thread(): the calling thread (a "Dummy-N" entry
// is created for threads concur did not start). Never blocks.
ThreadRef current_thread();
// Python's threading.main_thread().
ThreadRef main_thread();
// Python's threading.active_count(): threads alive now, main and dummy ones
// included.
std::size_t active_count();
// Python's threading.enumerate(): every thread alive now, in Python's order:
// the main thread first, then threads in the order they started (dummy
// threads where they were first seen).
std::vector<ThreadRef> enumerate();
// Python's threading.get_ident() (pthread_self) and get_native_id() (gettid).
std::uint64_t get_ident() noexcept;
std::uint64_t get_native_id() noexcept;

}  // namespace concur::threading
