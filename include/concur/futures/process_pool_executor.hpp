// concur/futures/process_pool_executor.hpp
// -----------------------------------------------------------------------------
// `concur::futures::ProcessPoolExecutor` mirrors Python's
// `concurrent.futures.ProcessPoolExecutor`: an Executor whose workers are
// processes. It shares the `futures::Executor` base with ThreadPoolExecutor:
// `submit()` returns the same `futures::Future<R>`, `map()` the same ordered
// result range, and code written against `futures::Executor&` works with both.
//
// Calls cross to the workers, so (as Python pickles them) a call is a
// function pointer or a lambda without captures, and its arguments and
// result are serialisable (trivially copyable, or with a cereal serialize()
// member); anything else raises ValueError at submit()/map() -- a runtime
// error, because through the base class the executor is only known at run
// time. Exceptions raised in a worker come back as the same C++ type with the
// same message when concur knows it (its Python-named exceptions, the
// standard ones), else as multiprocessing::RemoteError.
//
// Faults, as Python: a worker that dies abruptly breaks the pool -- the task
// it ran, every pending one and every later submit raise BrokenProcessPool
// (use multiprocessing::Pool to have the task fail alone and the worker
// replaced). An initializer that throws breaks it too.
//
// Differences from Python: `max_tasks_per_child` selects the "spawn" start
// method unless a context is given (Python does the same; "fork" with it is a
// ValueError, as in Python). The destructor calls shutdown(wait = true).
//
// Every member is thread-safe.
//
// Example:
//
//   namespace futures = concur::futures;
//   int square(int x) { return x * x; }
//
//   int main() {
//       concur::multiprocessing::freeze_support();
//       futures::ProcessPoolExecutor pool(4);
//       futures::Future<int> f = pool.submit(square, 7);     // 49
//       auto all = pool.map(square, std::vector{1, 2, 3}).to_vector();
//   }
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

#include <concur/futures/executor.hpp>
#include <concur/multiprocessing/context.hpp>
#include <concur/multiprocessing/detail/worker_pool.hpp>
#include <concur/multiprocessing/pool.hpp>

namespace concur::futures {

class ProcessPoolExecutor : public Executor {
  public:
    // Python: ProcessPoolExecutor(max_workers=None, mp_context=None,
    // initializer=None, initargs=(), max_tasks_per_child=None). ValueError
    // for max_workers <= 0 or max_tasks_per_child <= 0.
    explicit ProcessPoolExecutor(std::optional<int> max_workers = std::nullopt,
                                 multiprocessing::PoolInitializer initializer = {},
                                 multiprocessing::PoolInitArgs initargs = {},
                                 std::optional<int> max_tasks_per_child = std::nullopt,
                                 std::optional<multiprocessing::Context> mp_context = std::nullopt);
    // shutdown(wait = true).
    ~ProcessPoolExecutor() override;

    // Python's shutdown(wait=True, *, cancel_futures=False). Blocks when
    // `wait` until the workers have finished the queued calls and exited.
    void shutdown(bool wait = true, bool cancel_futures = false) override;
    // Python 3.14's terminate_workers() / kill_workers(): SIGTERM / SIGKILL
    // every worker now; calls not finished fail with BrokenProcessPool.
    void terminate_workers();
    void kill_workers();

    int max_workers() const noexcept;
    // The pids of the workers alive now.
    std::vector<int> worker_pids() const;

  protected:
    void enqueue(concur::detail::SchedulerTask* task) override;
    detail::TaskContext task_context() const noexcept override { return {}; }
    std::size_t map_workers() const noexcept override;
    void enqueue_elsewhere(multiprocessing::detail::PoolTask task) override;

  private:
    std::mutex mutex_;
    bool shut_down_ = false;
    std::unique_ptr<multiprocessing::detail::WorkerPool> workers_;
};

}  // namespace concur::futures
