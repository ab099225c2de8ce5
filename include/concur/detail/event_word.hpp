// concur/detail/event_word.hpp -- private: the algorithm of Python's Event on
// one 32-bit word, for threading::Event (process-local) and, placed in shared
// memory, multiprocessing's Event (process-shared).
//
// As Python documents, wait() returns true if the flag was set before the
// call or at any time while waiting, even if it was cleared again before the
// waiter ran: set() advances a generation counter, and a waiter also returns
// when the generation moved.
//
// Memory ordering: the word holds the flag (bit 0), waiter.hpp's sleepers bit
// (bit 1) and the generation (bits 2..31). set() is a release-CAS that also
// clears the sleepers bit, then wakes every sleeper by address if the bit was
// set (waiter.hpp's contract); wait() reads with acquire (wait_on), so what the
// setter wrote before set() is visible to every waiter that returns true.
#pragma once

#include <atomic>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/waiter.hpp>

namespace concur::detail {

template <WordScope Scope>
class EventWord {
  public:
    bool is_set() const noexcept { return (word_.load(std::memory_order_acquire) & kFlag) != 0; }
    // Sets the flag and wakes every waiter; never blocks.
    void set() noexcept;
    // Resets the flag; never blocks.
    void clear() noexcept { word_.fetch_and(~kFlag, std::memory_order_relaxed); }
    // Blocks until the flag is set (true) or `deadline` passes (false; null:
    // never). True also if it was set and cleared meanwhile.
    bool wait(const Deadline* deadline) noexcept;

  private:
    static constexpr std::uint32_t kFlag = 1;
    static constexpr std::uint32_t kSleepers = 2;
    static constexpr std::uint32_t kGeneration = 4;  // one step of the counter

    std::atomic<std::uint32_t> word_{0};
};

extern template class EventWord<WordScope::process_local>;
extern template class EventWord<WordScope::process_shared>;

}  // namespace concur::detail
