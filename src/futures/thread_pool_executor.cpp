// src/futures/thread_pool_executor.cpp -- ThreadPoolExecutor: Python's
// argument checks, names, initializer and exceptions around the scheduler.
#include <concur/futures/thread_pool_executor.hpp>
#include <concur/threading/detail/thread_state.hpp>
#include <concur/threading/excepthook.hpp>
#include <concur/threading/thread.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

namespace concur::futures {

namespace detail {

std::size_t default_max_workers() noexcept {
    // Python 3.8+: min(32, (os.cpu_count() or 1) + 4).
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(32, cpus + 4);
}

std::string next_executor_prefix() {
    static std::atomic<std::size_t> counter{0};
    return "ThreadPoolExecutor-" + std::to_string(counter.fetch_add(1));
}

}  // namespace detail

namespace {

BrokenThreadPool broken_thread_pool() {
    return BrokenThreadPool("A thread initializer failed, the thread pool is not usable anymore");
}

std::exception_ptr broken_thread_pool_error() {
    return std::make_exception_ptr(broken_thread_pool());
}

// Workers are threading::Thread objects, so they are named, listed by
// threading::enumerate() and report through excepthook like Python's.
class PoolThread final : public concur::detail::WorkerThread {
  public:
    PoolThread(std::string name, std::function<void()> body)
        : thread_(threading::ThreadOptions{.name = std::move(name)}, std::move(body)) {
        // No handshake: the scheduler needs none, and workers that map()
        // starts together then start up side by side.
        concur::detail::ThreadStartAccess::launch(thread_);
    }
    // ~Thread joins, except on the thread itself (the last worker may free
    // the scheduler).
    void join() override {
        if (thread_.is_alive() && thread_.ident() != threading::get_ident()) thread_.join();
    }

  private:
    threading::Thread thread_;
};

}  // namespace

ThreadPoolExecutor::ThreadPoolExecutor(std::optional<std::int64_t> max_workers, std::string prefix,
                                       std::function<void()> initializer) {
    if (max_workers && *max_workers <= 0) throw ValueError("max_workers must be greater than 0");
    concur::detail::SchedulerOptions options;
    options.max_workers =
        max_workers ? static_cast<std::size_t>(*max_workers) : detail::default_max_workers();
    options.thread_name_prefix =
        prefix.empty() ? detail::next_executor_prefix() : std::move(prefix);
    if (initializer) {
        options.initializer = [init = std::move(initializer)]() noexcept {
            try {
                init();
                return true;
            } catch (...) {
                // Python logs "Exception in initializer:" and breaks the pool.
                concur::detail::report_current_exception(threading::current_thread());
                return false;
            }
        };
    }
    options.thread_factory = [](std::string name, std::function<void()> body) {
        return std::make_unique<PoolThread>(std::move(name), std::move(body));
    };
    scheduler_ = concur::detail::Scheduler::create(std::move(options));
}

ThreadPoolExecutor::~ThreadPoolExecutor() {
    // Python's `with` exit: shutdown(wait=True). From one of our own workers
    // the scheduler does not wait (it never could); it lives on until its
    // workers have run what is queued.
    scheduler_->shutdown(true, false);
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
    if (!scheduler_->shutdown(wait, cancel_futures))
        throw RuntimeError("cannot join current thread");
}

void ThreadPoolExecutor::enqueue(concur::detail::SchedulerTask* task) {
    switch (scheduler_->submit(task)) {
        case concur::detail::SubmitStatus::accepted:
            return;
        case concur::detail::SubmitStatus::shut_down:
            throw RuntimeError("cannot schedule new futures after shutdown");
        case concur::detail::SubmitStatus::broken:
            throw broken_thread_pool();
    }
}

detail::TaskContext ThreadPoolExecutor::task_context() const noexcept {
    return {scheduler_.get(), &broken_thread_pool_error};
}

}  // namespace concur::futures
