// src/threading/timer.cpp -- Timer: a Thread that waits out its interval unless cancelled.
#include <concur/threading/detail/thread_state.hpp>
#include <concur/threading/timer.hpp>

namespace concur::threading {

Timer::Timer(std::shared_ptr<Event> finished, std::chrono::nanoseconds interval,
             concur::detail::Task function)
    : Thread(TargetIsRun{}, ThreadOptions{},
             concur::detail::Task([finished, interval, function = std::move(function)]() mutable {
                 // Python: self.finished.wait(self.interval); if not set: call.
                 finished->wait(interval);
                 if (!finished->is_set()) function();
                 finished->set();
             })),
      finished_(std::move(finished)) {
    std::lock_guard lock(state_->mutex);
    state_->class_name = "Timer";
}

}  // namespace concur::threading
