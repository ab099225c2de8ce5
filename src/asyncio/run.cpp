// asyncio.run, run_until_complete's loop, current_task and all_tasks.
#include <concur/asyncio/gather.hpp>
#include <concur/asyncio/run.hpp>
#include <concur/asyncio/task.hpp>

namespace concur::asyncio {

namespace detail {

void run_until_done(EventLoop& loop, AnyTask task) {
    if (task.done()) return;
    // Python's _run_until_complete_cb: the task's completion stops the loop.
    auto active = std::make_shared<bool>(true);
    task.base()->add_done_callback([&loop, active] {
        if (*active) loop.stop();
    });
    struct Deactivate {
        std::shared_ptr<bool>& active;
        ~Deactivate() { *active = false; }
    } deactivate{active};
    loop.run_forever();
    if (!task.done()) throw RuntimeError("Event loop stopped before Future completed.");
}

std::shared_ptr<EventLoop> begin_run() {
    if (running_loop() != nullptr)
        throw RuntimeError("asyncio.run() cannot be called from a running event loop");
    std::shared_ptr<EventLoop> loop = new_event_loop();
    set_event_loop(loop);
    return loop;
}

namespace {
Coroutine<void> settle(std::vector<AnyTask> tasks) {
    std::vector<FutureRef<FutureBase>> bases;
    for (const AnyTask& task : tasks) bases.push_back(task.base());
    co_await WaitSet(std::move(bases), WaitSet::Mode::all_completed);
}
}  // namespace

void end_run(const std::shared_ptr<EventLoop>& loop) noexcept {
    try {
        // Python's _cancel_all_tasks: cancel what is left, let it finish,
        // report exceptions nobody will see.
        std::vector<AnyTask> tasks = all_tasks(*loop);
        if (!tasks.empty()) {
            for (AnyTask& task : tasks) task.cancel();
            loop->run_until_complete(settle(tasks));
            for (AnyTask& task : tasks) {
                if (task.cancelled()) continue;
                if (std::exception_ptr error = task.exception())
                    loop->call_exception_handler(
                        {"unhandled exception during asyncio.run() shutdown",
                         error,
                         {{"task", task.repr()}}});
            }
        }
    } catch (...) {
    }
    set_event_loop(nullptr);
    try {
        loop->close();
    } catch (...) {
    }
}

}  // namespace detail

std::optional<AnyTask> current_task() {
    EventLoop* loop = detail::running_loop();
    if (loop == nullptr) return std::nullopt;
    detail::TaskBase* task = detail::LoopAccess::current_task(*loop);
    if (task == nullptr) return std::nullopt;
    return AnyTask(task->shared_from_this_task());
}

std::vector<AnyTask> all_tasks(EventLoop& loop) {
    std::vector<AnyTask> tasks;
    for (detail::TaskBase* task : detail::LoopAccess::live_tasks(loop))
        if (!task->done()) tasks.emplace_back(task->shared_from_this_task());
    return tasks;
}

std::vector<AnyTask> all_tasks() {
    return all_tasks(detail::require_running_loop());
}

}  // namespace concur::asyncio
