// concur/asyncio/detail/wait_set.hpp -- private: parks a task until a set of
// futures reaches a condition (gather, wait, wait_for), or a timeout passes.
#pragma once

#include <concur/asyncio/detail/future_base.hpp>
#include <concur/asyncio/detail/loop_core.hpp>
#include <concur/asyncio/detail/task_base.hpp>

#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace concur::asyncio::detail {

class WaitSet final : public Waiter {
  public:
    enum class Mode {
        gather,           // all done, or the first failure (exception or cancelled)
        first_completed,  // any done
        first_exception,  // any raised (cancelled does not count), or all done
        all_completed,    // all done
    };
    // What cancelling the waiting task does: `cancel_children` cancels the
    // children and waits for them (gather, wait_for); otherwise the wait ends
    // at once and the children run on (wait).
    WaitSet(std::vector<FutureRef<FutureBase>> children, Mode mode, std::int64_t timeout_ns = -1,
            bool cancel_children = false);
    WaitSet(WaitSet&& other) noexcept;
    WaitSet& operator=(WaitSet&&) = delete;
    ~WaitSet();

    bool await_ready() const noexcept { return satisfied(); }
    void await_suspend(std::coroutine_handle<> awaiting);
    // Raises CancelledError when the waiting task was cancelled; otherwise
    // the caller reads the children.
    void await_resume();

    bool cancel_wait(const std::string& message) override;

    const std::vector<FutureRef<FutureBase>>& children() const noexcept { return children_; }
    // Index of the first child that failed, in completion order (gather).
    std::size_t first_failure() const noexcept { return first_failure_; }

  private:
    struct ChildLink final : FutureBase::Link {
        WaitSet* owner = nullptr;
        // (The child's index is this link's place in owner->links_.)
        void on_done() noexcept override {
            owner->child_done(static_cast<std::size_t>(this - owner->links_.data()));
        }
    };
    struct Timeout final : Schedulable {
        WaitSet* owner = nullptr;
        void run_scheduled() override { owner->timeout_fired(); }
    };

    bool satisfied() const noexcept;
    void count(std::size_t index) noexcept;  // child `index` is done
    void child_done(std::size_t index) noexcept;
    void timeout_fired() noexcept;
    void detach() noexcept;

    std::vector<FutureRef<FutureBase>> children_;
    std::vector<ChildLink> links_;
    Mode mode_;
    std::int64_t timeout_ns_;
    bool cancel_children_;
    TimerNode timer_;
    Timeout timeout_target_;
    TaskBase* task_ = nullptr;
    std::size_t first_failure_ = static_cast<std::size_t>(-1);
    std::size_t done_ = 0;
    bool any_failed_ = false;
    bool any_raised_ = false;
    bool timed_out_ = false;
    bool cancel_requested_ = false;  // cancel_children: waiting for them
    bool abandoned_ = false;         // !cancel_children: the wait was cancelled
    std::string cancel_message_;
};

}  // namespace concur::asyncio::detail
