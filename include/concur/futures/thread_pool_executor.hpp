// concur/futures/thread_pool_executor.hpp
// -----------------------------------------------------------------------------
// `concur::futures::ThreadPoolExecutor` mirrors Python's
// `concurrent.futures.ThreadPoolExecutor`, on concur's work-stealing scheduler
// (include/concur/detail/scheduler.hpp; docs/futures.md has the design).
//
//  * ThreadPoolExecutor(max_workers = min(32, cpu_count + 4),
//    thread_name_prefix = "ThreadPoolExecutor-N", initializer, initargs...):
//    ValueError if max_workers <= 0 (Python's "max_workers must be greater
//    than 0"). Worker threads are started lazily, named "<prefix>_<i>": a
//    submit starts one unless an idle worker is free to take its task (as
//    Python's idle semaphore: one idle worker, one submit); memory is taken
//    per started worker, so a huge max_workers costs nothing up front.
//  * It is a futures::Executor: submit, map, map_with and shutdown work
//    through an Executor& as well (see executor.hpp for their contracts).
//  * shutdown(wait = true, cancel_futures = false). With wait from one of
//    the pool's own workers it raises RuntimeError (it would join itself, as
//    Python's does). The destructor shuts down with wait = true -- or, when
//    the last owner drops the executor inside one of its own tasks, without
//    waiting: the workers finish the queued work and exit on their own. A
//    destructor never throws.
//
// Beyond Python: a task that waits (result() without a timeout) for a task of
// its own pool that has not started runs it itself, so nested submit-and-wait
// never deadlocks; and worker_count() / queued() report the pool's state.
//
// Thread-safety: every member may be called from any thread.
//
// Example:
//
//   futures::ThreadPoolExecutor ex(4, "crunch");
//   futures::Future<int> f = ex.submit([](int a, int b) { return a * b; }, 6, 7);
//   int v = f.result();                                  // 42
//   for (long r : ex.map([](long x) { return x * x; }, std::vector<long>{1, 2, 3})) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <concur/detail/scheduler.hpp>
#include <concur/futures/exceptions.hpp>
#include <concur/futures/executor.hpp>

namespace concur::futures {

namespace detail {
std::size_t default_max_workers() noexcept;
std::string next_executor_prefix();
}  // namespace detail

class ThreadPoolExecutor : public Executor {
  public:
    // Python: ThreadPoolExecutor(max_workers=None, thread_name_prefix='',
    // initializer=None, initargs=()).
    explicit ThreadPoolExecutor(std::optional<std::int64_t> max_workers = std::nullopt,
                                std::string thread_name_prefix = {})
        : ThreadPoolExecutor(max_workers, std::move(thread_name_prefix), std::function<void()>{}) {}

    template <class Init, class... InitArgs>
    requires std::invocable < std::decay_t<Init>
    &, std::decay_t<InitArgs>&... > ThreadPoolExecutor(std::optional<std::int64_t> max_workers,
                                                       std::string thread_name_prefix,
                                                       Init&& initializer, InitArgs&&... initargs)
        : ThreadPoolExecutor(max_workers, std::move(thread_name_prefix),
                             bind_initializer(std::forward<Init>(initializer),
                                              std::forward<InitArgs>(initargs)...)) {}

    ~ThreadPoolExecutor() override;

    using Executor::map;
    using Executor::map_with;
    using Executor::submit;

    // Python: shutdown(wait=True, *, cancel_futures=False).
    void shutdown(bool wait = true, bool cancel_futures = false) override;

    std::size_t max_workers() const noexcept { return scheduler_->max_workers(); }
    std::size_t worker_count() const noexcept { return scheduler_->worker_count(); }
    std::size_t queued() const noexcept { return scheduler_->queued(); }

  protected:
    void enqueue(concur::detail::SchedulerTask* task) override;
    detail::TaskContext task_context() const noexcept override;
    std::size_t map_workers() const noexcept override { return max_workers(); }
    void prepare_for(std::size_t tasks) override { scheduler_->prestart(tasks); }

  private:
    ThreadPoolExecutor(std::optional<std::int64_t> max_workers, std::string prefix,
                       std::function<void()> initializer);

    template <class Init, class... InitArgs>
    static std::function<void()> bind_initializer(Init&& init, InitArgs&&... initargs) {
        return [init = std::decay_t<Init>(std::forward<Init>(init)),
                bound = std::tuple<std::decay_t<InitArgs>...>(
                    std::forward<InitArgs>(initargs)...)]() mutable { std::apply(init, bound); };
    }

    std::shared_ptr<concur::detail::Scheduler> scheduler_;
};

}  // namespace concur::futures
