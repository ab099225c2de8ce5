// concur/queue/detail/bounded_ring.hpp -- private: the bounded MPMC queue
// behind `Queue<T>(maxsize > 0)` for nothrow-movable T.
//
// A ring of exactly `maxsize` cells, each with a word saying whose turn it is
// (D. Vyukov's bounded MPMC design): a producer may fill the cell of position
// p when the cell's stamp is p and publishes stamp p + 1; a consumer may empty
// it when the stamp is p + 1 and hands it back with stamp p + capacity.
// Positions are claimed with a CAS on `tail_` (producers) or `head_`
// (consumers) only once the cell is known to be ready, so a full or empty
// queue is detected from one cell without touching the other side's counters.
//
// Blocking: a thread that finds the ring full (empty) parks on the very cell
// it waits for -- the cell at the tail (head) position -- with waiter.hpp's
// wait_on(). A cell's word is a futex word: the stamp (position * 4, modulo
// 2^32), waiter.hpp's sleepers bit (bit 0) and a "closed" mark (bit 1, see
// Shutdown below). Publishing a cell or handing it
// back is one exchange that returns the sleepers bit; the wake-up that may
// follow passes only the word's address to the kernel. So the exchange is the
// last access a put() or get() makes to the ring after the hand-off: a
// consumer that takes the last item may destroy the queue at once while the
// producer is still returning from put(). The common path pays nothing for
// blocking: no eventcount to read, no counter to update.
//
// Memory ordering: a producer's exchange of stamp p + 1 (release) publishes
// the element it constructed; the consumer's acquire load of stamp p + 1 makes
// it visible. Symmetrically the consumer's exchange of stamp p + capacity
// (after moving the element out and destroying it) hands the cell to the
// producer of the next lap. The CAS on tail_/head_ only arbitrates between
// threads of the same side (relaxed: the cell's word carries the ordering).
// Stamps are 30-bit positions, so they wrap; a thread whose position is stale
// by 2^29 would mistake a cell's lap, but its CAS on the exact 64-bit
// tail_/head_ fails, and a "full"/"empty" verdict is only returned after
// re-reading tail_/head_ unchanged.
//
// Shutdown: the top bit of tail_ is the "closed" flag. close() sets it with a
// seq_cst fetch_or; tail_'s modification order then puts every producer's
// claiming CAS either before it (the put counts as done before the shutdown)
// or after it (the CAS fails and the put reports `closed`), so the number of
// puts is final once closed. close() then marks every cell closed with a
// seq_cst fetch_or and wakes the threads parked on a cell whose sleepers bit
// it returns. A parking thread sets that bit with a seq_cst CAS and then reads
// tail_ (seq_cst) in its also_ready() check (never while spinning: producers
// CAS that line): in the single total order of seq_cst operations either
// close() finds the bit, or the thread sees the ring closed and does not
// sleep. The mark is what makes the wake-up stick: a thread that passed its
// check just before the close parks on the word it read, and the mark has
// changed it (the kernel refuses to sleep) -- a wake-up sent without changing
// the word would be lost in that gap. No later write brings a word back to a
// value read before the mark (publishing changes the stamp). A claim made
// before the close is published a few instructions later: a getter on a
// closed ring parks only on such a claimed cell (its publish wakes it), and
// drain() waits for those the same way.
#pragma once

#include <atomic>
#include <bit>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include <concur/detail/deadline.hpp>
#include <concur/detail/waiter.hpp>

namespace concur::detail {

enum class RingResult { done, would_block, timed_out, closed };

template <class T, WordScope Scope = WordScope::process_local>
class BoundedRing {
    static_assert(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>);

  public:
    // Cells' stamps keep 30 bits of position; a lap must be far shorter.
    static constexpr std::size_t kMaxCapacity = std::size_t{1} << 24;

    // `capacity`: 2 .. kMaxCapacity (the owner checks).
    explicit BoundedRing(std::size_t capacity)
        : capacity_(capacity),
          mask_(std::has_single_bit(capacity) ? capacity - 1 : 0),
          cells_(new Cell[capacity]) {
        for (std::size_t i = 0; i < capacity_; ++i)
            cells_[i].word.store(stamp(i), std::memory_order_relaxed);
    }
    BoundedRing(const BoundedRing&) = delete;
    BoundedRing& operator=(const BoundedRing&) = delete;
    ~BoundedRing() { drain(); }

