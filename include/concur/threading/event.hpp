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
// Implementation: detail::EventWord (one futex word; its memory-ordering
// notes are in detail/event_word.hpp), the same code multiprocessing's Event
// runs in shared memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <concur/detail/deadline.hpp>
#include <concur/detail/event_word.hpp>

namespace concur::threading {

class Event {
  public:
    Event() noexcept = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    // Whether the flag is set.
    bool is_set() const noexcept { return word_.is_set(); }

    // Sets the flag and wakes every waiter.
    void set() noexcept { word_.set(); }

    // Resets the flag.
    void clear() noexcept { word_.clear(); }

    // Blocks until the flag is set; returns true.
    bool wait() noexcept { return word_.wait(nullptr); }
    // Blocks at most `timeout` (negative counts as zero); returns the flag
    // (true if it was set while waiting).
    template <class Rep, class Period>
    bool wait(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return word_.wait(&deadline);
    }

  private:
    concur::detail::EventWord<concur::detail::WordScope::process_local> word_;
};

}  // namespace concur::threading
