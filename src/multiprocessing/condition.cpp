// multiprocessing's Condition: waiter slots in shared memory, each parked on
// its own process-shared word, guarded by the condition's Lock or RLock.
#include <concur/multiprocessing/condition.hpp>

#include <climits>

#include <concur/detail/waiter.hpp>

namespace concur::multiprocessing {

namespace {
using concur::detail::WordScope;
using State = detail::ConditionState;
}  // namespace

Condition::Condition(Which lock)
    : lock_(std::move(lock)), ref_(detail::make_shared_state<State>("concur-mp-condition")) {}

bool Condition::is_owned() const noexcept {
    if (const RLock* rlock = std::get_if<RLock>(&lock_)) return rlock->is_owned();
    return std::get<Lock>(lock_).is_mine();
}

bool Condition::wait_until(const concur::detail::Deadline* deadline) {
    if (!is_owned()) throw RuntimeError("must acquire() condition before using wait()");
    State& st = state();
    const pid_t me = detail::current_pid();

    // A free slot; failing that, one whose process died.
    State::Slot* slot = nullptr;
    for (State::Slot& s : st.slots)
        if (s.state == State::kFree) {
            slot = &s;
            break;
        }
    if (slot == nullptr)
        for (State::Slot& s : st.slots)
            if (s.pid != me && !detail::process_alive(s.pid)) {
                slot = &s;
                break;
            }
    std::uint32_t generation = 0;
    if (slot != nullptr) {
        slot->state = State::kWaiting;
        slot->pid = me;
        slot->ticket = st.next_ticket++;
        slot->word.store(0, std::memory_order_relaxed);
    } else {
        ++st.overflow_waiters;
        generation = st.overflow.load(std::memory_order_relaxed) & ~State::kSleepers;
    }

    std::uint32_t saved = 0;
    if (RLock* rlock = std::get_if<RLock>(&lock_))
        saved = rlock->release_save();
    else
        std::get<Lock>(lock_).release();

    if (slot != nullptr)
        concur::detail::wait_on(
            slot->word, State::kSleepers,
            [](std::uint32_t value) { return (value & State::kSignal) != 0; }, deadline,
            WordScope::process_shared);
    else
        concur::detail::wait_on(
            st.overflow, State::kSleepers,
            [generation](std::uint32_t value) { return (value & ~State::kSleepers) != generation; },
            deadline, WordScope::process_shared);

    if (RLock* rlock = std::get_if<RLock>(&lock_))
        rlock->acquire_restore(saved);
    else
        std::get<Lock>(lock_).acquire();

    // Under the lock again: a notify that raced the timeout counts.
    if (slot != nullptr) {
        const bool notified = (slot->word.load(std::memory_order_acquire) & State::kSignal) != 0;
        slot->state = State::kFree;
        slot->pid = 0;
        return notified;
    }
    --st.overflow_waiters;
    return (st.overflow.load(std::memory_order_acquire) & ~State::kSleepers) != generation;
}

void Condition::notify(std::size_t n) {
    if (!is_owned()) throw RuntimeError("lock is not owned");
    State& st = state();
    const pid_t me = detail::current_pid();
    const auto signal = [](State::Slot& slot) {
        slot.state = State::kSignalled;
        if (slot.word.exchange(State::kSignal, std::memory_order_release) & State::kSleepers)
            concur::detail::unpark(slot.word, 1, WordScope::process_shared);
    };
    while (n > 0) {
        State::Slot* oldest = nullptr;
        for (State::Slot& s : st.slots)
            if (s.state == State::kWaiting && (oldest == nullptr || s.ticket < oldest->ticket))
                oldest = &s;
        if (oldest == nullptr) break;
        if (oldest->pid != me && !detail::process_alive(oldest->pid)) {
            oldest->state = State::kFree;  // its waiter died: do not spend a wake-up on it
            oldest->pid = 0;
            continue;
        }
        signal(*oldest);
        --n;
    }
    if (n > 0 && st.overflow_waiters > 0) {
        std::uint32_t current = st.overflow.load(std::memory_order_relaxed);
        while (!st.overflow.compare_exchange_weak(
            current, (current & ~State::kSleepers) + State::kGeneration, std::memory_order_release,
            std::memory_order_relaxed)) {
        }
        if (current & State::kSleepers)
            concur::detail::unpark(st.overflow, INT_MAX, WordScope::process_shared);
    }
}

}  // namespace concur::multiprocessing
