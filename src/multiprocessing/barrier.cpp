// multiprocessing's Barrier: Python's state machine (as threading::Barrier)
// over a process-shared Condition, with its state in a shared segment.
#include <concur/multiprocessing/barrier.hpp>

#include <mutex>

namespace concur::multiprocessing {

namespace {
std::size_t checked_parties(std::ptrdiff_t parties) {
    if (parties < 1) throw ValueError("parties must be >= 1");
    return static_cast<std::size_t>(parties);
}
}  // namespace

Barrier::Barrier(std::ptrdiff_t parties, std::function<void()> action,
                 std::optional<std::chrono::nanoseconds> timeout)
    : cond_(Lock()),
      ref_(detail::make_shared_state<State>("concur-mp-barrier", checked_parties(parties))),
      action_(std::move(action)),
      timeout_(timeout) {}

std::size_t Barrier::wait_impl(std::optional<std::chrono::nanoseconds> timeout) {
    std::unique_lock hold(cond_);
    enter();  // block while a previous cycle drains or resets
    State& st = state();
    const std::size_t index = st.count.load(std::memory_order_relaxed);
    st.count.store(index + 1, std::memory_order_relaxed);
    struct Leave {
        Barrier& barrier;
        ~Leave() {
            State& s = barrier.state();
            s.count.store(s.count.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
            barrier.exit();
        }
    } leave{*this};
    if (index + 1 == st.parties)
        release_all();
    else
        wait_released(timeout);
    return index;
}

void Barrier::enter() {
    State& st = state();
    for (;;) {
        const std::uint32_t phase = st.phase.load(std::memory_order_relaxed);
        if (phase != kDraining && phase != kResetting) break;
        cond_.wait();
    }
    if (st.phase.load(std::memory_order_relaxed) == kBroken) throw BrokenBarrierError();
}

void Barrier::release_all() {
    try {
        if (action_) action_();
        state().phase.store(kDraining, std::memory_order_relaxed);
        cond_.notify_all();
    } catch (...) {
        break_barrier();
        throw;
    }
}

void Barrier::wait_released(std::optional<std::chrono::nanoseconds> timeout) {
    State& st = state();
    auto released = [&st] { return st.phase.load(std::memory_order_relaxed) != kFilling; };
    const bool ok = timeout ? cond_.wait_for(released, *timeout) : cond_.wait_for(released);
    if (!ok) {
        break_barrier();
        throw BrokenBarrierError();
    }
    const std::uint32_t phase = st.phase.load(std::memory_order_relaxed);
    if (phase == kBroken || phase == kResetting) throw BrokenBarrierError();
}

void Barrier::exit() {
    State& st = state();
    const std::uint32_t phase = st.phase.load(std::memory_order_relaxed);
    if (st.count.load(std::memory_order_relaxed) == 0 &&
        (phase == kResetting || phase == kDraining)) {
        st.phase.store(kFilling, std::memory_order_relaxed);
        cond_.notify_all();
    }
}

void Barrier::break_barrier() {
    state().phase.store(kBroken, std::memory_order_relaxed);
    cond_.notify_all();
}

void Barrier::reset() {
    std::lock_guard hold(cond_);
    State& st = state();
    const std::uint32_t phase = st.phase.load(std::memory_order_relaxed);
    if (st.count.load(std::memory_order_relaxed) > 0) {
        if (phase == kFilling || phase == kBroken)
            st.phase.store(kResetting, std::memory_order_relaxed);
    } else {
        st.phase.store(kFilling, std::memory_order_relaxed);
    }
    cond_.notify_all();
}

void Barrier::abort() {
    std::lock_guard hold(cond_);
    break_barrier();
}

std::size_t Barrier::n_waiting() const noexcept {
    const State& st = state();
    return st.phase.load(std::memory_order_relaxed) == kFilling
               ? st.count.load(std::memory_order_relaxed)
               : 0;
}

bool Barrier::broken() const noexcept {
    return state().phase.load(std::memory_order_relaxed) == kBroken;
}

}  // namespace concur::multiprocessing
