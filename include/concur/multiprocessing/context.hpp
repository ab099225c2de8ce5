// concur/multiprocessing/context.hpp
// -----------------------------------------------------------------------------
// Python's start methods and contexts: `set_start_method`, `get_start_method`,
// `get_all_start_methods`, `get_context`, and `freeze_support`.
//
// "fork" is the default (as on Linux before Python 3.14): the child is a copy
// of the parent, any callable runs there. "spawn" execs the same program
// afresh; it enters through `freeze_support()`, which must be the first line
// of `main` in a program that may spawn. "forkserver" forks children from a
// server process started once. A Context carries one method and makes
// Processes (and, as the module grows, pools, queues and locks) that use it,
// whatever the global default.
//
// Differences from Python: names are checked when given (an unknown name
// raises ValueError at once, as Python's get_context does); the global method
// can be read and set from any thread (all members are thread-safe).
//
// Example:
//
//   namespace mp = concur::multiprocessing;
//   void square_and_print(int x);
//
//   int main() {
//       mp::freeze_support();
//       auto ctx = mp::get_context("spawn");
//       mp::Process q = ctx.Process(square_and_print, 7);
//       q.start();
//       q.join();
//   }
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <concur/multiprocessing/array.hpp>
#include <concur/multiprocessing/condition.hpp>
#include <concur/multiprocessing/event.hpp>
#include <concur/multiprocessing/lock.hpp>
#include <concur/multiprocessing/process.hpp>
#include <concur/multiprocessing/queue.hpp>
#include <concur/multiprocessing/rlock.hpp>
#include <concur/multiprocessing/semaphore.hpp>
#include <concur/multiprocessing/value.hpp>

namespace concur::multiprocessing {

class Pool;

// "fork", "forkserver" or "spawn"; ValueError for any other name.
StartMethod start_method_from_name(std::string_view name);
std::string_view start_method_name(StartMethod method) noexcept;

class Context {
  public:
    explicit Context(StartMethod method) noexcept : method_(method) {}

    // Python's ctx.get_start_method().
    std::string get_start_method() const { return std::string(start_method_name(method_)); }
    StartMethod method() const noexcept { return method_; }

    // Python's ctx.Process(target, args): a Process using this context's
    // start method.
    template <class F, class... Args>
    multiprocessing::Process Process(F&& target, Args&&... args) const {
        return multiprocessing::Process(ProcessOptions{.name = {}, .daemon = {}, .method = method_},
                                        std::forward<F>(target), std::forward<Args>(args)...);
    }
    template <class F, class... Args>
    multiprocessing::Process Process(ProcessOptions options, F&& target, Args&&... args) const {
        options.method = method_;
        return multiprocessing::Process(std::move(options), std::forward<F>(target),
                                        std::forward<Args>(args)...);
    }

    // Python's ctx.Pool(processes): a Pool whose workers use this context's
    // start method (pool.hpp must be included to call it: it includes this
    // header).
    multiprocessing::Pool Pool(int processes = 0) const;

    // Python's ctx.Queue(), ctx.Lock(), ctx.Value(...), ...: the same objects
    // as the module's (shared memory does not depend on the start method),
    // offered here so that code written against a context reads as Python's.
    template <class T>
    multiprocessing::Queue<T> Queue(std::ptrdiff_t maxsize = 0) const {
        return multiprocessing::Queue<T>(maxsize);
    }
    template <class T>
    multiprocessing::JoinableQueue<T> JoinableQueue(std::ptrdiff_t maxsize = 0) const {
        return multiprocessing::JoinableQueue<T>(maxsize);
    }
    template <class T>
    multiprocessing::SimpleQueue<T> SimpleQueue() const {
        return multiprocessing::SimpleQueue<T>();
    }
    template <class T, class... A>
    multiprocessing::Value<T> Value(A&&... args) const {
        return multiprocessing::Value<T>(std::forward<A>(args)...);
    }
    template <class T, class... A>
    multiprocessing::Array<T> Array(A&&... args) const {
        return multiprocessing::Array<T>(std::forward<A>(args)...);
    }
    multiprocessing::Lock Lock() const { return multiprocessing::Lock(); }
    multiprocessing::RLock RLock() const { return multiprocessing::RLock(); }
    multiprocessing::Semaphore Semaphore(long long value = 1) const {
        return multiprocessing::Semaphore(value);
    }
    multiprocessing::BoundedSemaphore BoundedSemaphore(long long value = 1) const {
        return multiprocessing::BoundedSemaphore(value);
    }
    multiprocessing::Event Event() const { return multiprocessing::Event(); }
    multiprocessing::Condition Condition() const { return multiprocessing::Condition(); }

  private:
    StartMethod method_;
};

// Python's set_start_method(method, force=False): RuntimeError("context has
// already been set") if a method was set (or used to start a process) and
// `force` is false.
void set_start_method(std::string_view method, bool force = false);
// Python's get_start_method(allow_none=False): the global method (fixing the
// default, "fork", if none was set).
std::string get_start_method();
// Python's get_all_start_methods(): {"fork", "spawn", "forkserver"}.
std::vector<std::string> get_all_start_methods();
// Python's get_context(method): a Context; empty: the global method.
Context get_context(std::string_view method = {});

// Python's freeze_support(): call first thing in `main`. In a child started
// with "spawn" (or the fork server), it runs the child's work and exits the
// process; anywhere else it returns at once.
void freeze_support();

}  // namespace concur::multiprocessing
