// concur/multiprocessing/event.hpp
// -----------------------------------------------------------------------------
// `concur::multiprocessing::Event` mirrors Python's `multiprocessing.Event`: a
// flag shared by processes that they can wait for. set() wakes every waiter,
// clear() resets the flag. wait() returns true if the flag was set before the
// call or at any time while waiting, even if it was cleared again before the
// waiter ran (threading.Event's documented rule; Python's multiprocessing
// Event, a Condition over a Semaphore, may miss such a pulse).
//
// A *handle*: copies refer to the same event; pass it by value to a fork()ed
// child or serialise it for a "spawn" child (save/load inside
// detail::FdSendScope / FdReceiveScope). Thread-safe, from any process;
// set(), clear() and is_set() never block.
//
// Example:
//
//   mp::Event ready;
//   if (::fork() == 0) { prepare(); ready.set(); ::_exit(0); }
//   if (!ready.wait(std::chrono::seconds(5))) { /* timed out */ }
//
// Implementation: detail::EventWord<process_shared> in a shared segment, the
// code threading::Event runs; its memory-ordering notes are in
// detail/event_word.hpp (set() is a release-CAS, wait() reads with acquire:
// what the setter wrote before set() is visible to a waiter that returns true).
#pragma once

#include <chrono>

#include <concur/detail/deadline.hpp>
#include <concur/detail/event_word.hpp>
#include <concur/multiprocessing/detail/shared_segment.hpp>

namespace concur::multiprocessing {

class Event {
  public:
    // A new, clear event (OSError if the segment cannot be created).
    Event() : ref_(detail::make_shared_state<Word>("concur-mp-event")) {}

    // Whether the flag is set.
    bool is_set() const noexcept { return word().is_set(); }
    // Sets the flag and wakes every waiter.
    void set() noexcept { word().set(); }
    // Resets the flag.
    void clear() noexcept { word().clear(); }

    // Blocks until the flag is set; returns true.
    bool wait() noexcept { return word().wait(nullptr); }
    // Blocks at most `timeout` (negative counts as zero); returns the flag
    // (true if it was set while waiting).
    template <class Rep, class Period>
    bool wait(std::chrono::duration<Rep, Period> timeout) {
        const auto deadline = concur::detail::deadline_after(timeout);
        return word().wait(&deadline);
    }

    // Serialisation for a "spawn" child (cereal; see the file comment).
    template <class Archive>
    void save(Archive& archive) const {
        ref_.save(archive, "Event");
    }
    template <class Archive>
    void load(Archive& archive) {
        ref_.load(archive);
    }

  private:
    using Word = concur::detail::EventWord<concur::detail::WordScope::process_shared>;
    Word& word() const noexcept { return *ref_.get<Word>(); }

    detail::SegmentRef ref_;
};

}  // namespace concur::multiprocessing