    // Enqueues `item` (moved from only on `done`). `deadline` null with
    // `block` = wait forever.
    RingResult put(T& item, bool block, const Deadline* deadline) noexcept {
        for (;;) {
            const Attempt attempt = try_put(item);
            if (attempt == Attempt::done) return RingResult::done;
            if (attempt == Attempt::closed) return RingResult::closed;
            if (!block) return RingResult::would_block;
            if (!wait_for_room(deadline)) {
                const Attempt last = try_put(item);  // a hand-back racing the timeout
                if (last == Attempt::done) return RingResult::done;
                return last == Attempt::closed ? RingResult::closed : RingResult::timed_out;
            }
        }
    }

    // Dequeues into `out` (an std::optional<T>, or anything with emplace(T&&)).
    template <class Out>
    RingResult get(Out& out, bool block, const Deadline* deadline) noexcept {
        for (;;) {
            if (try_get(out)) return RingResult::done;
            if (closed_and_empty()) return RingResult::closed;
            if (!block) return RingResult::would_block;
            if (!wait_for_item(deadline)) {
                if (try_get(out)) return RingResult::done;  // a publish racing the timeout
                return closed_and_empty() ? RingResult::closed : RingResult::timed_out;
            }
        }
    }

    // Removes and destroys every element; returns how many. On a closed
    // ring, also waits for the puts that claimed a cell before the close to
    // publish it, and removes those too (the ring is then empty for good).
    // Getters running concurrently may take some of the elements.
    std::size_t drain() noexcept {
        std::size_t n = 0;
        struct Sink {
            void emplace(T&&) noexcept {}
        } sink;
        for (;;) {
            while (try_get(sink)) ++n;
            const std::size_t tail = tail_.value.load(std::memory_order_seq_cst);
            if (!(tail & kClosed) ||
                head_.value.load(std::memory_order_seq_cst) >= (tail & ~kClosed))
                return n;
            wait_for_item(nullptr);  // a claimed cell is about to be published
        }
    }

    // Shutdown: puts fail from now on, gets fail once the ring is empty.
    // Wakes every parked thread. The caller must return from close() before
    // the ring is destroyed.
    void close() noexcept {
        tail_.value.fetch_or(kClosed, std::memory_order_seq_cst);
        for (std::size_t i = 0; i < capacity_; ++i)
            if (cells_[i].word.fetch_or(kCellClosed, std::memory_order_seq_cst) & kSleepers)
                unpark(cells_[i].word, INT_MAX, Scope);
    }
    bool closed() const noexcept {
        return (tail_.value.load(std::memory_order_acquire) & kClosed) != 0;
    }

    // Elements in the ring (approximate while others operate on it).
    std::size_t size() const noexcept {
        const std::size_t head = head_.value.load(std::memory_order_acquire);
        const std::size_t tail = tail_.value.load(std::memory_order_acquire) & ~kClosed;
        return tail > head ? tail - head : 0;
    }
    // How many puts have claimed a position: Queue's task accounting.
    std::size_t puts() const noexcept {
        return tail_.value.load(std::memory_order_seq_cst) & ~kClosed;
    }

  private:
    enum class Attempt { done, unavailable, closed };

    // The "closed" flag in tail_ (positions never get near it).
    static constexpr std::size_t kClosed = std::size_t{1}
                                           << (std::numeric_limits<std::size_t>::digits - 1);
    static constexpr std::uint32_t kSleepers = 1;    // waiter.hpp's bit, in each cell's word
    static constexpr std::uint32_t kCellClosed = 2;  // close() was here (see the top)
    static constexpr std::uint32_t kCellFlags = kSleepers | kCellClosed;

    struct Cell {
        std::atomic<std::uint32_t> word;  // stamp | kCellClosed | kSleepers
        alignas(T) unsigned char bytes[sizeof(T)];
        T* element() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
    };
    struct alignas(64) Position {
        std::atomic<std::size_t> value{0};
    };

