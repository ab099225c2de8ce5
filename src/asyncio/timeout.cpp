// asyncio.timeout: a deadline that cancels the current task.
#include <concur/asyncio/timeout.hpp>

namespace concur::asyncio {

void Timeout::enter() {
    if (entered_) throw RuntimeError("Timeout has already been entered");
    task_ = current_task();
    if (!task_) throw RuntimeError("Timeout should be used inside a task");
    entered_ = true;
    cancelling_ = task_->cancelling();
    arm();
}

void Timeout::arm() {
    cancel_timer();
    if (!when_) return;
    EventLoop& loop = task_->get_loop();
    auto fire = [this] {
        expired_ = true;
        task_->cancel();
    };
    if (*when_ <= loop.time()) {
        timer_ = loop.call_soon(fire);
    } else {
        timer_ = loop.call_at(*when_, fire);
    }
}

void Timeout::cancel_timer() noexcept {
    timer_.cancel();
}

void Timeout::reschedule(std::optional<double> when) {
    if (expired_) throw RuntimeError("Cannot change state of expiring Timeout");
    when_ = when;
    if (entered_) arm();
}

void Timeout::exit(std::exception_ptr error) {
    cancel_timer();
    if (!error) return;
    if (expired_) {
        bool cancelled = false;
        try {
            std::rethrow_exception(error);
        } catch (const CancelledError&) {
            cancelled = true;
        } catch (...) {
        }
        if (cancelled && task_->uncancel() <= cancelling_) throw TimeoutError("timeout expired");
    }
    std::rethrow_exception(error);
}

}  // namespace concur::asyncio
