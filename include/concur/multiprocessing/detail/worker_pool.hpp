// concur/multiprocessing/detail/worker_pool.hpp -- private: the engine of
// Pool and ProcessPoolExecutor: worker processes, each with a duplex
// Connection to the parent, and a handler thread in the parent that hands
// tasks to idle workers, completes them with their results, and watches the
// workers' sentinels.
//
// A task is a call in the form any start method can run (remote_call.hpp). The worker resolves both
// ids, runs the entry -- which deserialises the arguments, calls the target and serialises its
// result -- and sends back the result bytes or the exception (as a WireError).
//
// Because the parent gives each worker one task at a time, it always knows
// what a worker that died was running. What happens then is the policy:
//  * replace (Pool): that task fails with WorkerLostError, a new worker takes
//    the dead one's place, the pool goes on -- where Python's Pool hangs
//    (cpython#96062);
//  * break (ProcessPoolExecutor): that task and every pending one fail with
//    BrokenProcessPool, later submits raise it, the other workers are
//    stopped -- as Python's ProcessPoolExecutor does.
// An initializer that throws breaks the pool under both policies (no respawn
// loop). `max_tasks_per_child` retires a worker after that many tasks and
// starts a fresh one.
//
// Thread-safety: every member may be called from any thread. Callbacks run on
// the handler thread and must not block on the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <concur/multiprocessing/connection.hpp>
#include <concur/multiprocessing/detail/remote_call.hpp>
#include <concur/multiprocessing/process.hpp>

namespace concur::multiprocessing::detail {

enum class DeathPolicy { replace, break_pool };

struct WorkerPoolOptions {
    int processes = 0;                  // <= 0: cpu_count()
    std::optional<StartMethod> method;  // empty: the global start method
    Bytes initializer;                  // a call (as PoolTask::call), or empty
    int max_tasks_per_child = 0;        // 0: unlimited
    DeathPolicy policy = DeathPolicy::replace;
    std::string name_prefix = "PoolWorker";  // workers are "<prefix>-N"
};

class WorkerPool {
  public:
    explicit WorkerPool(WorkerPoolOptions options);
    // terminate()s and joins: no worker outlives the pool.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues a task. ValueError("Pool not running") after close() or
    // terminate(); BrokenProcessPool once broken.
    void submit(PoolTask task);
    // No more tasks; workers exit once the queued ones are done.
    void close();
    // Stops the workers now (with `signal`); tasks not finished fail with
    // `reason` (null: RuntimeError("Pool terminated")).
    void terminate(int signal = 9, std::exception_ptr reason = nullptr);
    // Drops the queued tasks that no worker has taken (their on_cancel runs).
    void cancel_pending();
    // Waits until every worker has exited (after close() or terminate()).
    // ValueError if neither was called.
    void join();

    // How many workers the pool keeps.
    int processes() const noexcept;
    // The pids of the workers alive now.
    std::vector<int> worker_pids() const;
    bool broken() const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// The worker process's main loop (a Process target under every start method).
void pool_worker_main(Connection connection, Bytes initializer, int max_tasks);

}  // namespace concur::multiprocessing::detail
