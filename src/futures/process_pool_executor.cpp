// concurrent.futures.ProcessPoolExecutor on multiprocessing's worker-pool
// engine, with the "break" policy for dead workers.
#include <concur/futures/process_pool_executor.hpp>

#include <csignal>

namespace concur::futures {

ProcessPoolExecutor::ProcessPoolExecutor(std::optional<int> max_workers,
                                         multiprocessing::PoolInitializer initializer,
                                         multiprocessing::PoolInitArgs initargs,
                                         std::optional<int> max_tasks_per_child,
                                         std::optional<multiprocessing::Context> mp_context)
    : Executor(RunsElsewhere{}) {
    if (max_workers && *max_workers <= 0) throw ValueError("max_workers must be greater than 0");
    if (max_tasks_per_child && *max_tasks_per_child <= 0)
        throw ValueError("max_tasks_per_child must be >= 1");
    if (max_tasks_per_child && !mp_context) mp_context = multiprocessing::get_context("spawn");
    if (max_tasks_per_child && mp_context->method() == multiprocessing::StartMethod::fork)
        throw ValueError(
            "max_tasks_per_child is incompatible with the 'fork' multiprocessing start method; "
            "supply a different mp_context.");
    // Pool checks and builds the initializer the same way: borrow its options.
    multiprocessing::PoolOptions options{max_workers.value_or(0), std::move(initializer),
                                         std::move(initargs), max_tasks_per_child.value_or(0),
                                         mp_context};
    workers_ = multiprocessing::detail::make_worker_pool(
        std::move(options), multiprocessing::detail::DeathPolicy::break_pool);
}

ProcessPoolExecutor::~ProcessPoolExecutor() {
    try {
        shutdown(true);
    } catch (...) {
    }
}

void ProcessPoolExecutor::shutdown(bool wait, bool cancel_futures) {
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
    }
    if (cancel_futures) workers_->cancel_pending();
    workers_->close();
    if (wait) workers_->join();
}

void ProcessPoolExecutor::terminate_workers() {
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
    }
    workers_->terminate(SIGTERM, std::make_exception_ptr(BrokenProcessPool(
                                     "the workers were terminated (terminate_workers())")));
    workers_->join();
}

void ProcessPoolExecutor::kill_workers() {
    {
        std::lock_guard lock(mutex_);
        shut_down_ = true;
    }
    workers_->terminate(
        SIGKILL,
        std::make_exception_ptr(BrokenProcessPool("the workers were killed (kill_workers())")));
    workers_->join();
}

int ProcessPoolExecutor::max_workers() const noexcept {
    return workers_->processes();
}

std::vector<int> ProcessPoolExecutor::worker_pids() const {
    return workers_->worker_pids();
}

std::size_t ProcessPoolExecutor::map_workers() const noexcept {
    return static_cast<std::size_t>(workers_->processes());
}

void ProcessPoolExecutor::enqueue(concur::detail::SchedulerTask*) {
    // Executor sends every call of this executor to enqueue_elsewhere().
    throw RuntimeError("ProcessPoolExecutor runs no in-process tasks");
}

void ProcessPoolExecutor::enqueue_elsewhere(multiprocessing::detail::PoolTask task) {
    {
        std::lock_guard lock(mutex_);
        if (shut_down_) throw RuntimeError("cannot schedule new futures after shutdown");
    }
    workers_->submit(std::move(task));
}

}  // namespace concur::futures
