// concur/detail/waiter.hpp -- private: the one way concur waits.
//
// Every blocking call of concur (Lock, Semaphore, Event, Condition, Barrier,
// Thread.join, Future.result, the queues, the scheduler's idle workers) waits
// through the pieces below, and only through them:
//
//   SpinWait   the one spin policy: a few rounds of `pause`, then a few
//              sched_yield()s (on an oversubscribed machine the thread we
//              wait for may need our core), then give up and park;
//   park()     sleep in the kernel while a 32-bit word holds a value, until
//              woken or an absolute steady_clock deadline (Linux futex,
//              FUTEX_WAIT_BITSET on CLOCK_MONOTONIC);
//   unpark()   wake sleepers of a word, by its address only;
//   wait_on()  the protocol most primitives share: wait until a predicate
//              holds for a word's value, spinning first, then announcing
//              itself with a "sleepers" bit in the word and parking on it.
//
// The word is process-private (the kernel keys sleepers by address in this
// process: FUTEX_PRIVATE_FLAG, cheaper) or process-shared (a word in shared
// memory, keyed by its physical page: multiprocessing's primitives are the same
// code with WordScope::process_shared).
//
// Memory ordering, stated once for every primitive built on wait_on():
//  * A waker changes the word with one read-modify-write (exchange, CAS or
//    fetch-op) that both publishes its change (release, or seq_cst) and
//    returns the previous value. If that value had the sleepers bit, it calls
//    unpark() -- which passes only the word's address to the kernel and reads
//    no memory of the primitive. So the RMW is the waker's last access to the
//    primitive: a waiter that sees the change may destroy the primitive at
//    once (a thread that takes the last item may free the queue; the
//    use-after-free of glibc bug 12674 cannot happen).
//  * A waiter sets the sleepers bit with a seq_cst CAS that expects the value
//    it saw, re-reads the word (acquire) and re-checks its predicate, then
//    parks on exactly that value. The kernel compares the word with that value
//    atomically with queuing the sleeper, so a change made after the CAS either
//    makes park() return at once or finds the sleepers bit in its RMW and
//    wakes it. No wake-up is lost; spurious ones are re-checked.
//  * A waiter may also wait for a condition on other words (a queue's
//    "closed" flag, wait_on's also_ready). Those reads come after the CAS in
//    the waiter. The other word's writer does a seq_cst RMW on it, then a
//    seq_cst RMW on this word that changes it (e.g. sets a flag bit) and
//    returns the sleepers bit: the single total order of seq_cst operations
//    guarantees that either the waiter sees the other word's change or the
//    writer sees the sleepers bit (Dekker). The writer must change the word,
//    not merely read it: a waiter that checked just before parks on the value
//    it read, and only a changed word makes the kernel refuse to sleep (a
//    wake-up sent in between finds nobody). Nothing may later bring the word
//    back to a value read before that change.
//  * The waiter's acquire load of the word pairs with the waker's release
//    RMW: what the waker wrote before its change is visible to the waiter
//    that returns.
#pragma once

#include <atomic>
#include <bit>
#include <climits>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <concur/detail/deadline.hpp>

namespace concur::detail {

// Whether a word is waited on by threads of one process or of several (a word
// in shared memory).
enum class WordScope : bool { process_local = false, process_shared = true };

// A CPU hint for one round of a spin loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// The spin policy of every concur wait. Most waits end within a few
// microseconds (a critical section, an item about to be published), far
// sooner than a futex round trip (~2-5 us); so spin first. The yields matter
// on an oversubscribed machine: the thread we wait for may be runnable on our
// core. Not thread-safe: one per waiting call.
class SpinWait {
  public:
    static constexpr int kPauseRounds = 32;
    static constexpr int kYieldRounds = 32;

    // One more round of busy waiting; false once the budget is spent (park
    // then). With a deadline, the yielding rounds stop once it has passed.
    bool spin(const Deadline* deadline = nullptr) noexcept;
    void reset() noexcept { rounds_ = 0; }

  private:
    int rounds_ = 0;
};

// Sleeps while `word` holds `expected`, until unpark(), `deadline` (null:
// none), or a spurious wake-up. Returns false only when the deadline passed.
bool park(const std::atomic<std::uint32_t>& word, std::uint32_t expected, const Deadline* deadline,
          WordScope scope = WordScope::process_local) noexcept;

// Wakes up to `count` threads parked on `word`. Reads no memory at `word`:
// safe after the primitive that holds the word has been destroyed.
void unpark(const std::atomic<std::uint32_t>& word, int count = INT_MAX,
            WordScope scope = WordScope::process_local) noexcept;

// 64-bit words: the sleepers park on the half that holds the low 32 bits,
// so every change that must wake them has to change those bits (a counter
// that only grows does).
bool park(const std::atomic<std::uint64_t>& word, std::uint64_t expected, const Deadline* deadline,
          WordScope scope = WordScope::process_local) noexcept;
void unpark(const std::atomic<std::uint64_t>& word, int count = INT_MAX,
            WordScope scope = WordScope::process_local) noexcept;

// Waits until `ready(value)` holds for a value of `word` read with acquire,
// or `also_ready()` holds (then returns true), or until `deadline` passes
// (then returns the predicates of a last read). `sleepers` is the word's bit
// that says "someone may be parked here": wakers that see it in the previous
// value of their RMW call unpark(word) (see the memory-ordering contract
// above). The predicates must be false for the value the sleeper would park
// on only while a waker is still to come.
//
// `also_ready` holds the conditions on other words (a queue's "closed"
// flag): it is read only once spinning is over, before announcing and before
// every park, never in the spin loop, because those words are often hot
// lines that other threads write (re-reading one each round slowed a 2p2c
// queue 2x).
template <class Word, class Ready, class AlsoReady>
requires(std::is_same_v<Word, std::uint32_t> || std::is_same_v<Word, std::uint64_t>) bool wait_on(
    std::atomic<Word>& word, Word sleepers, Ready&& ready, AlsoReady&& also_ready,
    const Deadline* deadline, WordScope scope = WordScope::process_local) {
    SpinWait spin;
    bool spinning = true;
    for (;;) {
        Word value = word.load(std::memory_order_acquire);
        if (ready(value)) return true;
        if (spinning && spin.spin(deadline)) continue;
        spinning = false;
        if (also_ready()) return true;
        if (!(value & sleepers)) {
            // Announce ourselves, then look again (with the bit set) before
            // parking: also_ready() reads other words.
            word.compare_exchange_strong(value, value | sleepers, std::memory_order_seq_cst,
                                         std::memory_order_relaxed);
            continue;
        }
        if (!park(word, value, deadline, scope))
            return ready(word.load(std::memory_order_acquire)) || also_ready();
    }
}

// The same, for a condition on `word` alone.
template <class Word, class Ready>
requires(std::is_same_v<Word, std::uint32_t> || std::is_same_v<Word, std::uint64_t>) bool wait_on(
    std::atomic<Word>& word, Word sleepers, Ready&& ready, const Deadline* deadline,
    WordScope scope = WordScope::process_local) {
    return wait_on(
        word, sleepers, std::forward<Ready>(ready), [] { return false; }, deadline, scope);
}

}  // namespace concur::detail
