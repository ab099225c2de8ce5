// concur/threading/event.hpp
// -----------------------------------------------------------------------------
// `concur::threading::Event` mirrors Python's `threading.Event`: a flag that
// threads can wait for. set() wakes every waiter; clear() resets the flag.
// As Python documents, wait() returns true if the flag was set before the
// call or at any time while waiting, even if it was cleared again before the
// waiter ran (a set() followed at once by clear() still releases waiters).
//
// Thread-safe; set(), clear() and is_set() never block.
//
// Example:
//
//   threading::Event ready;
//   threading::Thread worker([&] { ready.wait(); go(); });
//   worker.start();
//   ready.set();
//   if (!ready.wait(std::chrono::seconds(1))) { /* timed out */ }
//
// Memory ordering: one 32-bit futex word holds the flag (bit 0), a "someone
// may sleep" bit (bit 1) and a generation counter (bits 2..31) that set()
// advances. set() is a release-CAS, wait() reads with acquire, so what the
// setter wrote before set() is visible to every waiter that returns true. A
// sleeper publishes bit 1 with a CAS before sleeping on exactly that value, so
// a set() either sees bit 1 (and wakes) or changes the word first (and the
// kernel refuses to sleep).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <concur/detail/deadline.hpp>

namespace concur::threading {

class Event {
public:
    Event() noexcept = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    // Whether the flag is set.
    bool is_set() const noexcept { return (state_.load(std::memory_order_acquire) & kFlag) != 0; }

    // Sets the flag and wakes every waiter.
    void set() noexcept;

    // Resets the flag.
    void clear() noexcept { state_.fetch_and(~kFlag, std::memory_order_relaxed); }

    // Blocks until the flag is set; returns true.
    bool wait() { return wait_until(nullptr); }
    // Blocks at most `timeout` (negative counts as zero); returns the flag
    // (true if it was set while waiting).
    template <class Rep, class Period>
    bool wait(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return wait_until(&deadline);
    }

private:
    static constexpr std::uint32_t kFlag = 1;
    static constexpr std::uint32_t kSleepers = 2;
    static constexpr std::uint32_t kGeneration = 4;  // one step of the counter

    bool wait_until(const concur::detail::Deadline* deadline);

    std::atomic<std::uint32_t> state_{0};
};

}  // namespace concur::threading
