// concur/detail/scheduler.hpp -- private: concur's work-stealing scheduler,
// the engine under ThreadPoolExecutor (and next under multiprocessing's
// ThreadPool, asyncio's default executor, the statistics tool). It knows
// nothing of futures, executors or Python's exceptions: a task is anything
// that derives from SchedulerTask, submit() returns a status, and the threads
// come from a factory the owner supplies.
//
//   outside threads --push--> InjectionQueue --batch--> worker deques
//                                                  <--steal-- other workers
//
// Each worker owns a WorkStealingDeque: tasks submitted *by a worker* go to
// its own deque (LIFO for it, stolen FIFO by others); tasks from any other
// thread go to the injection queue, which an idle worker drains in batches
// into its deque so the others can steal from it. A worker with nothing to do
// spins briefly (waiter.hpp's SpinWait), keeps its CPU a while longer by
// yielding it (idle_spin(), up to 200 us), then parks on an eventcount;
// submit() wakes one parked worker, which costs a single load while nobody is
// parked. Workers are started lazily, one per submit unless an idle worker is
// free to take the task, up to max_workers, as Python's ThreadPoolExecutor
// does; memory is allocated per started worker.
//
// Lifetime: the owner holds the scheduler by shared_ptr and so does every
// worker thread, so an owner that lets go of it from inside one of its own
// tasks (a ThreadPoolExecutor dropped by its own task) only stops it: the
// workers finish the queued work and the last one frees the scheduler.
//
// Memory ordering: see each queue's header. Parking follows EventCount's
// protocol: a submitter's push is a seq_cst operation (the injection
// exchange; a local push's store of bottom) before notify_one() reads the
// waiter count, and a parking worker re-checks every queue with seq_cst loads
// after prepare_wait(). Shutdown: `gate_` counts submits in flight (low bits)
// and carries the "stopping" bit; submit() enters with a seq_cst fetch_add
// that also tells it whether stopping was set, so a task is either refused or
// counted in flight before shutdown() sets the bit. A worker exits only if,
// after prepare_wait(), it reads the bit set and no submit in flight, then
// finds every queue empty; a submit leaves (release) only after queuing its
// task, so a worker that reads it gone sees the task. A pool broken by its
// initializer is handled the same way: `broken_` is stored and read seq_cst,
// against the seq_cst pushes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <concur/detail/event_count.hpp>
#include <concur/detail/injection_queue.hpp>
#include <concur/detail/work_stealing_deque.hpp>

namespace concur::detail {

// Why a task was not run (the task turns it into its owner's exception).
enum class AbandonReason { cancelled, broken };

// A unit of work. The scheduler calls exactly one of run() or abandon(),
// once, and no other member.
class SchedulerTask : public InjectionNode {
  public:
    virtual void run() noexcept = 0;
    virtual void abandon(AbandonReason reason) noexcept = 0;

  protected:
    ~SchedulerTask() = default;
};

enum class SubmitStatus {
    accepted,   // queued: run() or abandon() will be called
    shut_down,  // refused: shutdown() was called (the caller keeps the task)
    broken,     // refused: an initializer failed (the caller keeps the task)
};

// A started worker thread, as the owner's factory makes it.
class WorkerThread {
  public:
    virtual ~WorkerThread() = default;
    // Blocks until the thread has finished.
    virtual void join() = 0;
};
// Starts a thread named `name` that runs `body`. Its destructor must not block
// when run on that thread itself (the last worker may free the scheduler).
using ThreadFactory =
    std::function<std::unique_ptr<WorkerThread>(std::string name, std::function<void()> body)>;

struct SchedulerOptions {
    std::size_t max_workers = 1;
    std::string thread_name_prefix;  // workers are named "<prefix>_<i>"
    // Run first in every worker; returning false breaks the pool: every
    // queued task is abandoned (broken) and submit() refuses from then on.
    std::function<bool()> initializer;
    // Default: plain std::thread (unnamed, detached by a worker that frees
    // the scheduler).
    ThreadFactory thread_factory;
};

class Scheduler : public std::enable_shared_from_this<Scheduler> {
  public:
    static std::shared_ptr<Scheduler> create(SchedulerOptions options);
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;
    ~Scheduler();

    // Queues `task`; never blocks, never throws. Starts a worker if none is
    // idle and fewer than max_workers run.
    SubmitStatus submit(SchedulerTask* task) noexcept;

    // About to submit `tasks` tasks at once: starts now the workers those
    // submits would start (one per task while none is idle, up to
    // max_workers), so that thread start-up does not wait behind the first
    // tasks for a core. Never blocks for long; no-op after shutdown.
    void prestart(std::size_t tasks) noexcept;

    // Stops accepting work; with `cancel_pending`, abandons (cancelled) what
    // has not started; with `wait`, returns once every worker has exited
    // (after running the remaining work). Idempotent; from any thread. Called
    // with `wait` on one of the scheduler's own workers it does not wait
    // (that could never return) and returns false; true otherwise.
    bool shutdown(bool wait, bool cancel_pending);

    std::size_t max_workers() const noexcept { return max_workers_; }
    // Workers started so far.
    std::size_t worker_count() const noexcept { return started_.load(std::memory_order_acquire); }
    // Tasks queued and not yet started (approximate).
    std::size_t queued() const noexcept;
    bool broken() const noexcept { return broken_.load(std::memory_order_acquire); }

    // The scheduler whose worker the calling thread is, or null.
    static Scheduler* current() noexcept;

  private:
    struct Worker;
    struct WorkerTable;
    explicit Scheduler(SchedulerOptions options);
    void start_worker();
    void worker_main(Worker& self);
    SchedulerTask* find_task(Worker& self);
    SchedulerTask* idle_spin(Worker& self);
    void take_idle_token_back() noexcept;
    SchedulerTask* take_from_injection(Worker& self);
    SchedulerTask* steal(Worker& self);
    bool work_visible() const noexcept;
    void abandon_all(AbandonReason reason) noexcept;
    void break_pool() noexcept;
    Worker* worker_at(std::size_t index) const noexcept;

    // gate_: submits in flight (bits 0..30), kStopping (bit 31), submits ever
    // made (bits 32..63, wrapping: only queued() reads them).
    static constexpr std::uint64_t kInFlight = 1;
    static constexpr std::uint64_t kStopping = std::uint64_t{1} << 31;
    static constexpr std::uint64_t kSubmitted = std::uint64_t{1} << 32;

    const std::size_t max_workers_;
    const std::string prefix_;
    const std::function<bool()> initializer_;
    const ThreadFactory thread_factory_;
    alignas(64) std::atomic<std::uint64_t> gate_{0};
    alignas(64) std::atomic<std::size_t> started_{0};
    std::atomic<std::size_t> idle_tokens_{0};  // Python's _idle_semaphore
    std::atomic<bool> broken_{false};
    std::atomic<WorkerTable*> table_{nullptr};
    std::mutex start_mutex_;  // serialises worker start-up and shutdown's joins
    std::vector<std::unique_ptr<WorkerTable>> tables_;  // under start_mutex_
    std::vector<std::unique_ptr<Worker>> workers_;      // under start_mutex_
    InjectionQueue injection_;
    EventCount<> work_;
};

}  // namespace concur::detail
