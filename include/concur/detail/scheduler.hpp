// concur/detail/scheduler.hpp -- private: concur's work-stealing scheduler,
// the engine under ThreadPoolExecutor (and later process pools, asyncio's
// to_thread, the statistics tool).
//
//   outside threads --push--> InjectionQueue --batch--> worker deques
//                                                  <--steal-- other workers
//
// Each worker owns a WorkStealingDeque: tasks submitted *by a worker* go to
// its own deque (LIFO for it, stolen FIFO by others); tasks from any other
// thread go to the injection queue, which an idle worker drains in batches
// into its deque so the others can steal from it. A worker with nothing to do
// spins briefly, then parks on an eventcount; submit() wakes one parked
// worker, which costs a single load while nobody is parked. Workers are
// started lazily, one per submit while none is idle, up to max_workers, as
// Python's ThreadPoolExecutor does.
//
// Memory ordering: see each queue's header. Parking follows EventCount's
// protocol: a submitter's push is a seq_cst operation (the injection
// exchange; a local push's store of bottom) before
// notify_one() reads the waiter count, and a parking worker re-checks every
// queue with seq_cst loads after prepare_wait(). Shutdown: submit()
// announces itself in `submitters_` before checking `stopping_` (seq_cst),
// and a worker exits only if, after prepare_wait(), it reads `stopping_` set
// and no submit in flight, then finds every queue empty; a submit leaves
// (release) only after queuing its task, so a worker that reads it gone sees
// the task. A pool broken by its initializer is handled the same way:
// `broken_` is stored and read seq_cst, against the seq_cst pushes.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <concur/detail/event_count.hpp>
#include <concur/detail/injection_queue.hpp>
#include <concur/detail/work_stealing_deque.hpp>

namespace concur::detail {

// A unit of work. The scheduler calls exactly one of run() or abandon(),
// once; each releases the scheduler's reference to the task.
class SchedulerTask : public InjectionNode {
public:
    virtual void run() noexcept = 0;
    // Not run: cancel it (error null) or fail it with `error`.
    virtual void abandon(std::exception_ptr error) noexcept = 0;
    // Called by a thread waiting for the task, while it is still queued: if
    // the caller is a worker of the task's scheduler and the task has not
    // started, runs it now and returns true. The scheduler's later run() of
    // the node then does nothing (it still releases its reference).
    virtual bool run_inline() noexcept = 0;

protected:
    ~SchedulerTask() = default;
};

struct SchedulerOptions {
    std::size_t max_workers = 1;
    std::string thread_name_prefix;
    std::function<void()> initializer;  // run first in every worker; a throw breaks the pool
};

class Scheduler {
public:
    explicit Scheduler(SchedulerOptions options);
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    ~Scheduler();  // shutdown(wait = true)

    // Queues `task`. RuntimeError after shutdown, BrokenThreadPool once
    // broken (the task is then neither run nor abandoned: the caller keeps it).
    void submit(SchedulerTask* task);

    // Stops accepting work; with `cancel_pending`, abandons what has not
    // started; with `wait`, returns once every worker has exited (after
    // running the remaining work). Idempotent; callable from any thread but
    // the scheduler's own workers (RuntimeError with wait = true there).
    void shutdown(bool wait, bool cancel_pending);

    std::size_t max_workers() const noexcept { return max_workers_; }
    // Workers started so far.
    std::size_t worker_count() const noexcept { return started_.load(std::memory_order_acquire); }
    // Tasks queued and not yet started (approximate).
    std::size_t queued() const noexcept;
    bool broken() const noexcept { return broken_.load(std::memory_order_acquire); }

    static bool on_worker_thread() noexcept;
    // The scheduler whose worker the calling thread is, or null.
    static Scheduler* current() noexcept;

private:
    struct Worker;
    void start_worker();
    void worker_main(Worker& self);
    SchedulerTask* find_task(Worker& self);
    SchedulerTask* take_from_injection(Worker& self);
    SchedulerTask* steal(Worker& self);
    bool work_visible() const noexcept;
    void abandon_all(std::exception_ptr error) noexcept;
    void break_pool(std::exception_ptr initializer_error) noexcept;

    const std::size_t max_workers_;
    const std::string prefix_;
    const std::function<void()> initializer_;
    std::unique_ptr<Worker[]> workers_;
    std::atomic<std::size_t> started_{0};
    std::atomic<std::size_t> idle_{0};
    std::atomic<std::size_t> queued_{0};
    std::atomic<std::size_t> submitters_{0};  // submits in progress
    std::atomic<bool> stopping_{false};
    std::atomic<bool> broken_{false};
    std::mutex start_mutex_;  // serialises worker start-up and shutdown's joins
    InjectionQueue injection_;
    EventCount work_;
};

}  // namespace concur::detail
