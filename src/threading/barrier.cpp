// src/threading/barrier.cpp -- Barrier: Python's state machine over a Lock and a Condition.
#include <concur/threading/barrier.hpp>

#include <mutex>

namespace concur::threading {

// The algorithm is Python's (Lib/threading.py): a Condition over a Lock, a
// state machine filling -> draining -> filling, and breaking on any failure.

namespace {
std::size_t checked_parties(std::ptrdiff_t parties) {
    if (parties < 1) throw ValueError("parties must be >= 1");
    return static_cast<std::size_t>(parties);
}
}  // namespace

Barrier::Barrier(std::ptrdiff_t parties, std::function<void()> action,
                 std::optional<std::chrono::nanoseconds> timeout)
    : parties_(checked_parties(parties)), action_(std::move(action)), timeout_(timeout) {}

std::size_t Barrier::wait_impl(std::optional<std::chrono::nanoseconds> timeout) {
    std::unique_lock hold(cond_);
    enter();  // block while a previous cycle drains or resets
    const std::size_t index = count_++;
    struct Leave {
        Barrier& barrier;
        ~Leave() {
            --barrier.count_;
            barrier.exit();
        }
    } leave{*this};
    if (index + 1 == parties_)
        release_all();
    else
        wait_released(timeout);
    return index;
}

void Barrier::enter() {
    while (state_ == State::draining || state_ == State::resetting) cond_.wait();
    if (state_ == State::broken) throw BrokenBarrierError();
}

void Barrier::release_all() {
    try {
        if (action_) action_();
        state_ = State::draining;
        cond_.notify_all();
    } catch (...) {
        break_barrier();
        throw;
    }
}

void Barrier::wait_released(std::optional<std::chrono::nanoseconds> timeout) {
    auto released = [this] { return state_ != State::filling; };
    const bool ok = timeout ? cond_.wait_for(released, *timeout) : cond_.wait_for(released);
    if (!ok) {
        break_barrier();
        throw BrokenBarrierError();
    }
    if (state_ == State::broken || state_ == State::resetting) throw BrokenBarrierError();
}

void Barrier::exit() {
    if (count_ == 0 && (state_ == State::resetting || state_ == State::draining)) {
        state_ = State::filling;
        cond_.notify_all();
    }
}

void Barrier::break_barrier() {
    state_ = State::broken;
    cond_.notify_all();
}

void Barrier::reset() {
    std::lock_guard hold(cond_);
    if (count_ > 0) {
        if (state_ == State::filling || state_ == State::broken) state_ = State::resetting;
    } else {
        state_ = State::filling;
    }
    cond_.notify_all();
}

void Barrier::abort() {
    std::lock_guard hold(cond_);
    break_barrier();
}

std::size_t Barrier::n_waiting() const noexcept {
    return state_.load(std::memory_order_relaxed) == State::filling
               ? count_.load(std::memory_order_relaxed)
               : 0;
}

bool Barrier::broken() const noexcept {
    return state_.load(std::memory_order_relaxed) == State::broken;
}

}  // namespace concur::threading
