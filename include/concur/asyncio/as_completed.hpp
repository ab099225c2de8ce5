// concur/asyncio/as_completed.hpp
// -----------------------------------------------------------------------------
// `asyncio::as_completed(aws, timeout)` mirrors Python's asyncio.as_completed:
// an iteration that gives, one by one, awaitables for the results in the
// order the awaitables finish.
//
//   Python                                  concur
//   --------------------------------------  --------------------------------------
//   for next in asyncio.as_completed(aws):  for (auto next : asyncio::as_completed(
//                                                std::move(aws)))
//       r = await next                          T r = co_await next;
//
// Each `co_await next` gives the next finished result (or rethrows its
// exception). With a timeout (seconds, a duration or std::nullopt), a
// `co_await next` still waiting when it passes raises TimeoutError, as do
// the later ones. The awaitables become tasks at the call. Loop-thread only.
#pragma once

#include <concur/asyncio/detail/wait_queue.hpp>
#include <concur/asyncio/task.hpp>
#include <concur/asyncio/wait.hpp>

#include <coroutine>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

namespace concur::asyncio {

namespace detail {

template <class T>
struct AsCompletedState {
    std::deque<Task<T>> finished;
    WaitQueue waiters;
    Handle timer;
    bool timed_out = false;
    ~AsCompletedState() { timer.cancel(); }
};

template <class T>
class AsCompletedNext {
  public:
    explicit AsCompletedNext(std::shared_ptr<AsCompletedState<T>> state)
        : state_(std::move(state)) {}
    bool await_ready() const noexcept { return !state_->finished.empty() || state_->timed_out; }
    void await_suspend(std::coroutine_handle<> awaiting) {
        state_->waiters.wait(node_, awaiting, "await as_completed()");
    }
    T await_resume() {
        node_.finish();
        if (state_->finished.empty()) throw TimeoutError("as_completed: timed out");
        Task<T> task = std::move(state_->finished.front());
        state_->finished.pop_front();
        if constexpr (std::is_void_v<T>) {
            task.result();
        } else {
            return T(task.result());
        }
    }

  private:
    std::shared_ptr<AsCompletedState<T>> state_;
    WaitQueue::Node node_;
};

}  // namespace detail

template <class T>
class AsCompleted {
  public:
    AsCompleted(std::vector<Task<T>> tasks, std::int64_t timeout_ns)
        : state_(std::make_shared<detail::AsCompletedState<T>>()), count_(tasks.size()) {
        std::weak_ptr<detail::AsCompletedState<T>> weak = state_;
        for (Task<T>& task : tasks) {
            task.add_done_callback([weak](Task<T>& done) {
                if (auto state = weak.lock()) {
                    state->finished.push_back(done);
                    state->waiters.wake_one();
                }
            });
        }
        if (timeout_ns >= 0 && !tasks.empty()) {
            auto loop = get_event_loop();
            state_->timer = loop->call_later(std::chrono::nanoseconds(timeout_ns), [weak] {
                if (auto state = weak.lock()) {
                    state->timed_out = true;
                    state->waiters.wake_all();
                }
            });
        }
    }

    class iterator {
      public:
        iterator(std::shared_ptr<detail::AsCompletedState<T>> state, std::size_t left)
            : state_(std::move(state)), left_(left) {}
        detail::AsCompletedNext<T> operator*() const { return detail::AsCompletedNext<T>(state_); }
        iterator& operator++() {
            --left_;
            return *this;
        }
        bool operator==(const iterator& other) const noexcept { return left_ == other.left_; }

      private:
        std::shared_ptr<detail::AsCompletedState<T>> state_;
        std::size_t left_;
    };
    iterator begin() const { return iterator(state_, count_); }
    iterator end() const { return iterator(state_, 0); }

  private:
    std::shared_ptr<detail::AsCompletedState<T>> state_;
    std::size_t count_;
};

template <class A, class Timeout = std::optional<double>>
auto as_completed(std::vector<A> awaitables, Timeout timeout = std::nullopt) {
    static_assert(detail::Awaitable<A>, "as_completed() takes a vector of awaitables");
    using T = detail::await_result_t<A>;
    std::vector<Task<T>> tasks;
    tasks.reserve(awaitables.size());
    for (A& awaitable : awaitables) tasks.push_back(ensure_future(std::move(awaitable)));
    return AsCompleted<T>(std::move(tasks), detail::timeout_to_ns(timeout));
}

}  // namespace concur::asyncio
