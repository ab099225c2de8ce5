// src/detail/scheduler.cpp -- the work-stealing scheduler: worker start-up,
// the worker loop (own deque, injection batches, stealing, parking), shutdown.
#include <concur/detail/scheduler.hpp>
#include <concur/detail/waiter.hpp>

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace concur::detail {

struct Scheduler::Worker {
    std::size_t index = 0;
    WorkStealingDeque<SchedulerTask*> deque;
    std::unique_ptr<WorkerThread> thread;
    std::uint64_t rng = 0;                               // victim selection
    alignas(64) std::atomic<std::uint64_t> executed{0};  // written by this worker only
};

// The workers started so far, readable without a lock: a table is never
// changed after it is published except for filling its next free slot before
// started_ is raised; a full table is replaced by a copy twice its size (the
// old ones are kept until the scheduler goes).
struct Scheduler::WorkerTable {
    explicit WorkerTable(std::size_t n) : capacity(n), slots(new Worker*[n]()) {}
    const std::size_t capacity;
    std::unique_ptr<Worker*[]> slots;
};

namespace {
thread_local Scheduler* current_scheduler = nullptr;
thread_local void* current_worker = nullptr;  // Scheduler::Worker*

constexpr std::size_t kInjectionBatch = 32;

// How long a worker out of work keeps its CPU before it parks (idle_spin()).
constexpr auto kIdleSpin = std::chrono::microseconds(200);

class StdWorkerThread final : public WorkerThread {
  public:
    explicit StdWorkerThread(std::function<void()> body) : thread_(std::move(body)) {}
    ~StdWorkerThread() override {
        if (!thread_.joinable()) return;
        if (thread_.get_id() == std::this_thread::get_id())
            thread_.detach();  // the last worker frees the scheduler
        else
            thread_.join();
    }
    void join() override {
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::thread thread_;
};
}  // namespace

std::shared_ptr<Scheduler> Scheduler::create(SchedulerOptions options) {
    return std::shared_ptr<Scheduler>(new Scheduler(std::move(options)));
}

Scheduler::Scheduler(SchedulerOptions options)
    : max_workers_(std::max<std::size_t>(1, options.max_workers)),
      prefix_(std::move(options.thread_name_prefix)),
      initializer_(std::move(options.initializer)),
      thread_factory_(options.thread_factory
                          ? std::move(options.thread_factory)
                          : ThreadFactory([](std::string, std::function<void()> body) {
                                return std::make_unique<StdWorkerThread>(std::move(body));
                            })) {}

Scheduler::~Scheduler() {
    // Every worker has left worker_main() (each held a reference); join the
    // threads that are still finishing, except this one if it is a worker.
    shutdown(false, false);
    for (auto& worker : workers_) worker->thread.reset();
}

Scheduler::Worker* Scheduler::worker_at(std::size_t index) const noexcept {
    return table_.load(std::memory_order_acquire)->slots[index];
}

SubmitStatus Scheduler::submit(SchedulerTask* task) noexcept {
    if (broken_.load(std::memory_order_acquire)) return SubmitStatus::broken;
    // Enter (counted in flight) and learn in the same RMW whether shutdown
    // has begun: shutdown() sets kStopping and then waits for the submits in
    // flight, so a task is either refused here or queued before the workers
    // may exit.
    const std::uint64_t gate = gate_.fetch_add(kInFlight + kSubmitted, std::memory_order_seq_cst);
    if (gate & kStopping) {
        // Refused. A worker that looked at the gate while this submit was
        // in flight did not exit but parked, and shutdown()'s notify_all()
        // may be over: the last refused submit out wakes the workers again.
        // (seq_cst, as the worker's gate load after prepare_wait().)
        const std::uint64_t left =
            gate_.fetch_sub(kInFlight + kSubmitted, std::memory_order_seq_cst) -
            (kInFlight + kSubmitted);
        if ((left & (kStopping - 1)) == 0) work_.notify_all();
        return SubmitStatus::shut_down;
    }
    if (current_scheduler == this) {
        static_cast<Worker*>(current_worker)->deque.push(task);  // a seq_cst store
    } else {
        injection_.push(task);
    }
    // Python starts a thread per submit unless an idle one takes it (its idle
    // semaphore: one idle worker, one submit), up to max_workers. Once all
    // are started this costs one load.
    if (started_.load(std::memory_order_acquire) < max_workers_) {
        std::size_t tokens = idle_tokens_.load(std::memory_order_acquire);
        while (tokens > 0 &&
               !idle_tokens_.compare_exchange_weak(tokens, tokens - 1, std::memory_order_acq_rel)) {
        }
        if (tokens == 0) {
            try {
                start_worker();
            } catch (...) {
                // The OS refused a thread: the task waits for a worker that
                // runs (a later submit tries to start one again).
            }
        }
    }
    // The pool broke while this task was being queued: break_pool()'s drain
    // may have missed it. (broken_ and the queues are seq_cst on both sides:
    // either the drain sees the task or this load sees broken_.)
    if (broken_.load(std::memory_order_seq_cst)) abandon_all(AbandonReason::broken);
    work_.notify_one();
    gate_.fetch_sub(kInFlight, std::memory_order_release);
    return SubmitStatus::accepted;
}

void Scheduler::start_worker() {
    std::lock_guard lock(start_mutex_);
    const std::size_t index = started_.load(std::memory_order_relaxed);
    // Not refused after shutdown began: only submit() starts workers, and a
    // submit that got past its shutdown check may have queued the only task
    // that the worker must run (shutdown() joins only after such submits).
    if (index >= max_workers_) return;
    WorkerTable* table = table_.load(std::memory_order_relaxed);
    if (table == nullptr || index == table->capacity) {
        auto bigger = std::make_unique<WorkerTable>(
            std::min(max_workers_, std::max<std::size_t>(4, index * 2)));
        for (std::size_t i = 0; i < index; ++i) bigger->slots[i] = table->slots[i];
        table = bigger.get();
        tables_.push_back(std::move(bigger));
        table_.store(table, std::memory_order_release);
    }
    auto worker = std::make_unique<Worker>();
    worker->index = index;
    worker->rng = 0x9E3779B97F4A7C15ull * (index + 1);
    Worker& w = *worker;
    table->slots[index] = worker.get();
    workers_.push_back(std::move(worker));
    // The thread keeps the scheduler alive (see the header).
    w.thread = thread_factory_(prefix_ + "_" + std::to_string(index),
                               [self = shared_from_this(), &w] { self->worker_main(w); });
    started_.store(index + 1, std::memory_order_release);
}

void Scheduler::prestart(std::size_t tasks) noexcept {
    const std::size_t target = std::min(max_workers_, tasks);
    if (gate_.load(std::memory_order_acquire) & kStopping) return;
    if (idle_tokens_.load(std::memory_order_acquire) >= target) return;  // enough idle workers
    try {
        while (started_.load(std::memory_order_acquire) < target) start_worker();
    } catch (...) {
        // Could not start a thread now: submit() will try again.
    }
}

std::size_t Scheduler::queued() const noexcept {
    const auto submitted = static_cast<std::uint32_t>(gate_.load(std::memory_order_relaxed) >> 32);
    std::uint32_t executed = 0;
    const std::size_t count = started_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < count; ++i)
        executed +=
            static_cast<std::uint32_t>(worker_at(i)->executed.load(std::memory_order_relaxed));
    const auto pending = static_cast<std::int32_t>(submitted - executed);
    return pending > 0 ? static_cast<std::size_t>(pending) : 0;
}

Scheduler* Scheduler::current() noexcept {
    return current_scheduler;
}

SchedulerTask* Scheduler::take_from_injection(Worker& self) {
    if (!injection_.try_lock()) return nullptr;
    SchedulerTask* first = static_cast<SchedulerTask*>(injection_.pop());
    // Take a batch: the rest go to our deque (published at once), where idle
    // workers steal them.
    SchedulerTask* batch[kInjectionBatch - 1];
    std::size_t moved = 0;
    if (first != nullptr) {
        for (; moved < kInjectionBatch - 1; ++moved) {
            InjectionNode* node = injection_.pop();
            if (node == nullptr) break;
            batch[moved] = static_cast<SchedulerTask*>(node);
        }
    }
    injection_.unlock();
    self.deque.push_batch(batch, moved);
    // The batch is new stealable work: a parked worker may have looked at our
    // deque before it was filled, so wake one (the push was seq_cst).
    if (moved > 0) work_.notify_one();
    return first;
}

SchedulerTask* Scheduler::steal(Worker& self) {
    const std::size_t count = started_.load(std::memory_order_acquire);
    if (count <= 1) return nullptr;
    self.rng ^= self.rng << 13;
    self.rng ^= self.rng >> 7;
    self.rng ^= self.rng << 17;
    const std::size_t start = static_cast<std::size_t>(self.rng % count);
    for (std::size_t k = 0; k < count; ++k) {
        Worker* victim = worker_at((start + k) % count);
        if (victim == &self) continue;
        if (SchedulerTask* task = victim->deque.steal()) return task;
    }
    return nullptr;
}

SchedulerTask* Scheduler::find_task(Worker& self) {
    if (SchedulerTask* task = self.deque.pop()) return task;
    if (SchedulerTask* task = take_from_injection(self)) return task;
    return steal(self);
}

bool Scheduler::work_visible() const noexcept {
    if (injection_.maybe_nonempty()) return true;
    const std::size_t count = started_.load(std::memory_order_seq_cst);
    for (std::size_t i = 0; i < count; ++i)
        if (!worker_at(i)->deque.empty()) return true;
    return false;
}

void Scheduler::worker_main(Worker& self) {
    current_scheduler = this;
    current_worker = &self;
    struct Leave {
        ~Leave() {
            current_scheduler = nullptr;
            current_worker = nullptr;
        }
    } leave;
    if (initializer_ && !initializer_()) {
        break_pool();
        return;
    }
    for (;;) {
        SchedulerTask* task = nullptr;
        SpinWait spin;
        while ((task = find_task(self)) == nullptr && spin.spin()) {
        }
        if (task == nullptr) task = idle_spin(self);
        if (task != nullptr) {
            self.executed.store(self.executed.load(std::memory_order_relaxed) + 1,
                                std::memory_order_relaxed);
            if (broken_.load(std::memory_order_acquire))
                task->abandon(AbandonReason::broken);
            else
                task->run();
            continue;
        }
        const std::uint32_t key = work_.prepare_wait();
        // Exit once shutdown has begun and no submit is in flight. Both are
        // read before looking for work: a submit that was in flight queued
        // its task before leaving (release), so the check below sees it.
        const std::uint64_t gate = gate_.load(std::memory_order_seq_cst);
        const bool may_exit = (gate & kStopping) && (gate & (kStopping - 1)) == 0;
        if (work_visible()) {
            work_.cancel_wait();
            continue;
        }
        if (may_exit) {
            work_.cancel_wait();
            return;
        }
        idle_tokens_.fetch_add(1, std::memory_order_acq_rel);
        work_.wait(key, nullptr);
        take_idle_token_back();
    }
}

// Keeps the worker's CPU busy for up to kIdleSpin, yielding it to any other
// runnable thread, as OpenMP's and oneTBB's workers spin between parallel
// regions: on a VM the host deschedules a virtual CPU whose threads all
// sleep, and waking it for the next burst of tasks took up to milliseconds
// (bench/README.md, W1). Counted idle meanwhile, so that a submit need not
// start a thread for its task. Ends at once when shutdown begins.
SchedulerTask* Scheduler::idle_spin(Worker& self) {
    idle_tokens_.fetch_add(1, std::memory_order_acq_rel);
    SchedulerTask* task = nullptr;
    const auto until = std::chrono::steady_clock::now() + kIdleSpin;
    while ((gate_.load(std::memory_order_relaxed) & kStopping) == 0) {
        if (work_visible() && (task = find_task(self)) != nullptr) break;
        if (std::chrono::steady_clock::now() >= until) break;
        ::sched_yield();
    }
    take_idle_token_back();
    return task;
}

// A worker that is busy again takes its idle token back, unless a submit
// used it to not start a thread.
void Scheduler::take_idle_token_back() noexcept {
    std::size_t tokens = idle_tokens_.load(std::memory_order_acquire);
    while (tokens > 0 &&
           !idle_tokens_.compare_exchange_weak(tokens, tokens - 1, std::memory_order_acq_rel)) {
    }
}

void Scheduler::abandon_all(AbandonReason reason) noexcept {
    // Everything queued: the injection queue (its lock may be held by a
    // worker for a moment) and every deque (stealing works from any thread).
    SpinWait spin;
    for (;;) {
        bool found = false;
        if (injection_.try_lock()) {
            while (InjectionNode* node = injection_.pop()) {
                found = true;
                static_cast<SchedulerTask*>(node)->abandon(reason);
            }
            injection_.unlock();
        }
        const std::size_t count = started_.load(std::memory_order_acquire);
        for (std::size_t i = 0; i < count; ++i)
            while (SchedulerTask* task = worker_at(i)->deque.steal()) {
                found = true;
                task->abandon(reason);
            }
        if (!found && !work_visible()) return;
        if (!found && !spin.spin()) spin.reset();  // an item is mid-push: wait for it
    }
}

void Scheduler::break_pool() noexcept {
    broken_.store(true, std::memory_order_seq_cst);  // see the end of submit()
    abandon_all(AbandonReason::broken);
    work_.notify_all();
}

bool Scheduler::shutdown(bool wait, bool cancel_pending) {
    gate_.fetch_or(kStopping, std::memory_order_seq_cst);
    // A submit in flight finishes in a few instructions. seq_cst: a worker
    // that saw a submit in flight and parked is then sure to be woken by the
    // notify_all() below.
    for (SpinWait spin; gate_.load(std::memory_order_seq_cst) & (kStopping - 1);)
        if (!spin.spin()) spin.reset();
    if (cancel_pending) abandon_all(AbandonReason::cancelled);
    work_.notify_all();
    if (!wait) return true;
    if (current_scheduler == this) return false;
    std::lock_guard lock(start_mutex_);
    for (auto& worker : workers_)
        if (worker->thread) worker->thread->join();
    return true;
}

}  // namespace concur::detail
