// asyncio's event loop on libuv: ready queue, timer heap, cross-thread
// wake-ups, signals, the exception handler and the per-thread loops.
#include <concur/asyncio/event_loop.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/futures/thread_pool_executor.hpp>
#include <concur/threading/excepthook.hpp>

#include <uv.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace concur::asyncio {

namespace {

thread_local EventLoop* tl_running_loop = nullptr;
thread_local std::shared_ptr<EventLoop> tl_thread_loop;

double ns_to_seconds(std::int64_t ns) noexcept {
    return static_cast<double>(ns) / 1e9;
}

bool earlier(const detail::TimerNode* a, const detail::TimerNode* b) noexcept {
    return a->when != b->when ? a->when < b->when : a->seq < b->seq;
}

// "TypeName: message" of an exception.
std::string describe(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return concur::detail::current_exception_type_name() + ": " + e.what();
    } catch (...) {
        return concur::detail::current_exception_type_name();
    }
}

}  // namespace

// A call_soon / call_later callback. `self` keeps it alive while the loop
// refers to it (queued or in the heap).
struct Handle::State final : detail::Schedulable {
    EventLoop* loop = nullptr;
    std::function<void()> callback;
    detail::TimerNode node;
    std::shared_ptr<State> self;
    std::int64_t when = 0;
    bool cancelled = false;
    bool timer = false;

    void run_scheduled() override {
        std::shared_ptr<State> keep = std::move(self);
        if (cancelled) return;
        try {
            callback();
        } catch (...) {
            loop->call_exception_handler(
                {"Exception in callback", std::current_exception(), {{"handle", repr()}}});
        }
        callback = nullptr;  // free captures now, as Python drops the handle
    }
    void discard() noexcept override { self.reset(); }
    std::string repr() const {
        if (timer) return "<TimerHandle when=" + std::to_string(ns_to_seconds(when)) + ">";
        return "<Handle>";
    }
};

void Handle::cancel() noexcept {
    if (!state_ || state_->cancelled) return;
    state_->cancelled = true;
    state_->callback = nullptr;
    if (state_->node.queued()) {
        detail::LoopAccess::remove_timer(*state_->loop, state_->node);
        state_->self.reset();
    }
}

bool Handle::cancelled() const noexcept {
    return state_ && state_->cancelled;
}

double Handle::when() const noexcept {
    return state_ ? ns_to_seconds(state_->when) : 0.0;
}

struct EventLoop::Impl {
    uv_loop_t uv{};
    uv_timer_t wake_timer{};
    uv_async_t async{};
    std::deque<detail::Schedulable*> ready;
    std::vector<detail::TimerNode*> heap;
    detail::TimerNode* lane_head = nullptr;  // the sorted lane (TimerNode)
    detail::TimerNode* lane_tail = nullptr;
    std::uint64_t timer_seq = 0;
    detail::TaskBase* current_task = nullptr;
    detail::TaskBase* live_tasks = nullptr;
    bool running = false;
    bool stopping = false;
    bool closing = false;
    std::atomic<bool> closed{false};
    std::thread::id thread;
    ExceptionHandler exception_handler;

    std::mutex threadsafe_mutex;
    std::vector<std::function<void()>> threadsafe_callbacks;

    struct Signal {
        uv_signal_t handle{};
        std::function<void()> callback;
        EventLoop* loop = nullptr;
    };
    std::map<int, std::unique_ptr<Signal>> signals;

    std::unique_ptr<futures::ThreadPoolExecutor> executor;
    std::unordered_set<detail::Closable*> closables;

