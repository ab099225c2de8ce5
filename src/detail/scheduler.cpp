#include <concur/detail/futex.hpp>
#include <concur/detail/scheduler.hpp>
#include <concur/exceptions.hpp>
#include <concur/futures/future.hpp>
#include <concur/threading/excepthook.hpp>
#include <concur/threading/thread.hpp>

#include <sched.h>

#include <algorithm>
#include <optional>

namespace concur::detail {

struct Scheduler::Worker {
    Scheduler* owner = nullptr;
    std::size_t index = 0;
    WorkStealingDeque<SchedulerTask*> deque;
    std::optional<threading::Thread> thread;
    std::uint64_t rng = 0;  // victim selection
};

namespace {
thread_local Scheduler* current_scheduler = nullptr;
thread_local void* current_worker = nullptr;  // Scheduler::Worker*

constexpr int kSpinRounds = 64;
constexpr std::size_t kInjectionBatch = 32;
}  // namespace

Scheduler::Scheduler(SchedulerOptions options)
    : max_workers_(std::max<std::size_t>(1, options.max_workers)),
      prefix_(std::move(options.thread_name_prefix)),
      initializer_(std::move(options.initializer)),
      workers_(new Worker[max_workers_]) {
    for (std::size_t i = 0; i < max_workers_; ++i) {
        workers_[i].owner = this;
        workers_[i].index = i;
        workers_[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
    }
}

Scheduler::~Scheduler() { shutdown(true, false); }

void Scheduler::submit(SchedulerTask* task) {
    if (broken_.load(std::memory_order_acquire))
        throw BrokenThreadPool(
            "A thread initializer failed, the thread pool is not usable anymore");
    // Announce the submit before checking for shutdown (both seq_cst):
    // shutdown() sets stopping_ and then waits for announced submits, so a
    // task is either refused here or queued before the workers may exit.
    submitters_.fetch_add(1, std::memory_order_seq_cst);
    if (stopping_.load(std::memory_order_seq_cst)) {
        submitters_.fetch_sub(1, std::memory_order_release);
        throw RuntimeError("cannot schedule new futures after shutdown");
    }
    struct Leave {
        std::atomic<std::size_t>& submitters;
        ~Leave() { submitters.fetch_sub(1, std::memory_order_release); }
    } leave{submitters_};
    const std::size_t waiting = queued_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (current_scheduler == this) {
        static_cast<Worker*>(current_worker)->deque.push(task);  // a seq_cst store
    } else {
        injection_.push(task);
    }
    // Python starts a thread per submit unless an idle one takes it (its idle
    // semaphore: one idle worker, one submit), up to max_workers. Here: when
    // the queued tasks outnumber the idle (parked) workers.
    if (started_.load(std::memory_order_acquire) < max_workers_ &&
        waiting > idle_.load(std::memory_order_acquire))
        start_worker();
    // The pool broke while this task was being queued: break_pool()'s drain
    // may have missed it. (broken_ and the queues are seq_cst on both sides:
    // either the drain sees the task or this load sees broken_.)
    if (broken_.load(std::memory_order_seq_cst))
        abandon_all(std::make_exception_ptr(BrokenThreadPool(
            "A thread initializer failed, the thread pool is not usable anymore")));
    work_.notify_one();
}

void Scheduler::start_worker() {
    std::lock_guard lock(start_mutex_);
    const std::size_t index = started_.load(std::memory_order_relaxed);
    // Not refused after shutdown began: only submit() starts workers, and a
    // submit that got past its shutdown check may have queued the only task
    // that the worker must run (shutdown() joins only after such submits).
    if (index >= max_workers_) return;
    Worker& worker = workers_[index];
    threading::ThreadOptions options;
    options.name = prefix_ + "_" + std::to_string(index);
    worker.thread.emplace(options, [this, &worker] { worker_main(worker); });
    worker.thread->start();
    started_.store(index + 1, std::memory_order_release);
}

std::size_t Scheduler::queued() const noexcept {
    return queued_.load(std::memory_order_relaxed);
}

bool Scheduler::on_worker_thread() noexcept { return current_scheduler != nullptr; }

Scheduler* Scheduler::current() noexcept { return current_scheduler; }

SchedulerTask* Scheduler::take_from_injection(Worker& self) {
    if (!injection_.try_lock()) return nullptr;
    SchedulerTask* first = static_cast<SchedulerTask*>(injection_.pop());
    std::size_t moved = 0;
    if (first != nullptr) {
        // Take a batch: the rest go to our deque, where idle workers steal them.
        for (; moved + 1 < kInjectionBatch; ++moved) {
            InjectionNode* node = injection_.pop();
            if (node == nullptr) break;
            self.deque.push(static_cast<SchedulerTask*>(node));
        }
    }
    injection_.unlock();
    // The batch is new stealable work: a parked worker may have looked at our
    // deque before it was filled, so wake one (the pushes were seq_cst).
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
        Worker& victim = workers_[(start + k) % count];
        if (&victim == &self) continue;
        if (SchedulerTask* task = victim.deque.steal()) return task;
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
        if (!workers_[i].deque.empty()) return true;
    return false;
}

void Scheduler::worker_main(Worker& self) {
    current_scheduler = this;
    current_worker = &self;
    if (initializer_) {
        try {
            initializer_();
        } catch (...) {
            break_pool(std::current_exception());
            return;
        }
    }
    for (;;) {
        SchedulerTask* task = nullptr;
        for (int round = 0; round < kSpinRounds && task == nullptr; ++round) {
            task = find_task(self);
            if (task == nullptr) {
                if (round < kSpinRounds / 2)
                    cpu_relax();
                else
                    ::sched_yield();
            }
        }
        if (task != nullptr) {
            queued_.fetch_sub(1, std::memory_order_relaxed);
            if (broken_.load(std::memory_order_acquire)) {
                task->abandon(std::make_exception_ptr(BrokenThreadPool(
                    "A thread initializer failed, the thread pool is not usable anymore")));
            } else {
                task->run();
            }
            continue;
        }
        const std::uint32_t key = work_.prepare_wait();
        // Exit once shutdown has begun and no submit is in flight. Both are
        // read before looking for work: a submit that was in flight queued
        // its task before leaving (release), so the check below sees it.
        const bool may_exit = stopping_.load(std::memory_order_seq_cst) &&
                              submitters_.load(std::memory_order_seq_cst) == 0;
        if (work_visible()) {
            work_.cancel_wait();
            continue;
        }
        if (may_exit) {
            work_.cancel_wait();
            return;
        }
        idle_.fetch_add(1, std::memory_order_acq_rel);
        work_.wait(key, nullptr);
        idle_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void Scheduler::abandon_all(std::exception_ptr error) noexcept {
    // Everything queued: the injection queue (its lock may be held by a
    // worker for a moment) and every deque (stealing works from any thread).
    for (;;) {
        bool found = false;
        if (injection_.try_lock()) {
            while (InjectionNode* node = injection_.pop()) {
                found = true;
                queued_.fetch_sub(1, std::memory_order_relaxed);
                static_cast<SchedulerTask*>(node)->abandon(error);
            }
            injection_.unlock();
        }
        const std::size_t count = started_.load(std::memory_order_acquire);
        for (std::size_t i = 0; i < count; ++i)
            while (SchedulerTask* task = workers_[i].deque.steal()) {
                found = true;
                queued_.fetch_sub(1, std::memory_order_relaxed);
                task->abandon(error);
            }
        if (!found && !work_visible()) return;
        if (!found) ::sched_yield();
    }
}

void Scheduler::break_pool(std::exception_ptr initializer_error) noexcept {
    // Python logs "Exception in initializer:" and breaks the pool.
    try {
        std::rethrow_exception(initializer_error);
    } catch (...) {
        report_current_exception(threading::current_thread());
    }
    broken_.store(true, std::memory_order_seq_cst);  // see the end of submit()
    abandon_all(std::make_exception_ptr(BrokenThreadPool(
        "A thread initializer failed, the thread pool is not usable anymore")));
    work_.notify_all();
}

void Scheduler::shutdown(bool wait, bool cancel_pending) {
    stopping_.store(true, std::memory_order_seq_cst);
    // seq_cst: a worker that saw a submit in flight and parked is then sure
    // to be woken by the notify_all() below.
    while (submitters_.load(std::memory_order_seq_cst) != 0) ::sched_yield();
    if (cancel_pending) abandon_all(nullptr);
    work_.notify_all();
    if (!wait) return;
    if (current_scheduler == this)
        throw RuntimeError("cannot shut down and wait from one of the pool's own threads");
    std::lock_guard lock(start_mutex_);
    const std::size_t count = started_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < count; ++i)
        if (workers_[i].thread && workers_[i].thread->is_alive()) workers_[i].thread->join();
}

bool wait_for_future(FutureStateBase* state, const Deadline* deadline) {
    // A worker waiting, without a timeout, for a task of its own scheduler
    // that has not started runs it here, so that tasks waiting on tasks they
    // submitted cannot take every worker. Nothing else is run meanwhile: a
    // task started on top of this one might wait for it, and this one can
    // only resume once that task returns (a deadlock Python does not have).
    if (deadline == nullptr && current_scheduler != nullptr) {
        if (auto* task = dynamic_cast<SchedulerTask*>(state)) task->run_inline();
    }
    return state->wait_until(deadline);
}

}  // namespace concur::detail