    static constexpr std::uint32_t stamp(std::size_t position) noexcept {
        return static_cast<std::uint32_t>(position << 2);
    }
    // How far the cell's stamp is ahead of `position` (0: its turn; < 0: an
    // earlier turn is still pending; > 0: `position` is stale). Only the sign
    // matters.
    static std::int32_t distance(std::uint32_t word, std::size_t position) noexcept {
        return static_cast<std::int32_t>((word & ~kCellFlags) - stamp(position));
    }

    Cell& cell_at(std::size_t position) noexcept {
        return cells_[mask_ != 0 ? (position & mask_) : (position % capacity_)];
    }

    Attempt try_put(T& item) noexcept {
        std::size_t position = tail_.value.load(std::memory_order_relaxed);
        for (;;) {
            if (position & kClosed) return Attempt::closed;
            Cell& cell = cell_at(position);
            const std::int32_t d = distance(cell.word.load(std::memory_order_acquire), position);
            if (d == 0) {
                if (tail_.value.compare_exchange_weak(position, position + 1,
                                                      std::memory_order_relaxed)) {
                    ::new (cell.bytes) T(std::move(item));
                    publish(cell, position + 1);
                    return Attempt::done;
                }
            } else if (d < 0) {
                // The previous lap's element is still there: full, unless our
                // position is stale.
                const std::size_t now = tail_.value.load(std::memory_order_relaxed);
                if (now == position) return Attempt::unavailable;
                position = now;
            } else {
                position = tail_.value.load(std::memory_order_relaxed);
            }
        }
    }

    template <class Out>
    bool try_get(Out& out) noexcept {
        std::size_t position = head_.value.load(std::memory_order_relaxed);
        for (;;) {
            Cell& cell = cell_at(position);
            const std::int32_t d =
                distance(cell.word.load(std::memory_order_acquire), position + 1);
            if (d == 0) {
                if (head_.value.compare_exchange_weak(position, position + 1,
                                                      std::memory_order_relaxed)) {
                    T* element = cell.element();
                    out.emplace(std::move(*element));
                    element->~T();
                    publish(cell, position + capacity_);
                    return true;
                }
            } else if (d < 0) {
                // Not yet published: empty, unless our position is stale.
                const std::size_t now = head_.value.load(std::memory_order_relaxed);
                if (now == position) return false;
                position = now;
            } else {
                position = head_.value.load(std::memory_order_relaxed);
            }
        }
    }

    // Gives the cell its next stamp and wakes whoever parked on it; nothing of
    // the ring is touched after the exchange (see the top of this file).
    static void publish(Cell& cell, std::size_t next_position) noexcept {
        if (cell.word.exchange(stamp(next_position), std::memory_order_release) & kSleepers)
            unpark(cell.word, INT_MAX, Scope);
    }

    // Parks on the tail cell until it is handed back or the ring is closed;
    // false only on timeout.
    bool wait_for_room(const Deadline* deadline) noexcept {
        const std::size_t position = tail_.value.load(std::memory_order_seq_cst);
        if (position & kClosed) return true;
        Cell& cell = cell_at(position);
        return wait_on(
            cell.word, kSleepers, [&](std::uint32_t word) { return distance(word, position) >= 0; },
            [&] { return (tail_.value.load(std::memory_order_seq_cst) & kClosed) != 0; }, deadline,
            Scope);
    }

    // Parks on the head cell until it is published or the ring is closed and
    // empty; false only on timeout.
    bool wait_for_item(const Deadline* deadline) noexcept {
        const std::size_t position = head_.value.load(std::memory_order_seq_cst);
        Cell& cell = cell_at(position);
        return wait_on(
            cell.word, kSleepers,
            [&](std::uint32_t word) { return distance(word, position + 1) >= 0; },
            [&] { return closed_and_empty(); }, deadline, Scope);
    }

    // Closed, and every claimed cell has been taken: gets fail from now on.
    bool closed_and_empty() const noexcept {
        const std::size_t tail = tail_.value.load(std::memory_order_seq_cst);
        return (tail & kClosed) && head_.value.load(std::memory_order_seq_cst) >= (tail & ~kClosed);
    }

    const std::size_t capacity_;
    const std::size_t mask_;  // capacity - 1 for powers of two, else 0 (use %)
    std::unique_ptr<Cell[]> cells_;
    Position tail_;
    Position head_;
};

}  // namespace concur::detail