    // --- the timer heap (binary, with each node's index kept in the node) ---
    void swap_nodes(std::size_t a, std::size_t b) noexcept {
        std::swap(heap[a], heap[b]);
        heap[a]->heap_index = a;
        heap[b]->heap_index = b;
    }
    void sift_up(std::size_t i) noexcept {
        while (i > 0) {
            std::size_t parent = (i - 1) / 2;
            if (!earlier(heap[i], heap[parent])) break;
            swap_nodes(i, parent);
            i = parent;
        }
    }
    void sift_down(std::size_t i) noexcept {
        for (;;) {
            std::size_t best = i, left = 2 * i + 1, right = left + 1;
            if (left < heap.size() && earlier(heap[left], heap[best])) best = left;
            if (right < heap.size() && earlier(heap[right], heap[best])) best = right;
            if (best == i) return;
            swap_nodes(i, best);
            i = best;
        }
    }
    void push_timer(detail::TimerNode& node) {
        node.seq = timer_seq++;
        if (lane_tail == nullptr || node.when >= lane_tail->when) {
            node.heap_index = detail::TimerNode::in_lane;
            node.prev = lane_tail;
            node.next = nullptr;
            (lane_tail != nullptr ? lane_tail->next : lane_head) = &node;
            lane_tail = &node;
            return;
        }
        node.heap_index = heap.size();
        heap.push_back(&node);
        sift_up(node.heap_index);
    }
    void erase_timer(detail::TimerNode& node) noexcept {
        if (node.heap_index == detail::TimerNode::in_lane) {
            (node.prev != nullptr ? node.prev->next : lane_head) = node.next;
            (node.next != nullptr ? node.next->prev : lane_tail) = node.prev;
            node.prev = node.next = nullptr;
            node.heap_index = detail::TimerNode::not_queued;
            return;
        }
        const std::size_t i = node.heap_index;
        const std::size_t last = heap.size() - 1;
        if (i != last) swap_nodes(i, last);
        heap.pop_back();
        node.heap_index = detail::TimerNode::not_queued;
        if (i < heap.size()) {
            sift_up(i);
            sift_down(heap[i]->heap_index);
        }
    }
    // The earliest timer, or null.
    detail::TimerNode* first_timer() const noexcept {
        if (heap.empty()) return lane_head;
        if (lane_head == nullptr) return heap.front();
        return earlier(lane_head, heap.front()) ? lane_head : heap.front();
    }
    // Every queued timer, unqueued (close()).
    std::vector<detail::TimerNode*> take_all_timers() noexcept {
        std::vector<detail::TimerNode*> all;
        all.swap(heap);
        for (detail::TimerNode* node = lane_head; node != nullptr; node = node->next)
            all.push_back(node);
        lane_head = lane_tail = nullptr;
        for (detail::TimerNode* node : all) {
            node->heap_index = detail::TimerNode::not_queued;
            node->prev = node->next = nullptr;
        }
        return all;
    }
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {
    if (int rc = uv_loop_init(&impl_->uv); rc != 0)
        throw OSError(std::string("uv_loop_init: ") + uv_strerror(rc), -rc);
    impl_->uv.data = this;
    uv_timer_init(&impl_->uv, &impl_->wake_timer);
    uv_unref(reinterpret_cast<uv_handle_t*>(&impl_->wake_timer));
    uv_async_init(&impl_->uv, &impl_->async, [](uv_async_t* async) {
        auto* loop = static_cast<EventLoop*>(async->loop->data);
        std::vector<std::function<void()>> callbacks;
        {
            std::lock_guard lock(loop->impl_->threadsafe_mutex);
            callbacks.swap(loop->impl_->threadsafe_callbacks);
        }
        for (auto& callback : callbacks) loop->call_soon(std::move(callback));
    });
    impl_->async.data = this;
}

EventLoop::~EventLoop() {
    try {
        if (impl_->running) {
            std::fputs("concur.asyncio: an event loop was destroyed while running\n", stderr);
            std::abort();
        }
        close();
    } catch (...) {
    }
}

std::shared_ptr<EventLoop> new_event_loop() {
    return std::shared_ptr<EventLoop>(new EventLoop());
}

bool EventLoop::is_running() const noexcept {
    return impl_->running;
}
bool EventLoop::is_closed() const noexcept {
    return impl_->closed.load(std::memory_order_acquire);
}

void EventLoop::check_not_closed() const {
    if (is_closed() || impl_->closing) throw RuntimeError("Event loop is closed");
}

double EventLoop::time() const noexcept {
    return ns_to_seconds(detail::clock_now());
}

void EventLoop::stop() noexcept {
    impl_->stopping = true;
}

void EventLoop::run_forever() {
    check_not_closed();
    if (impl_->running) throw RuntimeError("This event loop is already running");
    if (tl_running_loop != nullptr)
        throw RuntimeError("Cannot run the event loop while another loop is running");
    impl_->running = true;
    impl_->thread = std::this_thread::get_id();
    tl_running_loop = this;
    struct Reset {
        EventLoop* loop;
        ~Reset() {
            loop->impl_->running = false;
            loop->impl_->stopping = false;
            tl_running_loop = nullptr;
        }
    } reset{this};
    for (;;) {
        run_once();
        if (impl_->stopping) break;
    }
}

void EventLoop::run_once() {
    Impl& impl = *impl_;
    // Wait for I/O: not at all when callbacks are ready or stop() was
    // called, until the earliest timer otherwise (forever without timers:
    // the async handle keeps libuv waiting for call_soon_threadsafe).
    if (!impl.ready.empty() || impl.stopping) {
        uv_run(&impl.uv, UV_RUN_NOWAIT);
    } else if (const detail::TimerNode* first = impl.first_timer(); first != nullptr) {
        const std::int64_t wait_ns = first->when - detail::clock_now();
        if (wait_ns <= 0) {
            uv_run(&impl.uv, UV_RUN_NOWAIT);
        } else {
            // Round up: waking before the timer is due would only spin.
            const auto wait_ms = static_cast<std::uint64_t>((wait_ns + 999'999) / 1'000'000);
            // Repeating: uv_run runs due timers before it polls, so a one-shot
            // timer that fell due meanwhile (a preempted thread) would fire
            // there and leave the poll without a timeout -- a hang. The loop's
            // cached time is refreshed first so the delay counts from now.
            uv_update_time(&impl.uv);
            uv_timer_start(
                &impl.wake_timer, [](uv_timer_t*) {}, wait_ms, wait_ms);
            uv_ref(reinterpret_cast<uv_handle_t*>(&impl.wake_timer));
            uv_run(&impl.uv, UV_RUN_ONCE);
            uv_timer_stop(&impl.wake_timer);
            uv_unref(reinterpret_cast<uv_handle_t*>(&impl.wake_timer));
        }
    } else {
        uv_run(&impl.uv, UV_RUN_ONCE);
    }
    // Timers that are due join the ready queue, earliest first.
    const std::int64_t now = detail::clock_now();
    for (detail::TimerNode* node = impl.first_timer(); node != nullptr && node->when <= now;
         node = impl.first_timer()) {
        impl.erase_timer(*node);
        impl.ready.push_back(node->target);
    }
    // Run what was ready when this iteration began; what those callbacks
    // schedule waits for the next iteration.
    for (std::size_t n = impl.ready.size(); n > 0 && !impl.ready.empty(); --n) {
        detail::Schedulable* item = impl.ready.front();
        impl.ready.pop_front();
        item->run_scheduled();
    }
}

void EventLoop::close() {
    if (impl_->running) throw RuntimeError("Cannot close a running event loop");
    if (is_closed() || impl_->closing) return;
    Impl& impl = *impl_;
    impl.closing = true;
    // Drop pending callbacks and timers first, so that no queue refers to a
    // task destroyed below; then destroy the pending tasks.
    std::deque<detail::Schedulable*> ready;
    ready.swap(impl.ready);
    for (detail::Schedulable* item : ready) item->discard();
    for (detail::TimerNode* node : impl.take_all_timers()) node->target->discard();
    while (impl.live_tasks != nullptr) impl.live_tasks->destroy_pending();
    if (impl.executor) {
        impl.executor->shutdown(true);
        impl.executor.reset();
    }
    // Streams, servers and processes still open: their close callbacks run
    // in the uv_run below and free them.
    std::vector<detail::Closable*> closables(impl.closables.begin(), impl.closables.end());
    for (detail::Closable* handle : closables) handle->force_close();
    for (auto& [signum, signal] : impl.signals) {
        uv_signal_stop(&signal->handle);
        uv_close(reinterpret_cast<uv_handle_t*>(&signal->handle), nullptr);
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&impl.wake_timer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&impl.async), nullptr);
    uv_run(&impl.uv, UV_RUN_DEFAULT);  // lets the close callbacks run
    impl.signals.clear();
    uv_loop_close(&impl.uv);
    {
        std::lock_guard lock(impl.threadsafe_mutex);
        impl.threadsafe_callbacks.clear();
        impl.closed.store(true, std::memory_order_release);
    }
    impl.closing = false;
}

Handle EventLoop::call_soon(std::function<void()> callback) {
    check_not_closed();
    auto state = std::make_shared<Handle::State>();
    state->loop = this;
    state->callback = std::move(callback);
    state->when = detail::clock_now();
    state->self = state;
    impl_->ready.push_back(state.get());
    return Handle(std::move(state));
}

Handle EventLoop::call_at_ns(std::int64_t when, std::function<void()> callback) {
    check_not_closed();
    auto state = std::make_shared<Handle::State>();
    state->loop = this;
    state->callback = std::move(callback);
    state->when = when;
    state->timer = true;
    state->node.target = state.get();
    state->node.when = when;
    state->self = state;
    impl_->push_timer(state->node);
    return Handle(std::move(state));
}

Handle EventLoop::call_later(double delay, std::function<void()> callback) {
    return call_at_ns(detail::clock_now() + detail::delay_to_ns(delay), std::move(callback));
}

Handle EventLoop::call_at(double when, std::function<void()> callback) {
    if (std::isnan(when)) throw ValueError("call_at: when is NaN");
    const double clamped = std::fmax(std::fmin(when, 9.0e9), -9.0e9);
    return call_at_ns(static_cast<std::int64_t>(clamped * 1e9), std::move(callback));
}

void EventLoop::call_soon_threadsafe(std::function<void()> callback) {
    {
        std::lock_guard lock(impl_->threadsafe_mutex);
        if (impl_->closed.load(std::memory_order_relaxed))
            throw RuntimeError("Event loop is closed");
        impl_->threadsafe_callbacks.push_back(std::move(callback));
        uv_async_send(&impl_->async);  // under the lock: close() cannot free it meanwhile
    }
}

void EventLoop::add_signal_handler(int signum, std::function<void()> handler) {
    check_not_closed();
    if (signum < 1 || signum >= NSIG)
        throw ValueError("sig " + std::to_string(signum) + " out of range(1, " +
                         std::to_string(NSIG) + ")");
    if (signum == SIGKILL || signum == SIGSTOP)
        throw RuntimeError("sig " + std::to_string(signum) + " cannot be caught");
    auto& slot = impl_->signals[signum];
    if (!slot) {
        slot = std::make_unique<Impl::Signal>();
        slot->loop = this;
        uv_signal_init(&impl_->uv, &slot->handle);
        slot->handle.data = slot.get();
        uv_unref(reinterpret_cast<uv_handle_t*>(&slot->handle));
    }
    slot->callback = std::move(handler);
    const int rc = uv_signal_start(
        &slot->handle,
        [](uv_signal_t* handle, int) {
            auto* signal = static_cast<Impl::Signal*>(handle->data);
            if (signal->callback) signal->loop->call_soon(signal->callback);
        },
        signum);
    if (rc != 0) throw OSError(std::string("uv_signal_start: ") + uv_strerror(rc), -rc);
}

bool EventLoop::remove_signal_handler(int signum) {
    auto it = impl_->signals.find(signum);
    if (it == impl_->signals.end() || !it->second->callback) return false;
    uv_signal_stop(&it->second->handle);
    it->second->callback = nullptr;
    return true;
}

void EventLoop::set_exception_handler(ExceptionHandler handler) {
    impl_->exception_handler = std::move(handler);
}
ExceptionHandler EventLoop::get_exception_handler() const {
    return impl_->exception_handler;
}

void EventLoop::default_exception_handler(const ExceptionContext& context) {
    std::string text =
        context.message.empty() ? "Unhandled exception in event loop" : context.message;
    text += '\n';
    for (const auto& [key, value] : context.details) text += key + ": " + value + '\n';
    if (context.exception) text += describe(context.exception) + '\n';
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
}

void EventLoop::call_exception_handler(const ExceptionContext& context) {
    if (!impl_->exception_handler) {
        default_exception_handler(context);
        return;
    }
    try {
        impl_->exception_handler(*this, context);
    } catch (...) {
        // Python logs a failing handler with the default one.
        default_exception_handler({"Unhandled error in exception handler",
                                   std::current_exception(),
                                   {{"context", context.message}}});
    }
}

futures::ThreadPoolExecutor& EventLoop::default_executor() {
    check_not_closed();
    if (!impl_->executor) impl_->executor = std::make_unique<futures::ThreadPoolExecutor>();
    return *impl_->executor;
}

// --- LoopAccess ---

namespace detail {

void LoopAccess::schedule(EventLoop& loop, Schedulable& target) {
    loop.impl_->ready.push_back(&target);
}

void LoopAccess::add_timer(EventLoop& loop, TimerNode& node, std::int64_t when) {
    node.when = when;
    loop.impl_->push_timer(node);
}

void LoopAccess::remove_timer(EventLoop& loop, TimerNode& node) noexcept {
    if (node.queued()) loop.impl_->erase_timer(node);
}

TaskBase* LoopAccess::current_task(EventLoop& loop) noexcept {
    return loop.impl_->current_task;
}
void LoopAccess::set_current_task(EventLoop& loop, TaskBase* task) noexcept {
    loop.impl_->current_task = task;
}

void LoopAccess::register_task(EventLoop& loop, TaskBase& task) {
    TaskBase*& head = loop.impl_->live_tasks;
    task.prev_live = nullptr;
    task.next_live = head;
    if (head != nullptr) head->prev_live = &task;
    head = &task;
}

void LoopAccess::unregister_task(EventLoop& loop, TaskBase& task) noexcept {
    if (task.prev_live != nullptr) {
        task.prev_live->next_live = task.next_live;
    } else if (loop.impl_->live_tasks == &task) {
        loop.impl_->live_tasks = task.next_live;
    }
    if (task.next_live != nullptr) task.next_live->prev_live = task.prev_live;
    task.prev_live = task.next_live = nullptr;
}

bool LoopAccess::closing(EventLoop& loop) noexcept {
    return loop.impl_->closing || loop.is_closed();
}

std::vector<TaskBase*> LoopAccess::live_tasks(EventLoop& loop) {
    std::vector<TaskBase*> tasks;
    for (TaskBase* t = loop.impl_->live_tasks; t != nullptr; t = t->next_live) tasks.push_back(t);
    return tasks;
}

void* LoopAccess::uv_loop(EventLoop& loop) noexcept {
    return &loop.impl_->uv;
}

void LoopAccess::add_closable(EventLoop& loop, Closable& handle) {
    loop.impl_->closables.insert(&handle);
}

void LoopAccess::remove_closable(EventLoop& loop, Closable& handle) noexcept {
    loop.impl_->closables.erase(&handle);
}

EventLoop* running_loop() noexcept {
    return tl_running_loop;
}

EventLoop& require_running_loop() {
    if (tl_running_loop == nullptr) throw RuntimeError("no running event loop");
    return *tl_running_loop;
}

TaskBase& require_current_task(const char* what) {
    EventLoop* loop = tl_running_loop;
    TaskBase* task = loop != nullptr ? LoopAccess::current_task(*loop) : nullptr;
    if (task == nullptr)
        throw RuntimeError(std::string("cannot ") + what + " outside of a running task");
    return *task;
}

std::int64_t delay_to_ns(double seconds) noexcept {
    if (!(seconds > 0)) return 0;  // also NaN
    if (seconds > 9.0e9) return std::numeric_limits<std::int64_t>::max() / 2;
    return static_cast<std::int64_t>(seconds * 1e9);
}

}  // namespace detail

// --- the per-thread loops ---

std::shared_ptr<EventLoop> get_running_loop() {
    return detail::require_running_loop().shared_from_this();
}

std::shared_ptr<EventLoop> get_event_loop() {
    if (tl_running_loop != nullptr) return tl_running_loop->shared_from_this();
    if (!tl_thread_loop) tl_thread_loop = new_event_loop();
    return tl_thread_loop;
}

void set_event_loop(std::shared_ptr<EventLoop> loop) {
    tl_thread_loop = std::move(loop);
}

}  // namespace concur::asyncio
