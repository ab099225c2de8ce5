// asyncio's Barrier.
#include <concur/asyncio/barrier.hpp>

#include <exception>
#include <utility>

namespace concur::asyncio {

Barrier::Barrier(std::int64_t parties) : parties_(parties) {
    if (parties < 1) throw ValueError("parties must be > 0");
}

Coroutine<std::int64_t> Barrier::wait() {
    if (broken_) throw BrokenBarrierError("Barrier aborted");
    const std::int64_t index = count_++;
    if (count_ == parties_) {
        // The last arrival releases the round and starts a new one.
        count_ = 0;
        round_ = std::make_shared<Round>();
        waiters_.wake_all();
        co_return index;
    }
    std::shared_ptr<Round> round = round_;
    const detail::WaitQueue::Outcome outcome = co_await waiters_.park_settled("wait on a Barrier");
    if (outcome.error) {
        if (!outcome.woken && round == round_) --count_;  // left before the round ended
        std::rethrow_exception(outcome.error);
    }
    if (round->broken) throw BrokenBarrierError("Barrier aborted");
    co_return index;
}

void Barrier::break_round() {
    round_->broken = true;
    round_ = std::make_shared<Round>();
    count_ = 0;
    waiters_.wake_all();
}

Coroutine<void> Barrier::reset() {
    break_round();
    broken_ = false;
    co_return;
}

void Barrier::abort() {
    broken_ = true;
    break_round();
}

}  // namespace concur::asyncio
