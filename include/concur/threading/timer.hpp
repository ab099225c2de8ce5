// concur/threading/timer.hpp
// -----------------------------------------------------------------------------
// `concur::threading::Timer` mirrors Python's `threading.Timer`: a Thread
// that calls `function(args...)` once `interval` has passed, unless cancel()
// is called first. Like any Thread it must be start()ed, can be joined, and
// its object's destruction joins it (so a pending timer still fires; cancel()
// it first to drop it). An exception from the function goes to excepthook.
//
// cancel() never blocks and is thread-safe; calling it after the function has
// started has no effect.
//
// Example:
//
//   threading::Timer t1(std::chrono::seconds(3), hello, "t1");
//   threading::Timer t2(std::chrono::seconds(2), hello, "t2");
//   t1.start(); t2.start();                  // t2 fires first
//   t2.cancel();                             // ... unless cancelled
#pragma once

#include <chrono>
#include <memory>
#include <utility>

#include <concur/threading/event.hpp>
#include <concur/threading/thread.hpp>

namespace concur::threading {

class Timer : public Thread {
public:
    template <class Rep, class Period, class F, class... Args>
    Timer(std::chrono::duration<Rep, Period> interval, F&& function, Args&&... args)
        : Timer(std::make_shared<Event>(),
                std::chrono::duration_cast<std::chrono::nanoseconds>(interval),
                concur::detail::bind_task(std::forward<F>(function), std::forward<Args>(args)...)) {}

    // Stops the timer if it has not fired yet.
    void cancel() noexcept { finished_->set(); }

private:
    Timer(std::shared_ptr<Event> finished, std::chrono::nanoseconds interval,
          concur::detail::Task function);

    std::shared_ptr<Event> finished_;
};

}  // namespace concur::threading
